#!/usr/bin/env bash
# Kustomize conformance: `octolint render DIR` against `kubectl kustomize DIR` (kustomize
# v5.5), object by object (../shared/bench/render_compare.py), for every kustomization in
# ../shared/corpus and in fixtures/render/kustomize. Prints a verdict per directory and a
# summary, then the summed wall time of both tools building every overlay one after the
# other.
#
# scripts/kustomize-conformance.expected lists the directories that are object-identical
# today, and byte-identical too; any of them that is no longer identical fails the run (exit 1). Directories that
# became identical are printed so the list can be extended (UPDATE=1 rewrites it).
#
#   scripts/kustomize-conformance.sh [SHARED_DIR]
# Needs kubectl (with kustomize built in) and python3 with PyYAML. Without ../shared or
# kubectl it skips (exit 0), unless CI is set (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
shared="$(cd "${1:-../shared}" 2>/dev/null && pwd || true)"
py="${PYTHON:-python3}"
expected="$repo/scripts/kustomize-conformance.expected"

skip() {
  echo "SKIP: $1"
  if [ -n "${CI:-}" ]; then exit 1; fi
  exit 0
}
[ -n "$shared" ] && [ -f "$shared/bench/render_compare.py" ] || skip "../shared (corpus and bench tools) is absent"
command -v kubectl >/dev/null || skip "kubectl is not installed"
"$py" -c 'import yaml' 2>/dev/null || skip "$py has no PyYAML"

cargo build --release --locked -q
bin="$repo/target/release/octolint"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The corpus is run from inside it so that `octolint render` may read sibling bases
# (its root is the current directory when the overlay lies below it).
(cd "$shared/corpus" && "$py" "$shared/bench/render_compare.py" --kind kustomize \
  --octolint "$bin" --json "$work/corpus.json" .) | tee "$work/corpus.txt"
echo
"$py" "$shared/bench/render_compare.py" --kind kustomize --octolint "$bin" \
  --json "$work/fixtures.json" fixtures/render/kustomize | tee "$work/fixtures.txt"
echo

"$py" - "$work" "$shared/corpus" "$repo" "$expected" <<'EOF'
import json, os, sys
work, corpus, repo, expected = sys.argv[1:5]
now = {}
for name, base, prefix in (("corpus", corpus, "corpus/"), ("fixtures", repo, "")):
    with open(os.path.join(work, name + ".json")) as f:
        for r in json.load(f)["records"]:
            rel = prefix + os.path.relpath(r["dir"], base)
            now[rel] = r["verdict"]
want = []
if os.path.exists(expected):
    with open(expected) as f:
        want = [l.strip() for l in f if l.strip() and not l.startswith("#")]
identical = sorted(k for k, v in now.items() if v == "identical")
built = [k for k, v in now.items() if v in ("identical", "differs", "octolint-failed")]
regressed = [k for k in want if now.get(k) != "identical"]
new = [k for k in identical if k not in want]
corpus_built = [k for k in built if k.startswith("corpus/")]
corpus_ident = [k for k in identical if k.startswith("corpus/")]
print(f"corpus: {len(corpus_ident)}/{len(corpus_built)} overlays kubectl builds are object-identical"
      f" ({100 * len(corpus_ident) / max(1, len(corpus_built)):.1f}%)")
print(f"all: {len(identical)}/{len(built)} object-identical")
for k in regressed:
    print(f"REGRESSION: {k} is {now.get(k, 'gone')} (expected identical)")
for k in new:
    print(f"newly identical: {k}")
if os.environ.get("UPDATE") == "1":
    with open(expected, "w") as f:
        f.write("# Directories `octolint render` builds object-identical to `kubectl kustomize`\n")
        f.write("# (scripts/kustomize-conformance.sh; UPDATE=1 rewrites this list).\n")
        f.writelines(k + "\n" for k in identical)
    print(f"wrote {expected}")
    sys.exit(0)
if regressed:
    sys.exit(1)
if len(corpus_ident) * 100 < 95 * len(corpus_built):
    print("FAIL: fewer than 95% of the corpus overlays are object-identical")
    sys.exit(1)
EOF

# Byte for byte too: every listed directory prints what kubectl prints (quoting style, block
# scalars, lines folded at column 80), `# Source:` comments aside.
same=0; total=0; differ=()
while IFS= read -r d; do
  case "$d" in ''|'#'*) continue ;; esac
  if [[ $d == corpus/* ]]; then at="$shared/corpus"; rel=${d#corpus/}; else at="$repo"; rel=$d; fi
  [ -d "$at/$rel" ] || continue
  total=$((total + 1))
  if cmp -s <(cd "$at" && kubectl kustomize "$rel" 2>/dev/null) \
            <(cd "$at" && "$bin" render "$rel" 2>/dev/null | grep -v '^# Source: '); then
    same=$((same + 1))
  else
    differ+=("$d")
  fi
done < "$expected"
echo "byte-identical: $same/$total listed directories"
for d in "${differ[@]}"; do echo "NOT BYTE-IDENTICAL: $d"; done
[ "${#differ[@]}" -eq 0 ] || exit 1

# Both tools, one overlay after the other, on an otherwise idle run (process start included).
dirs=()
while IFS= read -r d; do dirs+=("$d"); done < <(
  cd "$shared/corpus" && find . \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) \
    -not -path '*/.git/*' -printf '%h\n' | sort)
t_oct=0; t_kub=0; n=0
now_ns() { date +%s%N; }
for d in "${dirs[@]}"; do
  (cd "$shared/corpus" && kubectl kustomize "$d" >/dev/null 2>&1) || continue
  n=$((n + 1))
  s=$(now_ns); (cd "$shared/corpus" && "$bin" render "$d" >/dev/null 2>&1 || true); e=$(now_ns)
  t_oct=$((t_oct + e - s))
  s=$(now_ns); (cd "$shared/corpus" && kubectl kustomize "$d" >/dev/null 2>&1); e=$(now_ns)
  t_kub=$((t_kub + e - s))
done
awk -v n="$n" -v o="$t_oct" -v k="$t_kub" 'BEGIN {
  printf "build time over the %d corpus overlays kubectl builds, one after the other: octolint render %.2f s, kubectl kustomize %.2f s (%.1fx)\n", n, o / 1e9, k / 1e9, (o > 0 ? k / o : 0)
}'
