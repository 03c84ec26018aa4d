#!/usr/bin/env bash
# Precision triage: run octolint on every repository of the shared corpus and write one
# Markdown table per rule: how many findings, in which repositories, and a sample of five
# (file:line, message, the source line trimmed) for a human to mark true / false / debatable
# (verdicts go in docs/precision.md).
#
#   scripts/triage.sh [OUT.md]          (default: standard output)
#
# Environment:
#   SHARED=DIR        the shared directory (default: ../shared beside the repository)
#   OCTOLINT=BIN      the binary to run (default: target/release/octolint, built when absent)
#   SAMPLE=N          findings sampled per rule (default 5)
#   TRIAGE_ARGS=...   extra arguments for `octolint check` (e.g. `--no-render`)
#
# Needs python3. Findings are read from `octolint check -f json` (docs/json-format.md);
# suppressed findings are counted apart and never sampled. The sample is deterministic: the
# findings of a rule in (repository, path, line) order, taken at even steps, so that it spreads
# over repositories instead of showing five findings of one file. Secret values are masked in
# the excerpts (the finding's span is replaced by its first 4 characters and `****`).
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED:-../shared}"
out="${1:-}"
if [ ! -d "$shared/corpus" ]; then
  if [ -n "${CI:-}" ]; then
    echo "triage: $shared/corpus not found (CI is set, so this is an error)" >&2
    exit 1
  fi
  echo "triage: skipped: $shared/corpus not found (set SHARED to the shared directory)" >&2
  exit 0
fi
command -v python3 >/dev/null || { echo "triage: python3 is required" >&2; exit 2; }
bin="${OCTOLINT:-}"
if [ -z "$bin" ]; then
  bin="$PWD/target/release/octolint"
  if [ ! -x "$bin" ]; then
    echo "triage: building the release binary ..." >&2
    cargo build --release --locked -q
  fi
fi
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
work="$(mktemp -d "${TMPDIR:-/tmp}/octolint-triage.XXXXXX")"
trap 'rm -rf "$work"' EXIT
corpus="$(cd "$shared/corpus" && pwd)"
for repo in "$corpus"/*/; do
  name="$(basename "$repo")"
  # --no-config: the corpus repositories have no octolint.toml; none above them applies.
  # Exit status 1 only means findings; 2 is a usage or configuration error.
  rc=0
  (cd "$repo" && "$bin" check -f json --fail-on never --no-config ${TRIAGE_ARGS:-} . \
      >"$work/$name.json" 2>"$work/$name.err") || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "triage: octolint failed on $name (exit $rc):" >&2
    cat "$work/$name.err" >&2
    exit 1
  fi
done

python3 - "$corpus" "$work" "${SAMPLE:-5}" "$("$bin" --version)" >"$work/report.md" <<'PY'
import json, os, sys
from collections import Counter, defaultdict

corpus, work, sample_n, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
repos = sorted(f[:-5] for f in os.listdir(work) if f.endswith(".json"))
by_rule = defaultdict(list)
suppressed = Counter()
meta = {}
for repo in repos:
    with open(os.path.join(work, repo + ".json"), encoding="utf-8") as fh:
        data = json.load(fh)
    for f in data["findings"]:
        rid = f["rule_id"]
        meta[rid] = (f["rule_name"], f["severity"])
        if f.get("suppression"):
            suppressed[rid] += 1
            continue
        by_rule[rid].append((repo, f))

lines_cache = {}
def source_line(repo, path, line):
    key = (repo, path)
    if key not in lines_cache:
        try:
            with open(os.path.join(corpus, repo, path), encoding="utf-8", errors="replace") as fh:
                lines_cache[key] = fh.read().split("\n")
        except OSError:
            lines_cache[key] = []
    text = lines_cache[key]
    return text[line - 1] if 0 < line <= len(text) else ""

def excerpt(repo, f):
    loc = f["location"]
    region = loc.get("region")
    if not region:
        return ""
    line = source_line(repo, loc["path"], region["start_line"])
    # Mask secret values: the finding's own span on its line (columns are 1-based code points).
    if f["rule_id"].startswith("SEC") or f["rule_name"] in ("generic-secret",):
        a = region["start_column"] - 1
        b = region["end_column"] - 1 if region["end_line"] == region["start_line"] else len(line)
        value = line[a:b]
        line = line[:a] + value[: min(4, len(value) // 3)] + "****" + line[b:]
    line = " ".join(line.split())
    if len(line) > 100:
        line = line[:97] + "..."
    return line

def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")

def order(item):
    repo, f = item
    r = f["location"].get("region") or {}
    return (repo, f["location"]["path"], r.get("start_line", 0), f["message"])

def sample(items):
    items = sorted(items, key=order)
    if len(items) <= sample_n:
        return items
    # Round-robin over repositories, then even steps inside each one.
    per = defaultdict(list)
    for it in items:
        per[it[0]].append(it)
    picked, rnd = [], 0
    while len(picked) < sample_n:
        for repo in sorted(per):
            lst = per[repo]
            k = len(lst)
            if rnd < k and len(picked) < sample_n:
                # Spread: the rnd-th of `sample_n` evenly spaced positions in this repository.
                step = max(1, k // sample_n)
                idx = min(k - 1, rnd * step)
                if lst[idx] not in picked:
                    picked.append(lst[idx])
        rnd += 1
        if rnd > len(items):
            break
    return sorted(picked, key=order)

total = sum(len(v) for v in by_rule.values())
print(f"# octolint triage on the shared corpus\n")
print(f"{version}; {len(repos)} repositories; {total} findings "
      f"({sum(suppressed.values())} suppressed, not counted).\n")
print("| rule | name | severity | findings | repositories |")
print("|---|---|---|---:|---|")
for rid in sorted(by_rule):
    name, sev = meta[rid]
    per = Counter(repo for repo, _ in by_rule[rid])
    where = ", ".join(f"{r.split('__')[-1]} {n}" for r, n in sorted(per.items()))
    print(f"| {rid} | `{name}` | {sev} | {len(by_rule[rid])} | {cell(where)} |")
for rid in sorted(by_rule):
    name, sev = meta[rid]
    items = by_rule[rid]
    print(f"\n## {rid} `{name}` ({sev}): {len(items)} finding{'s' if len(items) != 1 else ''}\n")
    print("| # | location | message | source line |")
    print("|---:|---|---|---|")
    for i, (repo, f) in enumerate(sample(items), 1):
        loc = f["location"]
        r = loc.get("region")
        where = f"{repo.split('__')[-1]}/{loc['path']}" + (f":{r['start_line']}" if r else "")
        print(f"| {i} | `{cell(where)}` | {cell(f['message'])} | `{cell(excerpt(repo, f))}` |")
PY
if [ -n "$out" ]; then
  cp "$work/report.md" "$out"
  echo "triage: wrote $out" >&2
else
  cat "$work/report.md"
fi
