#!/usr/bin/env bash
# Re-record tests/render-digests.tsv: the digests of what `octolint render` gives for every
# corpus chart and kustomization that is identical to Helm's library and to `kubectl
# kustomize`. Runs both conformance scripts first (each fails when a directory listed as
# identical no longer is, so nothing is recorded then), updates their expectation lists, then
# asks tests/render_digests.rs to write the digests of the listed directories.
#
#   scripts/render-digests.sh
# Needs what the conformance scripts need (../shared, python3 with PyYAML, kubectl).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/helm-conformance.sh --update
UPDATE=1 scripts/kustomize-conformance.sh
OCTOLINT_UPDATE_DIGESTS=1 cargo test --locked --test render_digests -- --nocapture
git diff --stat -- tests/render-digests.tsv scripts/*.expected
