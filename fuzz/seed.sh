#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the committed seeds (fuzz/seeds/) and from what the
# repository already holds: the built-in policy, the YAML of the docs, the event payloads
# of the tests, the manifests of this repository and its own commit messages. The corpus
# is ignored by git; libFuzzer adds what it finds to it.
set -euo pipefail
cd "$(dirname "$0")"
root=..
corpus=corpus

for target in policy registry trailers event manifest pre_push; do
    mkdir -p "$corpus/$target"
    if [ -d "seeds/$target" ]; then
        cp seeds/"$target"/* "$corpus/$target/"
    fi
done

# Policies and registries: the built-in policy, and every YAML block of the docs.
cp "$root/src/judge/policy/builtin.yml" "$corpus/policy/builtin.yml"
n=0
for doc in "$root"/README.md "$root"/docs/*.md; do
    awk -v out="$corpus/policy/doc-" -v start="$n" '
        /^```yaml/ { inside = 1; file = out start + count++; next }
        /^```/ && inside { inside = 0; close(file); next }
        inside { print > file }
    ' "$doc"
    n=$((n + 100))
done
for f in "$corpus"/policy/doc-*; do
    if grep -q '^flags:' "$f"; then cp "$f" "$corpus/registry/"; fi
done

# Events: the first byte picks the event name, in the order of fuzz_targets/event.rs;
# the tests' placeholders become commit ids, so the seeds reach past the id checks.
pick() {
    case "$1" in
        pull_request_target*) printf '\001' ;;
        pull_request*) printf '\000' ;;
        merge_group*) printf '\002' ;;
        push*) printf '\003' ;;
        release*) printf '\004' ;;
        workflow_dispatch*) printf '\005' ;;
        *) printf '\006' ;;
    esac
}
for f in "$root"/tests/fixtures/events/*.json; do
    name=$(basename "$f" .json)
    {
        pick "$name"
        sed -e 's/__HEAD__/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/g' \
            -e 's/__BASE__/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/g' \
            -e 's/__TAG__/v1.2.0/g' "$f"
    } > "$corpus/event/$name"
done

# Manifests: the first byte picks the kind (Cargo.toml, package.json, pyproject.toml,
# VERSION).
{ printf '\000'; cat "$root/Cargo.toml"; } > "$corpus/manifest/Cargo.toml"
{ printf '\000'; printf '[package]\nname = "m"\nversion.workspace = true\n[workspace.package]\nversion = "1.2.0-rc.1"\n'; } > "$corpus/manifest/Cargo-workspace.toml"
{ printf '\001'; printf '{"name": "web", "version": "v2.1.0-beta.3", "private": true}\n'; } > "$corpus/manifest/package.json"
{ printf '\002'; printf '[project]\nname = "p"\ndynamic = ["version"]\n[tool.poetry]\nversion = "1.2.0.post1"\n'; } > "$corpus/manifest/pyproject.toml"
{ printf '\003'; printf '\357\273\277\n  1.2rc1  \n2.0.0\n'; } > "$corpus/manifest/VERSION"

# Commit messages: this repository's own, when it is a git checkout.
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
    git -C "$root" log -n 200 --format='%H' | while read -r id; do
        git -C "$root" log -n 1 --format='%B' "$id" > "$corpus/trailers/commit-${id:0:12}"
    done
fi

for target in policy registry trailers event manifest pre_push; do
    echo "$target: $(ls "$corpus/$target" | wc -l) seeds"
done
