#!/usr/bin/env bash
# Benchmark octolint (release build) on the shared corpus and on a generated ~20k-file repo.
# Prints wall-time medians (hyperfine, or repeated runs when it is absent) next to `cat` of
# the same files measured in the same run (the ratio is what to compare across machines),
# the median time of each pipeline stage (OCTOLINT_TIMINGS, one thread, so stages do not
# overlap), and peak RSS from /usr/bin/time -v.
#
#   scripts/bench.sh [SHARED_DIR]     (default: ../shared beside the repository)
#
# Needs: cargo, python3 (to generate the large repo); optional: hyperfine, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
runs="${RUNS:-10}"
if [ ! -d "$shared/corpus" ]; then
  echo "bench: $shared/corpus not found (pass the shared directory as the first argument)" >&2
  exit 2
fi
cargo build --release --locked -q
bin="$PWD/target/release/octolint"
work="${TMPDIR:-/tmp}/octolint-bench"
mkdir -p "$work"
if [ ! -d "$work/large" ]; then
  echo "generating the large repository in $work/large ..."
  python3 "$shared/bench/gen-corpus.py" "$work/large" --size large >/dev/null
fi

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

time_runs() { # label, command...
  local label="$1"; shift
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | median | awk -v l="$label" '{printf "%-40s median %.3f s over %d runs\n", l, $1, '"$runs"'}'
}

peak_rss() { # command...
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); printf "%.1f MB\n", $2/1024}'
  else
    echo "n/a (/usr/bin/time missing)"
  fi
}

cat_all() { find "$1" -type f -not -path '*/.git/*' -print0 | xargs -0 cat >/dev/null; }
export -f cat_all

for target in "$shared/corpus" "$shared/corpus/terraform-google-modules__terraform-google-kubernetes-engine" "$work/large"; do
  files=$(find "$target" -type f | wc -l)
  mb=$(du -sm "$target" | cut -f1)
  echo "== $target ($files files, ${mb} MB)"
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 2 --runs "$runs" -i --export-json "$work/h.json" \
      "$bin check $target --format json --fail-on never -o /dev/null" \
      "$bin check $target --format json --fail-on never -o /dev/null -j 1" \
      "bash -c 'cat_all $target'" >/dev/null 2>&1
    python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
cat = r[2]["median"]
for name, x in zip(["octolint check (2 threads)", "octolint check -j 1", "cat of the same files"], r):
    print(f"{name:<28} median {x['median']*1000:8.1f} ms  (min {x['min']*1000:.1f}, max {x['max']*1000:.1f}, user {x['user']*1000:.0f} ms, sys {x['system']*1000:.0f} ms)  = {x['median']/cat:.2f} x cat")
PY
  else
    time_runs "octolint check" "$bin" check "$target" --format json --fail-on never -o /dev/null
    time_runs "cat of the same files" bash -c "cat_all $target"
  fi
  echo "stages (-j 1, median of $runs runs):"
  for _ in $(seq "$runs"); do
    OCTOLINT_TIMINGS=1 "$bin" check "$target" --format json --fail-on never -o /dev/null -j 1 2>&1 >/dev/null || true
  done | python3 -c '
import re, sys, statistics
t, rss = {}, {}
for line in sys.stdin:
    m = re.match(r"^octolint: (\S.*?)\s+([0-9.]+) ms(?:\s+\(peak RSS (\d+) MB\))?$", line.rstrip())
    if m:
        t.setdefault(m.group(1), []).append(float(m.group(2)))
        if m.group(3):
            rss.setdefault(m.group(1), []).append(int(m.group(3)))
for name, v in t.items():
    peak = f"   peak RSS so far {statistics.median(rss[name]):.0f} MB" if name in rss else ""
    print(f"  {name:<24} {statistics.median(v):8.1f} ms{peak}")
'
  echo "peak RSS (-j default): $(peak_rss "$bin" check "$target" --format json --fail-on never -o /dev/null)"
  echo "peak RSS (-j 1):       $(peak_rss "$bin" check "$target" --format json --fail-on never -o /dev/null -j 1)"
done
