#!/usr/bin/env bash
# Mutation testing with cargo-mutants (https://mutants.rs) on the modules that hold contracts:
# parsers, spans, reports, suppressions and baselines, fingerprints, environments, secrets, the
# Terraform evaluator and the renderers. Too slow for CI; run it by hand, and record the
# results in docs/testing.md.
#
#   scripts/mutants.sh                  every module group below, one after the other
#   scripts/mutants.sh report finalize  only these groups
#   scripts/mutants.sh --in-diff        only mutants in lines changed since main
#                                       (git diff main; set BASE=<ref> for another base)
#   scripts/mutants.sh render --in-diff  the same, in one group's files, with its tests
#   scripts/mutants.sh --list [GROUP]   list the mutants, build nothing
#   scripts/mutants.sh --groups         list the groups and their files
#   scripts/mutants.sh src/render/plan.rs   only these files (or directories) of a group, with
#                                       that group's tests; results in out/<path with __>
#   scripts/mutants.sh GROUP -- --iterate   resume: skip the mutants the last run caught
#   OCTOLINT_MUTANTS_TESTS=--lib scripts/mutants.sh GROUP -- --re 'REGEX'
#                                       re-check some mutants against other test targets
#                                       (here: the unit tests written for them)
#
# Install: cargo install cargo-mutants --locked
#
# The tree is mirrored (tracked and untracked-but-not-ignored files) to a stable directory,
# $OCTOLINT_MUTANTS_DIR (default: ${TMPDIR:-/tmp}/octolint-mutants), and mutated in place there,
# with its own target directory. A stable path keeps cargo's incremental caches valid from one
# run to the next, so only the first run compiles the crate from scratch; the working tree is
# never touched. The first run seeds that target directory from ./target/debug when it exists.
# Tests per mutant come from GROUP_TESTS below, timeouts from .cargo/mutants.toml; one mutant at a time (--in-place): the
# machine this was written on has two cores shared with other builds. Extra arguments after
# `--` go to cargo mutants (e.g. `-- --timeout 300`). Results: $OCTOLINT_MUTANTS_DIR/out/<group>/
# (mutants.out/outcomes.json, caught.txt, missed.txt, unviable.txt, timeout.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

declare -A GROUPS_FILES=(
    [sarif]="src/report/sarif.rs src/report/github.rs src/report/json.rs"
    [finalize]="src/finalize.rs"
    [env]="src/config/env.rs src/config/environments.rs"
    [envs]="src/model/envs.rs"
    [suppress]="src/diagnostics/suppress.rs src/diagnostics/baseline.rs"
    [redact]="src/redact.rs"
    [source]="src/source.rs"
    [yaml]="src/parse/yaml.rs src/parse/node.rs"
    [text]="src/report/text.rs src/report/summary.rs src/report/mod.rs"
    [diagnostics]="src/diagnostics/finding.rs src/diagnostics/engine.rs src/diagnostics/meta.rs"
    [secrets]="src/secrets.rs"
    [parse]="src/parse/json.rs src/parse/hcl.rs src/parse/file.rs"
    [terraform]="src/terraform/eval.rs src/terraform/funcs.rs"
    [render]="src/render"
)
# The tests each group's mutants run (cargo test arguments): the focused suites that pin the
# group's contracts. Every integration test binary links the crate, and `--lib` compiles it a
# second time (with cfg(test)), so each one left out saves seconds per mutant.
ALL_TESTS="--lib --test contracts --test config_tables --test fixtures"
declare -A GROUP_TESTS=(
    [sarif]="--test contracts --test fixtures"
    [finalize]="--test contracts --test fixtures"
    [env]="--lib --test config_tables"
    [envs]="--lib --test config_tables"
    [suppress]="--lib --test contracts --test fixtures"
    [text]="--lib --test contracts --test fixtures"
    [render]="--lib --test render_digests --test render_helm --test render_kustomize --test render_replacements --test render_appofapps --test render_check --test render_command --test render_helm_values --test fixtures"
)
# Every cargo call of a run (the build phase's `cargo test --no-run` as well as the test phase)
# gets the group's test targets, so that the build links only the binaries the tests run
# (cargo-mutants passes the arguments after `--` to the test phase only: the build phase then
# linked all seventeen test binaries and the CLI twice, 12 s a mutant where 4 s will do), and
# builds this crate without debug info (another second: nobody reads a mutant's backtrace).
# Dependencies keep their profile, so their builds stay valid. Figures: docs/testing.md.
CRATE_PROFILE=(
    --config=profile.dev.package.octolint.debug=0
    '--config=profile.dev.package.octolint.strip="debuginfo"'
)
cargo_args() { # test target arguments -> --cargo-arg=… for every cargo call
    local a
    for a in "$@" "${CRATE_PROFILE[@]}"; do printf -- '--cargo-arg=%s\n' "$a"; done
}

# Priority order: the contracts most likely to hurt users when wrong come first.
ORDER=(sarif finalize env envs suppress redact source yaml text diagnostics secrets parse terraform render)

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
    exit 2
fi

mode=run
groups=()
extra=()
while (($#)); do
    case "$1" in
        --in-diff) mode=diff ;;
        --list) mode=list ;;
        --groups)
            for g in "${ORDER[@]}"; do printf '%-10s %s\n' "$g" "${GROUPS_FILES[$g]}"; done
            exit 0
            ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        src/*)
            # A file or directory inside a group: run it alone, with that group's tests.
            owner=
            for g in "${ORDER[@]}"; do
                for f in ${GROUPS_FILES[$g]}; do
                    if [[ $1 == "$f" || $1 == "$f"/* ]]; then owner=$g; fi
                done
            done
            if [[ -z $owner || ! -e $1 ]]; then
                echo "$1: not a file or directory of any group (see --groups)" >&2
                exit 2
            fi
            name=${1//\//__}
            GROUPS_FILES[$name]=$1
            [[ -n "${GROUP_TESTS[$owner]+x}" ]] && GROUP_TESTS[$name]=${GROUP_TESTS[$owner]}
            groups+=("$name")
            ;;
        *)
            if [[ -z "${GROUPS_FILES[$1]+x}" ]]; then
                echo "unknown group: $1 (one of: ${ORDER[*]})" >&2
                exit 2
            fi
            groups+=("$1")
            ;;
    esac
    shift
done
named=${#groups[@]}
((named)) || groups=("${ORDER[@]}")

work=${OCTOLINT_MUTANTS_DIR:-${TMPDIR:-/tmp}/octolint-mutants}
tree=$work/tree
export CARGO_TARGET_DIR=$work/target
mkdir -p "$tree" "$CARGO_TARGET_DIR" "$work/out"

# Seed the target directory once: rebuilding every dependency costs far more than a copy.
if [[ ! -d $CARGO_TARGET_DIR/debug/.fingerprint && -d target/debug/.fingerprint ]]; then
    echo "seeding $CARGO_TARGET_DIR from target/debug (once)"
    mkdir -p "$CARGO_TARGET_DIR/debug"
    # Hard links where possible: dependencies are never rewritten (the crate's own outputs
    # get new names in the mirror, whose path differs); fingerprints are rewritten in place,
    # so they are copied.
    cp -al target/debug/build target/debug/deps "$CARGO_TARGET_DIR/debug/" 2>/dev/null \
        || cp -a target/debug/build target/debug/deps "$CARGO_TARGET_DIR/debug/"
    cp -a target/debug/.fingerprint "$CARGO_TARGET_DIR/debug/"
fi

# Mirror the tree: tracked files and new files not ignored. Files whose content did not
# change are not rewritten, so cargo rebuilds only what changed. A changed file gets the
# current time, never its own: cargo compares modification times, and an edit older than the
# last mutant's build would otherwise leave that mutant's binary in place (it happened: the
# `secrets` baseline failed on a `text` mutant).
git ls-files -z --cached --others --exclude-standard > "$work/files"
while IFS= read -r -d '' f; do
    [[ -f $f ]] || continue
    if ! cmp -s "$f" "$tree/$f"; then
        mkdir -p "$tree/$(dirname "$f")"
        cp --preserve=mode "$f" "$tree/$f"
    fi
done < "$work/files"
# Drop files deleted from the repository since the last mirror.
(cd "$tree" && find . -path ./.git -prune -o -type f -print) | sed 's|^\./||' | sort > "$work/mirrored"
tr '\0' '\n' < "$work/files" | sort > "$work/wanted"
comm -23 "$work/mirrored" "$work/wanted" | while IFS= read -r f; do rm -f "$tree/$f"; done
cd "$tree"
common=(--in-place --no-shuffle)
add_files() { # group -> `-f FILE` for each of its files, appended to `files`
    local f x
    for f in ${GROUPS_FILES[$1]}; do
        if [[ -d $f ]]; then
            while IFS= read -r x; do files+=(-f "$x"); done < <(find "$f" -name '*.rs' | sort)
        else
            files+=(-f "$f")
        fi
    done
} # --in-place runs one mutant at a time

if [[ $mode == diff ]]; then
    base=${BASE:-main}
    (cd "$repo" && git diff "$base" -- src) > "$work/in.diff"
    if [[ ! -s $work/in.diff ]]; then
        echo "no change in src/ since $base"
        exit 0
    fi
    out=$work/out/diff
    rm -rf "$out"
    # With groups named (`scripts/mutants.sh render --in-diff`), only their files, with the
    # first group's tests; otherwise every file, with the tests of most groups.
    files=()
    test_set=$ALL_TESTS
    if ((named)); then
        test_set=${GROUP_TESTS[${groups[0]}]:-$ALL_TESTS}
        for g in "${groups[@]}"; do add_files "$g"; done
    fi
    read -ra tests <<< "$test_set"
    mapfile -t cargo <<< "$(cargo_args "${tests[@]}")"
    cargo mutants "${common[@]}" "${files[@]}" --in-diff "$work/in.diff" --output "$out" "${cargo[@]}" "${extra[@]}" || status=$?
    echo "results: $out/mutants.out"
    exit "${status:-0}"
fi

status=0
for g in "${groups[@]}"; do
    files=()
    add_files "$g"
    if [[ $mode == list ]]; then
        cargo mutants --list "${files[@]}" "${extra[@]}"
        continue
    fi
    out=$work/out/$g
    # `-- --iterate` resumes an interrupted run: it skips what the last one caught.
    [[ " ${extra[*]} " == *" --iterate "* ]] || rm -rf "$out"
    echo "== $g: ${GROUPS_FILES[$g]}"
    read -ra tests <<< "${OCTOLINT_MUTANTS_TESTS:-${GROUP_TESTS[$g]:-$ALL_TESTS}}"
    mapfile -t cargo <<< "$(cargo_args "${tests[@]}")"
    cargo mutants "${common[@]}" "${files[@]}" --output "$out" "${cargo[@]}" "${extra[@]}" || status=$?
    for k in caught missed timeout unviable; do
        printf '%s %s: %s\n' "$g" "$k" "$(wc -l < "$out/mutants.out/$k.txt" 2>/dev/null || echo 0)"
    done
done
# cargo mutants exits 2 when some mutant was missed, 3 on a timeout.
exit "$status"
