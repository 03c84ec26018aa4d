#!/usr/bin/env bash
# Peak memory and wall time of octolint on each crash case of the hardening issue
# (docs/reliability.md). Usage: scripts/measure-hardening.sh [OCTOLINT_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-}"
if [ -z "$BIN" ]; then
    if [ -x target/release/octolint ]; then BIN=$PWD/target/release/octolint; else BIN=$PWD/target/debug/octolint; fi
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pod='apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: nginx:latest'
mk() { mkdir -p "$T/$1/k8s"; printf '%s\n' "$pod" > "$T/$1/k8s/pod.yaml"; }

mk tf-string; python3 - "$T/tf-string/main.tf" <<'PY'
import sys
a = 'x' * 100
lines = ['locals {', f'  s0 = "{a}"'] + [f'  s{k} = "${{local.s{k-1}}}${{local.s{k-1}}}"' for k in range(1, 41)] + ['}']
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
mk tf-tuple; python3 - "$T/tf-tuple/main.tf" <<'PY'
import sys
lines = ['locals {', '  t0 = ["x"]'] + [f'  t{k} = [local.t{k-1}, local.t{k-1}]' for k in range(1, 41)] + ['}']
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
mk tf-functions; python3 - "$T/tf-functions/main.tf" <<'PY'
import sys
a = 'x' * 100
lines = ['locals {', f'  j0 = "{a}"', '  r0 = "xxxxxxxxxx"', f'  f0 = "{a}"']
for k in range(1, 41):
    lines.append(f'  j{k} = join(local.j{k-1}, [local.j{k-1}, local.j{k-1}])')
    lines.append(f'  r{k} = replace(local.r{k-1}, "x", "xxxxxxxxxx")')
    lines.append(f'  f{k} = format("%s%s", local.f{k-1}, local.f{k-1})')
lines.append('}')
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
mk tf-count; printf 'provider "google" {}\nresource "google_compute_instance" "vm" {\n  count        = 1e300\n  machine_type = "e2-standard-4"\n  zone         = "europe-west1-b"\n}\n' > "$T/tf-count/main.tf"
for c in rego-recursion rego-mutual rego-range rego-comprehension rego-sprintf; do mk $c; mkdir -p "$T/$c/policy"; done
printf 'package main\n\nf(x) = y if {\n\ty := f(x)\n}\n\ndeny contains msg if {\n\tmsg := f(input.kind)\n}\n' > "$T/rego-recursion/policy/p.rego"
printf 'package main\n\nf(x) := y if { y := g(x) }\ng(x) := y if { y := f(x) }\n\ndeny contains msg if { msg := f(input.kind) }\n' > "$T/rego-mutual/policy/p.rego"
printf 'package main\n\ndeny contains msg if {\n\tn := count(numbers.range(1, 1e8))\n\tmsg := sprintf("%%d", [n])\n}\n' > "$T/rego-range/policy/p.rego"
printf 'package main\n\ndeny contains msg if {\n\ts := {[i, j] | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000)}\n\tmsg := sprintf("%%d", [count(s)])\n}\n' > "$T/rego-comprehension/policy/p.rego"
printf 'package main\n\ndeny contains msg if {\n\tmsg := sprintf("%%0999999999d", [1])\n}\n' > "$T/rego-sprintf/policy/p.rego"
mk jobs

printf '%-20s %6s %8s %10s\n' case exit seconds peak_MiB
run() {
    local name="$1"; shift
    local code=0
    /usr/bin/time -o "$T/time" -f '%e %M' "$BIN" "$@" >/dev/null 2>&1 || code=$?
    local secs kb
    read -r secs kb < <(tail -1 "$T/time")
    printf '%-20s %6s %8s %10.1f\n' "$name" "$code" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
for c in tf-string tf-tuple tf-functions tf-count; do (cd "$T/$c" && run "$c" check . --no-config); done
(cd "$T/tf-count" && run cost-count cost . --no-config)
for c in rego-recursion rego-mutual rego-range rego-comprehension rego-sprintf; do (cd "$T/$c" && run "$c" check . --no-config --policy policy); done
(cd "$T/rego-recursion" && run verify-recursion verify --policy policy)
(cd "$T/jobs" && run jobs-100000 check . --no-config -j 100000)
