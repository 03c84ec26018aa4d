#!/usr/bin/env bash
# Long, coverage-guided fuzzing of every octolint fuzz target with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Seeds each target's corpus (fuzz/corpus/<target>/, not committed) from fixtures/,
# fuzz/regressions/<target>/ and ../shared/corpus, then runs it for SECONDS_PER_TARGET
# (default 3600) with a 1 GiB RSS limit and a 10 s per-input timeout, and prints the number
# of executions. A crash leaves its input in fuzz/artifacts/<target>/: minimise it with
# `cargo +nightly fuzz tmin <target> <file>`, copy it to fuzz/regressions/<target>/ (the
# stable test `cargo test --test fuzz` replays every file there) and fix the bug.
#
# FUZZ_BIN_DIR=dir runs prebuilt target binaries from dir instead of `cargo fuzz run` (which
# rebuilds octolint with sanitizers whenever a source file changed: about 40 minutes on a
# shared 2-core machine). FUZZ_JOBS=n runs n libFuzzer processes per target.
# Needs a nightly toolchain (`rustup toolchain list`) and cargo-fuzz (`cargo install cargo-fuzz`).
# The target of the issue is at least 10 million executions per target; record what you ran
# in docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-3600}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(yaml json hcl_terraform secrets rego_input)
fi
JOBS="${FUZZ_JOBS:-1}"
parallel=()
if [ "$JOBS" -gt 1 ]; then
    # Workers write fuzz-<n>.log in the current directory (ignored by Git).
    parallel=(-jobs="$JOBS" -workers="$JOBS")
fi

seed() {
    local target="$1" dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    local pattern
    case "$target" in
        yaml | rego_input) pattern='.*\.ya?ml$' ;;
        json) pattern='.*\.json$' ;;
        hcl_terraform) pattern='.*\.(tf|tfvars)$' ;;
        *) pattern='.*' ;;
    esac
    local roots=(fixtures "fuzz/regressions/$target")
    if [ -d ../shared/corpus ]; then
        roots+=(../shared/corpus)
    else
        echo "note: ../shared/corpus is absent; seeding from fixtures/ only" >&2
    fi
    find "${roots[@]}" -type f -size -64k -regextype posix-extended -regex "$pattern" \
        -not -path '*/.git/*' -not -name '*.snap' -print0 |
        while IFS= read -r -d '' f; do
            cp "$f" "$dir/$(printf '%s' "$f" | sha1sum | cut -c1-16)"
        done
}

for t in "${TARGETS[@]}"; do
    seed "$t"
    echo "== $t: $(find "fuzz/corpus/$t" -type f | wc -l) seeds, ${SECONDS_PER_TARGET} s"
    log="fuzz/fuzz-$t.log"
    if [ -n "${FUZZ_BIN_DIR:-}" ]; then
        # Prebuilt target binaries (`cargo +nightly fuzz build`, copied elsewhere).
        runner=("$FUZZ_BIN_DIR/$t" "fuzz/corpus/$t")
    else
        runner=(cargo +nightly fuzz run "$t" "fuzz/corpus/$t" --)
    fi
    "${runner[@]}" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=1024 -timeout=10 \
        -max_len=65536 "${parallel[@]}" -print_final_stats=1 2>&1 | tee "$log" | grep -E '^#[0-9]+.*(pulse|DONE)|ERROR|SUMMARY' || true
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
    echo "== $t: $execs executions"
done
