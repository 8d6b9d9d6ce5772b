#!/usr/bin/env bash
# Benchmark `shipgate check` (and, with --pre-push, `shipgate pre-push`) against
# the plain git commands that read the same data (the "git floor"). See
# bench/README.md for what the numbers mean.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [--binary PATH] [--runs N] [--keep DIR] [--pre-push]

  --binary PATH  shipgate binary to time (default: release/shipgate in
                 $CARGO_TARGET_DIR or target/, built with `cargo build
                 --release` if missing)
  --runs N       timed runs per range, after one warm-up (default: 10)
  --keep DIR     build the benchmark repository in DIR and keep it; if DIR
                 already holds one built by this gen_repo.py, reuse it
  --pre-push     also time `shipgate pre-push` on the 5-commit range, and
                 compare it and `check` with the pre-push floor
                 (git rev-list + git diff --name-only)
EOF
}

die() {
  echo "bench/run.sh: $*" >&2
  exit 2
}

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench_dir")

binary=""
runs=10
keep=""
pre_push=0
while (($#)); do
  case $1 in
    --binary | --runs | --keep) (($# >= 2)) || die "$1 needs a value" ;;&
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --pre-push) pre_push=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
command -v git >/dev/null || die "git not found"
command -v python3 >/dev/null || die "python3 not found"

# The build happens before the environment is isolated below, because cargo
# and rustup live under the real $HOME.
if [[ -z $binary ]]; then
  # Where cargo puts it: CARGO_TARGET_DIR, relative to where cargo runs ($root).
  target_dir=${CARGO_TARGET_DIR:-target}
  [[ $target_dir == /* ]] || target_dir=$root/$target_dir
  binary=$target_dir/release/shipgate
  if [[ ! -x $binary ]]; then
    echo "building $binary ..." >&2
    (cd "$root" && cargo build --release)
  fi
fi
[[ -x $binary && ! -d $binary ]] || die "not an executable file: $binary"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

work=$(mktemp -d "${TMPDIR:-/tmp}/shipgate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Make git (and libgit2 inside shipgate) see no machine or user config, and
# drop inherited GIT_* variables (GIT_DIR from a hook, GIT_TRACE, ...) that
# would change what is read or add work to one side only.
while read -r var; do
  unset "$var"
done < <(compgen -e | grep '^GIT_' || true)
mkdir -p "$work/home"
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config GIT_CONFIG_NOSYSTEM=1
export LC_ALL=C TZ=UTC

# Identifies the generator that built a repository, so --keep never reuses a
# repository whose history no longer matches the script.
stamp=$(git hash-object "$bench_dir/gen_repo.py")

build_repo() {
  local dir=$1 start=$SECONDS
  echo "generating benchmark repository in $dir ..." >&2
  git init -q -b main "$dir"
  # No automatic gc: a repack between samples would land on one side only.
  git -C "$dir" config gc.auto 0
  python3 "$bench_dir/gen_repo.py" | git -C "$dir" fast-import --quiet
  git -C "$dir" reset -q --hard
  echo "$stamp" >"$dir/.git/shipgate-bench-stamp"
  echo "generated in $((SECONDS - start)) s" >&2
}

if [[ -n $keep ]]; then
  mkdir -p "$keep"
  repo=$(cd "$keep" && pwd)
  if [[ -f $repo/.git/shipgate-bench-stamp ]]; then
    [[ $(<"$repo/.git/shipgate-bench-stamp") == "$stamp" ]] ||
      die "$repo was built by a different gen_repo.py; delete it or pick another --keep DIR"
    echo "reusing benchmark repository $repo" >&2
  elif [[ -n $(ls -A "$repo") ]]; then
    die "$repo is not empty and is not a benchmark repository"
  else
    build_repo "$repo"
  fi
else
  repo=$work/repo
  build_repo "$repo"
fi

timeit=("python3" "$bench_dir/timeit.py")
tip=$(git -C "$repo" rev-parse main)
rows=$work/rows
: >"$rows"

# Times one range and appends "label command floor commits shipgate_ms floor_ms
# target rss_kib" rows for the table. With pre-push, `check` is also set against
# the pre-push floor (same samples), and `shipgate pre-push` is timed as well.
measure() {
  local label=$1 base=$2 target=$3 with_pre_push=$4
  local commits sg_ms floor_ms pp_ms hook_ms rss_kib hook_rss_kib
  commits=$(git -C "$repo" rev-list --count "$base..main")
  local shipgate=("$binary" check --repo "$repo" --base "$base" --head main
    --label release:full --format json)
  # Exit 1 is shipgate blocking the release, expected here (a full release
  # without its docs): a normal outcome, not a failure.
  local cases=(--case shipgate --ok "0,1" "${shipgate[@]}"
    --case floor git -C "$repo" diff --name-status -M "$base...main"
    --then git -C "$repo" log --format=%H%n%B "$base..main")
  # The hook as git runs it for `git push origin main` when the remote's main is
  # at $base: an updated branch, judged over $base..main. The refs come in the
  # variables the pre-commit framework sets (`--from-env`), because timeit.py
  # gives every command an empty stdin; from there on it is the same code path
  # as git's stdin line `refs/heads/main <tip> refs/heads/main <base>`.
  local hook=("$binary" pre-push --from-env --repo "$repo")
  local hook_env=(
    PRE_COMMIT_FROM_REF="$(git -C "$repo" rev-parse "$base^{commit}")"
    PRE_COMMIT_TO_REF="$tip"
    PRE_COMMIT_LOCAL_BRANCH=refs/heads/main
    PRE_COMMIT_REMOTE_BRANCH=refs/heads/main
    PRE_COMMIT_REMOTE_NAME=origin
    PRE_COMMIT_REMOTE_URL=https://example.com/bench.git
  )
  if ((with_pre_push)); then
    cases+=(--case pre-push git -C "$repo" rev-list "$base..main"
      --then git -C "$repo" diff --name-only "$base" main
      --case hook --ok "0,1" "${hook[@]}")
  fi
  echo "timing $base..main ($commits commits, $runs runs) ..." >&2
  # git ignores the PRE_COMMIT_* variables, so every case may see them.
  env "${hook_env[@]}" "${timeit[@]}" time --runs "$runs" --warmup 1 -- "${cases[@]}" >"$work/times"
  sg_ms=$(awk '$1 == "shipgate" { print $2 }' "$work/times")
  floor_ms=$(awk '$1 == "floor" { print $2 }' "$work/times")
  rss_kib=$("${timeit[@]}" rss --ok "0,1" -- "${shipgate[@]}")
  echo "$label check git $commits $sg_ms $floor_ms $target $rss_kib" >>"$rows"
  if ((with_pre_push)); then
    pp_ms=$(awk '$1 == "pre-push" { print $2 }' "$work/times")
    hook_ms=$(awk '$1 == "hook" { print $2 }' "$work/times")
    # The hook reports on stderr; keep it out of the progress lines unless it failed.
    if ! hook_rss_kib=$(env "${hook_env[@]}" "${timeit[@]}" rss --ok "0,1" -- "${hook[@]}" 2>"$work/hook.err"); then
      cat "$work/hook.err" >&2
      die "shipgate pre-push failed"
    fi
    echo "$label check pre-push $commits $sg_ms $pp_ms $target -" >>"$rows"
    echo "$label pre-push pre-push $commits $hook_ms $pp_ms $target $hook_rss_kib" >>"$rows"
  fi
  awk '{ printf "  %-9s median %9s ms  min %9s  max %9s\n", $1, $2, $3, $4 }' "$work/times" >&2
}

measure bench/base..main bench/base 1.0 0
measure bench/small-base..main bench/small-base 2.0 "$pre_push"
# What the RSS probe reads for a do-nothing command: see `timeit.py rss`.
rss_floor_kib=$("${timeit[@]}" rss -- true)

echo
echo "shipgate: $binary"
echo "repo:     $repo (main at $tip), $(git --version)"
echo "timing:   median wall time of $runs runs after 1 warm-up, shipgate and floor alternating"
echo "RSS:      peak of one run; the probe cannot read below $((rss_floor_kib / 1024)) MiB"
echo
awk -v rss_limit_mib=64 '
  function row(range, command, floor, commits, sg, fl, ratio, target, verdict, rss, rss_target, rss_verdict,   line) {
    line = sprintf("%-24s %-8s %-8s %7s %11s %9s %7s %7s %-6s %8s %6s %s",
      range, command, floor, commits, sg, fl, ratio, target, verdict, rss, rss_target, rss_verdict)
    sub(/ +$/, "", line)
    print line
  }
  BEGIN {
    row("range", "shipgate", "floor", "commits", "shipgate ms", "floor ms", "ratio", "target",
      "result", "RSS MiB", "target", "result")
  }
  {
    ratio = $6 > 0 ? $5 / $6 : 0
    rss = "-"; rss_target = ""; rss_verdict = ""
    if ($8 != "-") {
      mib = $8 / 1024
      rss = sprintf("%.1f", mib)
      rss_target = "<" rss_limit_mib
      rss_verdict = mib < rss_limit_mib ? "PASS" : "MISS"
    }
    row($1, $2, $3, $4, sprintf("%.1f", $5), sprintf("%.1f", $6), sprintf("%.2fx", ratio),
      "<=" sprintf("%.1f", $7) "x", ratio <= $7 ? "PASS" : "MISS", rss, rss_target, rss_verdict)
  }
' "$rows"
