#!/usr/bin/env bash
# Helm conformance: render every chart of ../shared/corpus with `octolint render` and with Helm's own Go
# library (the helm-python-sdk oracle, offline), compare the objects as data, and print per chart
# identical / differs / octolint-failed (plus oracle-failed / deps-missing, left out of the denominator),
# a summary, and the render time of both engines.
#
# Fails (exit 1) when a chart listed in scripts/helm-conformance.expected is no longer identical, or when
# fewer than 95% of the charts Helm renders are identical. `--update` rewrites the expectation file from
# this run (commit it when a chart newly becomes identical).
#
# usage: scripts/helm-conformance.sh [--update] [--jobs N] [--json OUT] [CORPUS_DIR...]
# env:   HELM_ORACLE_VENV (default ~/.cache/octolint-helm-oracle), OCTOLINT (default target/release/octolint)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SHARED:-$ROOT/../shared}
EXPECTED=$ROOT/scripts/helm-conformance.expected
UPDATE=0
JOBS=1
JSON=""
DIRS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --update) UPDATE=1 ;;
    --jobs) JOBS=$2; shift ;;
    --json) JSON=$2; shift ;;
    *) DIRS+=("$1") ;;
  esac
  shift
done
[ ${#DIRS[@]} -gt 0 ] || DIRS=("$SHARED/corpus")
if [ ! -d "$SHARED/bench" ] || [ ! -d "${DIRS[0]}" ]; then
  echo "helm-conformance: $SHARED (corpus and oracle tools) is absent; nothing to compare" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi

if [ -z "${OCTOLINT:-}" ]; then
  cargo build --release --quiet
  OCTOLINT=$ROOT/target/release/octolint
fi
PY=$("$SHARED/bench/setup-helm-oracle.sh" "${HELM_ORACLE_VENV:-$HOME/.cache/octolint-helm-oracle}")
OUT=${JSON:-$(mktemp /tmp/helm-conformance.XXXXXX.json)}

HELM_ORACLE_PY=$PY "$PY" "$SHARED/bench/render_compare.py" --kind helm --octolint "$OCTOLINT" \
  --jobs "$JOBS" --json "$OUT" "${DIRS[@]}"

# identical charts now, as paths relative to the corpus; regressions against the expectation file
"$PY" - "$OUT" "$EXPECTED" "$UPDATE" "${DIRS[0]}" <<'PY'
import json, os, sys
out, expected, update, base = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
data = json.load(open(out))
recs = data["records"]
rel = lambda d: os.path.relpath(d, base)
ident = sorted(rel(r["dir"]) for r in recs if r["verdict"] == "identical")
rendered = [r for r in recs if r["verdict"] in ("identical", "differs", "octolint-failed")]
both = [r for r in rendered if r["verdict"] != "octolint-failed"]
mine = sorted(r.get("octolint_s", 0) for r in both)
theirs = sorted(r.get("oracle_s", 0) for r in both)
med = lambda xs: xs[len(xs) // 2] if xs else 0
print(f"per chart median: octolint {med(mine) * 1000:.0f} ms, helm oracle {med(theirs) * 1000:.0f} ms")
if update:
    with open(expected, "w") as f:
        f.write("# Charts (relative to ../shared/corpus) that `octolint render` renders object-identical to Helm.\n")
        f.write("# Maintained by scripts/helm-conformance.sh --update; a chart listed here that differs fails CI.\n")
        for d in ident:
            f.write(d + "\n")
    print(f"wrote {len(ident)} identical charts to {expected}")
failed = False
if os.path.exists(expected) and not update:
    want = [l.strip() for l in open(expected) if l.strip() and not l.startswith("#")]
    lost = [d for d in want if d not in ident]
    for d in lost:
        verdict = next((r["verdict"] + " " + r.get("detail", "") for r in recs if rel(r["dir"]) == d), "missing")
        print(f"REGRESSION: {d} was identical, now {verdict}")
    failed |= bool(lost)
share = len(ident) / len(rendered) if rendered else 1.0
print(f"identical: {len(ident)}/{len(rendered)} = {share:.1%} (target 95%)")
if share < 0.95:
    print("below the 95% target")
    failed = True
sys.exit(1 if failed else 0)
PY
