#!/usr/bin/env bash
# Conformance of octolint's Kubernetes schema validation with kubernetes-validate (PyPI),
# the oracle: every Kubernetes object in ../shared/corpus is validated by both at one version
# and valid/invalid is compared per object. Target: >= 99% agreement.
#
# Usage: scripts/schema-conformance.sh [VERSION] [CORPUS]   (default: 1.35 ../shared/corpus)
# Uses target/release/octolint when present (else builds the debug binary) and the
# kubernetes-validate virtualenv that scripts/gen-k8s-schemas.py creates.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-1.35}"
corpus="${2:-$root/../shared/corpus}"
if [ ! -d "$corpus" ]; then
  if [ -n "${CI:-}" ]; then echo "corpus $corpus is missing" >&2; exit 1; fi
  echo "skipped: corpus $corpus is missing"; exit 0
fi
venv="${KV_VENV:-$HOME/.cache/octolint-kv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import kubernetes_validate' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubernetes-validate==1.37.0
fi
bin="$root/target/release/octolint"
if [ ! -x "$bin" ]; then
  (cd "$root" && cargo build -q)
  bin="$root/target/debug/octolint"
fi
exec "$venv/bin/python" "$root/scripts/schema-conformance.py" "$bin" "$corpus" "$version"
