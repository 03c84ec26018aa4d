#!/usr/bin/env bash
# CI check: the embedded schema data (rules/schemas/*.json.z) is what
# scripts/gen-k8s-schemas.py generates from kubernetes-validate and ../shared/schemas/crds.
# The decompressed contents are compared, so a different zlib build cannot fail the check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
crds="$root/../shared/schemas/crds"
if [ ! -d "$crds" ]; then
  if [ -n "${CI:-}" ]; then echo "check-generated: $crds is missing" >&2; exit 1; fi
  echo "check-generated: skipped ($crds is missing)"; exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$root/scripts/gen-k8s-schemas.py" --out "$tmp" --crds "$crds" "$@" >/dev/null
status=0
for f in k8s.json.z crds.json.z; do
  if ! python3 - "$root/rules/schemas/$f" "$tmp/$f" <<'PY'
import sys, zlib
a, b = (zlib.decompress(open(p, "rb").read()) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
  then
    echo "rules/schemas/$f is stale: run scripts/gen-k8s-schemas.py" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "rules/schemas: up to date"
exit "$status"
