#!/usr/bin/env python3
"""Deterministic `git fast-import` streams for the scale benchmark (bench/scale.py).

Usage: python3 bench/gen_shapes.py SHAPE | git -C REPO fast-import --quiet
       python3 bench/gen_shapes.py --list

Every shape is one branch, `main`, plus a lightweight tag `bench/base`; the
benchmarked change is `bench/base..main` (base is an ancestor of main, so the
three-dot diff compares bench/base with main). Each shape stresses one way a
change can be large; SHAPES below lists them.

Everything, including identities and timestamps, comes from fixed constants
and a PRNG seeded from the shape's name. Only `Random.random()` is drawn from:
it is the one draw Python promises to repeat across versions for a given
seed (randrange, choices and the variate functions have changed before), so
the same script yields the same commit ids on every machine. Python 3 stdlib
only, so the benchmark needs nothing installed.
"""

import hashlib
import random
import sys

EPOCH = 1_700_000_000
STEP_SECONDS = 617

PEOPLE = (
    "Ada Quill <ada@example.com>",
    "Bruno Vale <bruno@example.com>",
    "Chen Wu <chen@example.com>",
    "Dara Okafor <dara@example.com>",
    "Emil Strand <emil@example.com>",
    "Farah Haddad <farah@example.com>",
    "Gus Moreau <gus@example.com>",
    "Hana Sato <hana@example.com>",
    "Ivo Petrov <ivo@example.com>",
    "Jade Lind <jade@example.com>",
    "Kofi Mensah <kofi@example.com>",
    "Lena Ortiz <lena@example.com>",
)
SYLLABLES = (
    "ab ac ad al am an ar as at ba be bi bo ca ce ci co da de di do el em en "
    "er es et fa fe fi fo ga ge gi go ha he hi ho id il im in io ir is it ka "
    "ke ki ko la le li lo ma me mi mo na ne ni no ol om on or os pa pe pi po "
    "ra re ri ro sa se si so ta te ti to ul um un ur us va ve vi vo za ze"
).split()
VERBS = (
    "add", "fix", "refactor", "update", "remove", "rename", "simplify",
    "document", "handle", "tighten", "speed up", "clean up", "split", "guard",
    "cache", "validate",
)
TOP_DIRS = ("src", "lib", "crates", "docs", "tests", "tools", "config", "web")
EXTENSIONS = (".rs", ".rs", ".rs", ".py", ".ts", ".c", ".h", ".md", ".toml", ".txt")
# Twelve trailer keys, as a busy project's commits carry them (kernel-style
# tags, review bots, issue links). None is a key shipgate gives meaning to
# (Release:, Docs:, ...), so the stage and verdict come from the label alone
# and every commit is read the same way.
TRAILER_KEYS = (
    "Signed-off-by", "Co-authored-by", "Reviewed-by", "Acked-by", "Tested-by",
    "Reported-by", "Suggested-by", "Cc", "Refs", "Fixes", "Link", "Change-Id",
)


class Rand:
    """Draws built on `random()` alone (see the module docstring for why)."""

    def __init__(self, seed: str) -> None:
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, lo: int, hi: int) -> int:
        return lo + int(self.random() * (hi - lo + 1))

    def pick(self, seq):
        return seq[int(self.random() * len(seq))]

    def picks(self, seq, k: int) -> list:
        r, n = self.random, len(seq)
        return [seq[int(r() * n)] for _ in range(k)]

    def shuffle(self, items: list) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = int(self.random() * (i + 1))
            items[i], items[j] = items[j], items[i]


class Text:
    """Words and lines of pseudo-text from a fixed vocabulary.

    Lines come from a large pool, so files are cheap to make yet two unrelated
    files share almost no lines (as git's rename scoring sees them).
    """

    def __init__(self, rng: Rand, pool_lines: int = 20_000) -> None:
        self.rng = rng
        self.vocab = list(dict.fromkeys(self.word() for _ in range(4000)))
        self.pool = [self.line() for _ in range(pool_lines)]

    def word(self) -> str:
        return "".join(self.rng.picks(SYLLABLES, self.rng.between(1, 4)))

    def line(self) -> str:
        words = " ".join(self.rng.picks(self.vocab, self.rng.between(3, 12)))
        if self.rng.random() < 0.5:
            return "    " * self.rng.between(1, 3) + words
        return words

    def words(self, k: int) -> list[str]:
        return self.rng.picks(self.vocab, k)

    def file(self, serial: int, size: int) -> list[str]:
        """About `size` bytes; the first line makes every file's content unique."""
        lines = [f"// {self.rng.pick(self.vocab)} {serial:06d}"]
        n = max(1, size // 56)  # pool lines average about 56 bytes with newline
        lines += self.rng.picks(self.pool, n)
        return lines

    def edit(self, lines: list[str]) -> list[str]:
        """A small change: one line replaced and one inserted, past the header."""
        lines = list(lines)
        at = 1 + self.rng.below(max(1, len(lines) - 1))
        if at < len(lines):
            lines[at] = self.line()
        lines.insert(1 + self.rng.below(len(lines)), self.line())
        return lines


def wrap(words: list[str], width: int = 72) -> list[str]:
    out, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        out.append(cur)
    return out


def hexid(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def trailer(rng: Rand, key: str, n: int) -> str:
    """One `Key: value` line; `n` varies the values that are numbers or ids."""
    if key.endswith("-by") or key == "Cc":
        return f"{key}: {rng.pick(PEOPLE)}"
    if key == "Refs":
        return f"Refs: #{1 + rng.below(40_000)}"
    if key == "Fixes":
        return f'Fixes: {hexid("fixes", n)[:12]} ("an earlier change")'
    if key == "Link":
        return f"Link: https://example.com/issues/{1 + rng.below(40_000)}"
    return f"Change-Id: I{hexid('change', n)}"


class Stream:
    def __init__(self, out) -> None:
        self.out = out
        self.mark = 0

    def raw(self, b: bytes) -> None:
        self.out.write(b)

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(self, msg: str, author: str = PEOPLE[0]) -> None:
        """Starts a commit on main; file commands follow, then `end()`."""
        self.mark += 1
        when = b"%d +0000" % (EPOCH + self.mark * STEP_SECONDS)
        self.raw(b"commit refs/heads/main\nmark :%d\n" % self.mark)
        self.raw(b"author %s %s\n" % (author.encode(), when))
        self.raw(b"committer %s %s\n" % (PEOPLE[0].encode(), when))
        self.data(msg.encode())

    def put(self, path: str, lines: list[str]) -> None:
        self.raw(b"M 100644 inline %s\n" % path.encode())
        self.data(("\n".join(lines) + "\n").encode())

    def delete(self, path: str) -> None:
        self.raw(b"D %s\n" % path.encode())

    def end(self) -> None:
        self.raw(b"\n")

    def tag_base(self) -> None:
        """Marks the commit just written as `bench/base`."""
        self.raw(b"reset refs/tags/bench/base\nfrom :%d\n\n" % self.mark)


def make_dirs(rng: Rand, text: Text, count: int, max_depth: int = 6) -> list[str]:
    """`count` distinct nested folders under the usual top-level areas."""
    dirs = list(TOP_DIRS)
    seen = set(dirs)
    while len(dirs) < count:
        parent = dirs[rng.below(len(dirs))]
        if parent.count("/") + 1 >= max_depth:
            continue
        d = f"{parent}/{text.word()}"
        if d not in seen:
            seen.add(d)
            dirs.append(d)
    return dirs


class Files:
    """Paths with unique basenames (a serial in each) and their content."""

    def __init__(self, rng: Rand, text: Text) -> None:
        self.rng, self.text = rng, text
        self.serial = 0

    def name(self, ext: str | None = None) -> str:
        self.serial += 1
        return f"{self.text.word()}_{self.serial:06d}{ext or self.rng.pick(EXTENSIONS)}"

    def content(self, lo: int, hi: int) -> list[str]:
        return self.text.file(self.serial, self.rng.between(lo, hi))


def base_commit(out: Stream, msg: str, files: dict[str, list[str]]) -> None:
    out.commit(msg)
    for path, lines in files.items():
        out.put(path, lines)
    out.end()


def history_message(rng: Rand, text: Text, n: int, area: str) -> str:
    """About 1 KB: subject, two wrapped paragraphs and a block of 12 trailers."""
    subject = f"{area}: {rng.pick(VERBS)} {' '.join(text.words(rng.between(3, 6)))}"
    paras = ["\n".join(wrap(text.words(rng.between(28, 40)))) for _ in range(2)]
    trailers = "\n".join(trailer(rng, key, n) for key in TRAILER_KEYS)
    return "\n\n".join([subject, *paras, trailers]) + "\n"


def long_history(out: Stream, name: str, commits: int) -> None:
    """`commits` commits on top of a 400-file tree, each editing one file."""
    rng = Rand(name)
    text = Text(rng)
    files = Files(rng, text)
    dirs = make_dirs(rng, text, 40, max_depth=3)
    tree = {f"{rng.pick(dirs)}/{files.name()}": files.content(300, 1500) for _ in range(400)}
    paths = list(tree)
    base_commit(out, "Initial import\n", tree)
    out.tag_base()
    for n in range(commits):
        path = rng.pick(paths)
        tree[path] = text.edit(tree[path])
        # Edits keep inserting lines; trim from the end so files stay small.
        if len(tree[path]) > 40:
            del tree[path][30:]
        out.commit(history_message(rng, text, n, path.split("/")[1]), rng.pick(PEOPLE))
        out.put(path, tree[path])
        out.end()


def shape_commits_50k(out: Stream) -> None:
    """50,000 commits of about 1 KB of message with 12 trailers each."""
    long_history(out, "commits-50k", 50_000)


def shape_commits_5k(out: Stream) -> None:
    """5,000 commits of about 1 KB of message with 12 trailers each."""
    long_history(out, "commits-5k", 5_000)


def short_message(rng: Rand, text: Text, area: str) -> str:
    subject = f"{area}: {rng.pick(VERBS)} {' '.join(text.words(rng.between(3, 6)))}"
    body = "\n".join(wrap(text.words(rng.between(20, 40))))
    return f"{subject}\n\n{body}\n\nSigned-off-by: {PEOPLE[0]}\n"


def shape_tree_200k(out: Stream) -> None:
    """A 200,000-file tree; the change touches 2,000 files in 20 commits."""
    rng = Rand("tree-200k")
    text = Text(rng)
    files = Files(rng, text)
    dirs = make_dirs(rng, text, 8_000)
    tree = {f"{rng.pick(dirs)}/{files.name()}": files.content(300, 1300) for _ in range(200_000)}
    base_commit(out, "Initial import\n", tree)
    out.tag_base()
    paths = list(tree)
    rng.shuffle(paths)
    # 1,900 edits, 40 deletions, 60 additions: a large refactoring pull request.
    ops = [("M", p) for p in paths[:1900]] + [("D", p) for p in paths[1900:1940]]
    ops += [("A", f"{rng.pick(dirs)}/{files.name()}") for _ in range(60)]
    rng.shuffle(ops)
    for c in range(20):
        chunk = ops[c * 100 : (c + 1) * 100]
        out.commit(short_message(rng, text, chunk[0][1].split("/")[1]), rng.pick(PEOPLE))
        for op, path in chunk:
            if op == "D":
                out.delete(path)
            elif op == "M":
                out.put(path, text.edit(tree[path]))
            else:
                out.put(path, files.content(300, 1300))
        out.end()


def shape_deep_chains(out: Stream) -> None:
    """2,000 files, each alone at the end of its own chain of 60 folders; the
    change edits all of them (in 10 commits of 200)."""
    rng = Rand("deep-chains")
    text = Text(rng)
    files = Files(rng, text)
    tree = {}
    for chain in range(2000):
        # The first folder is unique to the chain, so no two chains share a tree.
        folders = [f"{text.word()}-{chain:04d}"] + [text.word() for _ in range(59)]
        tree["/".join(folders) + "/" + files.name()] = files.content(300, 1500)
    base_commit(out, "Initial import\n", tree)
    out.tag_base()
    paths = list(tree)
    rng.shuffle(paths)
    for c in range(10):
        out.commit(short_message(rng, text, "chains"), rng.pick(PEOPLE))
        for path in paths[c * 200 : (c + 1) * 200]:
            out.put(path, text.edit(tree[path]))
        out.end()


def shape_renames_1k(out: Stream) -> None:
    """1,000 near-identical files deleted and 1,000 added, each added one a
    deleted one with one more line edited, under a new folder and basename.

    The files come from one template (generated fixtures, say) and differ in a
    few lines, so every deleted/added pair scores far above git's 50%
    threshold. With no exact copy and no shared basename, git's first two
    passes find nothing, so `-M` scores the whole 1,000 x 1,000 matrix
    (exactly at the default diff.renameLimit of 1,000) and pairs each file
    with its closest match."""
    rng = Rand("renames-1k")
    text = Text(rng)
    files = Files(rng, text)
    dirs = make_dirs(rng, text, 120, max_depth=4)
    template = rng.picks(text.pool, 60)
    tree = {}
    for _ in range(1000):
        path = f"{rng.pick(dirs)}/{files.name('.rs')}"
        lines = list(template)
        # What makes each file its own: a header and a few values in the body.
        for at in (0, 15, 30, 45):
            lines.insert(at, f"    value {text.word()} {files.serial:06d} {text.word()}")
        tree[path] = lines
    # Unrelated files beside them, which the change leaves alone.
    for _ in range(1000):
        tree[f"{rng.pick(dirs)}/{files.name()}"] = files.content(300, 1500)
    base_commit(out, "Initial import\n", tree)
    out.tag_base()
    new_dirs = [f"{d}/{text.word()}" for d in make_dirs(rng, text, 60, max_depth=3)]
    out.commit(short_message(rng, text, "fixtures"), PEOPLE[1])
    for old in list(tree)[:1000]:
        out.delete(old)
        out.put(f"{rng.pick(new_dirs)}/{files.name('.rs')}", text.edit(tree[old]))
    out.end()


def shape_pr_20k(out: Stream) -> None:
    """A 30,000-file tree; the change touches 20,000 files in 50 commits: 2,000
    renames (whole folders moved, half the files also edited, basenames kept),
    17,400 edits, 350 additions and 250 deletions."""
    rng = Rand("pr-20k")
    text = Text(rng)
    files = Files(rng, text)
    dirs = make_dirs(rng, text, 1200)
    tree = {f"{rng.pick(dirs)}/{files.name()}": files.content(300, 1500) for _ in range(30_000)}
    base_commit(out, "Initial import\n", tree)
    out.tag_base()
    by_dir: dict[str, list[str]] = {}
    for path in tree:
        by_dir.setdefault(path.rsplit("/", 1)[0], []).append(path)
    folders = list(by_dir)
    rng.shuffle(folders)
    ops: list[tuple] = []
    for folder in folders:
        target = f"{rng.pick(dirs)}/{text.word()}"
        for path in by_dir[folder]:
            if len(ops) < 2000:
                ops.append(("R", path, f"{target}/{path.rsplit('/', 1)[1]}", rng.random() < 0.5))
    renamed = {op[1] for op in ops}
    rest = [p for p in tree if p not in renamed]
    rng.shuffle(rest)
    ops += [("M", p) for p in rest[:17_400]] + [("D", p) for p in rest[17_400:17_650]]
    ops += [("A", f"{rng.pick(dirs)}/{files.name()}") for _ in range(350)]
    rng.shuffle(ops)
    for c in range(50):
        chunk = ops[c * 400 : (c + 1) * 400]
        out.commit(short_message(rng, text, chunk[0][1].split("/")[1]), rng.pick(PEOPLE))
        for op in chunk:
            if op[0] == "R":
                out.delete(op[1])
                out.put(op[2], text.edit(tree[op[1]]) if op[3] else tree[op[1]])
            elif op[0] == "M":
                out.put(op[1], text.edit(tree[op[1]]))
            elif op[0] == "D":
                out.delete(op[1])
            else:
                out.put(op[1], files.content(300, 1500))
        out.end()


def small_base(out: Stream, rng: Rand, text: Text) -> tuple[dict, Files]:
    files = Files(rng, text)
    dirs = make_dirs(rng, text, 30, max_depth=3)
    tree = {f"{rng.pick(dirs)}/{files.name()}": files.content(300, 1500) for _ in range(200)}
    base_commit(out, "Initial import\n", tree)
    out.tag_base()
    return tree, files


def shape_message_5mib(out: Stream) -> None:
    """One commit whose message is 5 MiB of wrapped prose (a pasted log or
    generated changelog), on a 200-file tree."""
    rng = Rand("message-5mib")
    text = Text(rng)
    tree, _ = small_base(out, rng, text)
    limit = 5 * 1024 * 1024
    parts = ["docs: paste the whole migration log", ""]
    size = sum(len(p) + 1 for p in parts)
    while size < limit:
        para = "\n".join(wrap(text.words(rng.between(40, 160)))) + "\n"
        parts.append(para)
        size += len(para) + 1
    # Exactly 5 MiB (the text is ASCII), ending in one newline like every
    # message git writes.
    msg = "\n".join(parts)[: limit - 1]
    if msg.endswith("\n"):
        msg = msg[:-1] + "."
    msg += "\n"
    path = next(iter(tree))
    out.commit(msg, PEOPLE[2])
    out.put(path, text.edit(tree[path]))
    out.end()


def shape_trailers_20k(out: Stream) -> None:
    """One commit whose message ends in a block of 20,000 trailers."""
    rng = Rand("trailers-20k")
    text = Text(rng)
    tree, _ = small_base(out, rng, text)
    subject = "release: collect every sign-off of the quarter"
    body = "\n".join(wrap(text.words(40)))
    block = "\n".join(trailer(rng, TRAILER_KEYS[n % 12], n) for n in range(20_000))
    path = next(iter(tree))
    out.commit(f"{subject}\n\n{body}\n\n{block}\n", PEOPLE[3])
    out.put(path, text.edit(tree[path]))
    out.end()


SHAPES = {
    "commits-50k": shape_commits_50k,
    "commits-5k": shape_commits_5k,
    "tree-200k": shape_tree_200k,
    "deep-chains": shape_deep_chains,
    "renames-1k": shape_renames_1k,
    "pr-20k": shape_pr_20k,
    "message-5mib": shape_message_5mib,
    "trailers-20k": shape_trailers_20k,
}


def main() -> None:
    if sys.argv[1:] == ["--list"]:
        print("\n".join(SHAPES))
        return
    if len(sys.argv) != 2 or sys.argv[1] not in SHAPES:
        sys.exit(f"usage: gen_shapes.py SHAPE | git fast-import, SHAPE one of: {', '.join(SHAPES)}")
    out = Stream(sys.stdout.buffer)
    # `done` at the end makes fast-import reject a truncated stream instead of
    # silently importing a partial history if the generator dies midway.
    out.raw(b"feature done\n")
    SHAPES[sys.argv[1]](out)
    out.raw(b"done\n")
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
