#!/usr/bin/env bash
# Benchmark Rego policy evaluation (release build): the 10-rule policy set in bench/policy
# over the generated ~20k-file repository (../shared/bench/gen-corpus.py), policies only.
# Prints policy load time and evaluation throughput (stage timings, medians of RUNS runs),
# and the end-to-end wall time with and without the policies, measured in the same run.
#
#   scripts/bench-policies.sh [SHARED_DIR]   (RUNS=7 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
runs="${RUNS:-7}"
cargo build --release --locked -q
bin="$PWD/target/release/octolint"
work="${TMPDIR:-/tmp}/octolint-bench"
mkdir -p "$work"
if [ ! -d "$work/large" ]; then
  echo "generating the large repository in $work/large ..."
  python3 "$shared/bench/gen-corpus.py" "$work/large" --size large >/dev/null
fi
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
loads=(); evals=(); inputs=0
for _ in $(seq "$runs"); do
  out=$(OCTOLINT_TIMINGS=1 "$bin" check "$work/large" --no-builtin -p bench/policy --format json 2>&1 >/dev/null || true)
  loads+=("$(echo "$out" | awk '/policy load/ {print $(NF-1)}')")
  evals+=("$(echo "$out" | awk '/policies / {print $(NF-1)}')")
  inputs=$(echo "$out" | awk '/policy inputs/ {print $NF}')
done
load=$(printf '%s\n' "${loads[@]}" | median)
eval_ms=$(printf '%s\n' "${evals[@]}" | median)
awk -v l="$load" -v e="$eval_ms" -v n="$inputs" 'BEGIN {
  printf "policy load %.1f ms; %d inputs evaluated in %.0f ms = %.0f inputs/s\n", l, n, e, n / (e / 1000) }'
if command -v hyperfine >/dev/null; then
  hyperfine -N -i -w 1 -r "$runs" \
    "$bin check $work/large --no-builtin --format json" \
    "$bin check $work/large --no-builtin -p bench/policy --format json" 2>&1 | grep -E "Benchmark|Time"
fi
