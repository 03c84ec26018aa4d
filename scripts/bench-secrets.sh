#!/usr/bin/env bash
# Benchmark the secret scanner (release build).
#  1. Throughput: builds >= 200 MB of mixed text (copies of every file of ../shared/corpus
#     renamed to .txt so every byte is scanned as plain text) and times
#     `octolint check --select SEC` over it next to `cat` of the same files.
#  2. Overhead: `octolint check` of ../shared/corpus with and without the SEC rules.
#
#   scripts/bench-secrets.sh [SHARED_DIR]   (RUNS=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
runs="${RUNS:-5}"
if [ ! -d "$shared/corpus" ]; then
  echo "bench: $shared/corpus not found (pass the shared directory as the first argument)" >&2
  exit 2
fi
cargo build --release --locked -q
bin="$PWD/target/release/octolint"
work="${TMPDIR:-/tmp}/octolint-bench/secrets-text"
if [ ! -d "$work" ]; then
  echo "building the mixed-text set in $work ..."
  i=0
  mb() { find "$work" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print int(s / 1e6)}'; }
  while [ "$(mb)" -lt 210 ]; do
    i=$((i + 1))
    mkdir -p "$work/$i"
    (cd "$shared/corpus" && find . -type f -print0) |
      while IFS= read -r -d '' f; do
        mkdir -p "$work/$i/$(dirname "$f")"
        cp "$shared/corpus/$f" "$work/$i/$f.txt"
      done
  done
fi
bytes=$(find "$work" -type f -print0 | xargs -0 cat | wc -c)
files=$(find "$work" -type f | wc -l)
echo "mixed text: $files files, $((bytes / 1000000)) MB"

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
time_med() { # command... -> median wall seconds
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | median
}
cat_all() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }

t_sec=$(time_med "$bin" check "$work" --no-config --select SEC --format json)
t_none=$(time_med "$bin" check "$work" --no-config --ignore SEC --format json)
t_cat=$(time_med cat_all "$work")
awk -v b="$bytes" -v s="$t_sec" -v n="$t_none" -v c="$t_cat" 'BEGIN {
  printf "secrets only      %.3f s  %.0f MB/s\n", s, b / s / 1e6;
  printf "walk+read, no SEC %.3f s  (secret pass alone ~%.0f MB/s)\n", n, b / (s - n) / 1e6;
  printf "cat               %.3f s  (octolint/cat %.2fx)\n", c, s / c }'

corpus="$shared/corpus"
t_with=$(time_med "$bin" check "$corpus" --no-config --format json)
t_without=$(time_med "$bin" check "$corpus" --no-config --ignore SEC --format json)
t_ccat=$(time_med cat_all "$corpus")
awk -v w="$t_with" -v o="$t_without" -v c="$t_ccat" 'BEGIN {
  printf "corpus, all rules %.3f s; without SEC %.3f s; secret pass +%.1f%%; cat %.3f s\n", w, o, (w / o - 1) * 100, c }'
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$bin" check "$corpus" --no-config --format json 2>&1 >/dev/null |
    awk '/Maximum resident/ {printf "corpus peak RSS %.0f MB\n", $6 / 1024} /User time/ {u=$4} /System time/ {printf "corpus CPU %.2f s\n", u + $4}'
fi
if command -v gitleaks >/dev/null; then
  t_gl=$(time_med gitleaks dir "$corpus" --no-banner --exit-code 0 --report-path /dev/null)
  awk -v g="$t_gl" -v w="$t_with" 'BEGIN { printf "gitleaks dir corpus %.3f s (%.0fx octolint)\n", g, g / w }'
fi
