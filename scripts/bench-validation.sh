#!/usr/bin/env bash
# What schema validation (VAL001-VAL007) costs `octolint check`, and how many objects per
# second the VAL001-VAL005 walk validates.
#
#   scripts/bench-validation.sh [CORPUS] [LARGE]
#     CORPUS: ../shared/corpus; LARGE: a generated repository (default
#     ${TMPDIR:-/tmp}/octolint-bench/large, made by ../shared/bench/gen-corpus.py --size large)
#
# 1. hyperfine medians of `cat` over every file of CORPUS, `octolint check` without the VAL
#    rules, and `octolint check` with them (all in one hyperfine run, so noise hits all three).
# 2. Objects per second: the "doc rules" stage time (OCTOLINT_TIMINGS) on LARGE with -j2, with
#    only VAL001-VAL005 selected minus with only K8S001 selected (the per-object dispatch both
#    pay), medians of RUNS runs, divided into the number of Kubernetes objects.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
large="${2:-${TMPDIR:-/tmp}/octolint-bench/large}"
runs="${RUNS:-10}"
bin="$PWD/target/release/octolint"
[ -x "$bin" ] || cargo build --release -q
val="VAL001,VAL002,VAL003,VAL004,VAL005,VAL006,VAL007"

hyperfine -N --warmup 2 --runs "$runs" --ignore-failure --export-json /tmp/bench-validation.json \
  -n cat "bash -c 'find $corpus -type f -print0 | xargs -0 cat > /dev/null'" \
  -n without-VAL "$bin check $corpus --fail-on never -j2 --ignore $val" \
  -n with-VAL "$bin check $corpus --fail-on never -j2" >/dev/null
python3 - /tmp/bench-validation.json <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for k, x in r.items():
    print(f"{k:12} median {x['median']*1000:8.1f} ms  (min {x['min']*1000:.1f}, max {x['max']*1000:.1f})")
a, b = r["without-VAL"]["median"], r["with-VAL"]["median"]
print(f"validation adds {100*(b-a)/a:+.1f}% to octolint check (medians)")
PY

if [ -d "$large" ]; then
  stage() { # rules -> median ms of the doc rules stage
    for _ in $(seq "$runs"); do
      OCTOLINT_TIMINGS=1 "$bin" check "$large" --fail-on never -j2 --select "$1" 2>&1 >/dev/null \
        | awk '/doc rules/ {print $(NF-1)}'
    done | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
  }
  objects=$("$bin" check "$large" --fail-on never -j2 --select K8S001 | sed -n 's/.* \([0-9]*\) Kubernetes objects.*/\1/p')
  base=$(stage K8S001)
  with=$(stage VAL001,VAL002,VAL003,VAL004,VAL005)
  python3 -c "
o, b, w = $objects, $base, $with
print(f'{o} objects: doc rules {w:.1f} ms with VAL001-VAL005, {b:.1f} ms with K8S001 only')
print(f'validation: {w-b:.1f} ms -> {o/((w-b)/1000):,.0f} objects/s on 2 threads')"
fi
