#!/usr/bin/env bash
# What the handbook's checks (SPEC §16) cost: `shipgate check` with every check off,
# then with the built-in checks (all of them on), set against `git diff -U0` of the
# same three-dot range, which reads the same lines. See bench/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/checks.sh [--binary PATH] [--runs N] [--keep DIR]

  --binary PATH  shipgate binary to time (default: release/shipgate in
                 $CARGO_TARGET_DIR or target/, built with `cargo build
                 --release --locked` if missing)
  --runs N       timed runs per range, after one warm-up (default: 10)
  --keep DIR     build the benchmark repository in DIR and keep it; if DIR
                 already holds one built by this gen_repo.py, reuse it (the
                 same repository as bench/run.sh --keep)
EOF
}

die() {
  echo "bench/checks.sh: $*" >&2
  exit 2
}

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench_dir")

binary=""
runs=10
keep=""
while (($#)); do
  case $1 in
    --binary | --runs | --keep) (($# >= 2)) || die "$1 needs a value" ;;&
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
command -v git >/dev/null || die "git not found"
command -v python3 >/dev/null || die "python3 not found"

if [[ -z $binary ]]; then
  target_dir=${CARGO_TARGET_DIR:-target}
  [[ $target_dir == /* ]] || target_dir=$root/$target_dir
  binary=$target_dir/release/shipgate
  if [[ ! -x $binary ]]; then
    echo "building $binary ..." >&2
    (cd "$root" && cargo build --release --locked)
  fi
fi
[[ -x $binary && ! -d $binary ]] || die "not an executable file: $binary"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

work=$(mktemp -d "${TMPDIR:-/tmp}/shipgate-bench-checks.XXXXXX")
trap 'rm -rf "$work"' EXIT

# No machine or user git config, no inherited GIT_* variables: both sides read alike
# (a user's diff.algorithm would change git's work, not shipgate's).
while read -r var; do
  unset "$var"
done < <(compgen -e | grep '^GIT_' || true)
mkdir -p "$work/home"
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config GIT_CONFIG_NOSYSTEM=1
export LC_ALL=C TZ=UTC

# The repository of bench/run.sh, built by the same generator and stamped the same way.
stamp=$(git hash-object "$bench_dir/gen_repo.py")
build_repo() {
  local dir=$1 start=$SECONDS
  echo "generating benchmark repository in $dir ..." >&2
  git init -q -b main "$dir"
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

# Both runs take their policy from a file, so that reading it costs them the same; they
# differ in the checks alone. An empty policy is the built-in one, every check on.
off=$work/checks-off.yml
on=$work/checks-on.yml
{
  echo "checks:"
  for id in size issue-link leftovers tests flag-refs review; do
    echo "  $id: {level: off}"
  done
} >"$off"
echo "version: 1" >"$on"

timeit=("python3" "$bench_dir/timeit.py")
rows=$work/rows
: >"$rows"

measure() {
  local label=$1 base=$2
  local commits files lines rss_kib
  commits=$(git -C "$repo" rev-list --count "$base..main")
  files=$(git -C "$repo" diff --name-only "$base...main" | wc -l)
  lines=$(git -C "$repo" diff --numstat "$base...main" | awk '{ n += $1 + $2 } END { print n + 0 }')
  local check=("$binary" check --repo "$repo" --base "$base" --head main --format json)
  echo "timing $base..main ($commits commits, $files files, $lines lines, $runs runs) ..." >&2
  "${timeit[@]}" time --runs "$runs" --warmup 1 -- \
    --case off "${check[@]}" --config "$off" \
    --case on "${check[@]}" --config "$on" \
    --case diff git -C "$repo" diff -U0 --no-color "$base...main" >"$work/times"
  # Medians, then minima: on a shared machine the minima show the work without the
  # waiting, and both are given.
  local stats=()
  for case in off on diff; do
    stats+=("$(awk -v c="$case" '$1 == c { print $2 " " $3 }' "$work/times")")
  done
  rss_kib=$("${timeit[@]}" rss -- "${check[@]}" --config "$on")
  awk '{ printf "  %-5s median %9s ms  min %9s  max %9s\n", $1, $2, $3, $4 }' "$work/times" >&2
  echo "$label $commits $files $lines ${stats[*]} $rss_kib" >>"$rows"
}

measure bench/small-base..main bench/small-base
measure bench/base..main bench/base

echo
echo "shipgate: $binary"
echo "repo:     $repo (main at $(git -C "$repo" rev-parse main)), $(git --version)"
echo "timing:   median wall time of $runs runs after 1 warm-up, the three commands alternating"
echo "added:    checks on minus checks off; target: at most git diff -U0 of the same range,"
echo "          by medians and by minima"
echo
awk '
  function row(range, commits, files, lines, off, on, added, diff, ratio, verdict, mins, mverdict, rss,   line) {
    line = sprintf("%-24s %7s %6s %7s %8s %8s %9s %8s %6s %-6s %11s %-6s %8s",
      range, commits, files, lines, off, on, added, diff, ratio, verdict, mins, mverdict, rss)
    sub(/ +$/, "", line)
    print line
  }
  function ms(x) { return sprintf("%.1f", x) }
  BEGIN {
    row("range", "commits", "files", "lines", "off ms", "on ms", "added ms", "diff ms",
      "ratio", "result", "min ratio", "result", "RSS MiB")
  }
  {
    # $5 $6: off median, min; $7 $8: on; $9 $10: git diff -U0; $11: RSS KiB.
    added = $7 - $5; ratio = $9 > 0 ? added / $9 : 0
    added_min = $8 - $6; ratio_min = $10 > 0 ? added_min / $10 : 0
    row($1, $2, $3, $4, ms($5), ms($7), ms(added), ms($9), sprintf("%.2fx", ratio),
      ratio <= 1.0 ? "PASS" : "MISS", sprintf("%.2fx", ratio_min),
      ratio_min <= 1.0 ? "PASS" : "MISS", ms($11 / 1024))
  }
' "$rows"
