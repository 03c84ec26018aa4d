#!/usr/bin/env python3
"""Compare octolint's schema validation with kubernetes-validate (the oracle).

Every Kubernetes object in the corpus (plain YAML/JSON files, `kind: List` items; Helm
templates, kustomizations and Kustomize patches left out) is validated by the oracle
(kubernetes_validate.validate, strict) and by octolint (VAL001, VAL002, VAL003 findings from
`octolint check --format json`), at one Kubernetes version. Objects the oracle has no schema
for, or that octolint reports as unknown (VAL005), are not compared.

Usage: schema-conformance.py OCTOLINT CORPUS VERSION [--min-agreement 99]
Prints the agreement and every disagreement; exits 1 below the target.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml


class Loader(yaml.SafeLoader):
    """YAML 1.1 like the API server, but timestamps stay strings (as in Kubernetes)."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def patches(root):
    """Files Kustomize uses as patches (partial objects), relative to root."""
    out = set()
    for d, _, files in os.walk(root):
        for f in files:
            if f not in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
                continue
            try:
                docs = list(yaml.load_all(open(os.path.join(d, f)), Loader=Loader))
            except Exception:
                continue
            for doc in docs:
                if not isinstance(doc, dict):
                    continue
                for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
                    for item in doc.get(key) or []:
                        p = item if isinstance(item, str) else (item or {}).get("path")
                        if isinstance(p, str) and "\n" not in p:
                            out.add(os.path.normpath(os.path.relpath(os.path.join(d, p), root)))
    return out


def in_chart_templates(rel, root):
    parts = rel.split(os.sep)
    for i, seg in enumerate(parts):
        if seg == "templates":
            chart = os.path.join(root, *parts[:i])
            if os.path.exists(os.path.join(chart, "Chart.yaml")):
                return True
    return False


def objects(root):
    """(rel path, first line, last line, object) of every Kubernetes object."""
    skip = patches(root)
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        for f in sorted(files):
            if not f.endswith((".yaml", ".yml", ".json")):
                continue
            if f.startswith("kustomization") or f == "Kustomization":
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            if rel in skip or in_chart_templates(rel, root):
                continue
            try:
                text = open(path, encoding="utf-8").read()
                nodes = list(yaml.compose_all(text, Loader=Loader))
            except Exception:
                continue
            for node in nodes:
                if node is None:
                    continue
                try:
                    data = Loader(yaml.serialize(node)).get_single_data()
                except Exception:
                    continue
                for obj, n in expand(data, node):
                    yield rel, n.start_mark.line + 1, n.end_mark.line + 1, obj


def expand(data, node):
    if not is_object(data):
        return
    if data["kind"].endswith("List") and isinstance(data.get("items"), list):
        items_node = next(v for k, v in node.value if k.value == "items")
        for item, n in zip(data["items"], items_node.value):
            if is_object(item):
                yield item, n
        return
    yield data, node


def is_object(d):
    return (isinstance(d, dict) and isinstance(d.get("apiVersion"), str)
            and isinstance(d.get("kind"), str) and d["apiVersion"] and d["kind"])


def mutate(src, out):
    """Mutated copies of the objects of src, in turn: unknown field, wrong type, unchanged."""
    import copy
    os.makedirs(out, exist_ok=True)
    for i, (rel, _, _, obj) in enumerate(objects(src)):
        o = copy.deepcopy(obj)
        meta = o.get("metadata") if isinstance(o.get("metadata"), dict) else None
        if i % 3 == 0 and meta is not None:
            meta["nmae"] = "typo"
        elif i % 3 == 1 and meta is not None:
            meta["generation"] = "1"
        with open(os.path.join(out, f"{i:06d}.yaml"), "w") as f:
            yaml.safe_dump(o, f, sort_keys=False)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("octolint")
    ap.add_argument("corpus")
    ap.add_argument("version")
    ap.add_argument("--min-agreement", type=float, default=99.0)
    ap.add_argument("--mutate", metavar="DIR",
                    help="write a mutated copy of every object to DIR (one file each: an unknown "
                         "field, a wrong type, or unchanged, in turn) and compare on those")
    args = ap.parse_args()
    root = os.path.abspath(args.corpus)
    if args.mutate:
        root = mutate(root, os.path.abspath(args.mutate))

    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "octolint.toml")
        with open(cfg, "w") as f:
            f.write(f'[kubernetes]\nversion = "{args.version}"\n')
        run = subprocess.run(
            [args.octolint, "check", root, "--config", cfg, "--format", "json",
             "--select", "VAL001,VAL002,VAL003,VAL004,VAL005", "--fail-on", "never"],
            capture_output=True, text=True)
        if run.returncode not in (0, 1):
            sys.exit(f"octolint failed: {run.stderr}")
        report = json.loads(run.stdout)
    findings = {}
    for fd in report.get("findings", []):
        loc = fd.get("location") or {}
        path = loc.get("path")
        line = (loc.get("region") or {}).get("start_line")
        findings.setdefault(path, []).append((line, fd.get("rule_id"), fd.get("message")))

    agree = disagree = unknown = invalid = 0
    beyond = 0
    rows = []
    for rel, first, last, obj in objects(root):
        mine = [(r, m) for line, r, m in findings.get(rel, []) if line and first <= line <= last]
        if any(r == "VAL005" for r, _ in mine):
            unknown += 1
            continue
        try:
            kubernetes_validate.validate(obj, args.version, strict=True)
            oracle = None
        except kubernetes_validate.utils.SchemaNotFoundError:
            unknown += 1
            continue
        except kubernetes_validate.utils.ValidationError as e:
            oracle = f"{'.'.join(str(p) for p in e.path)}: {e.message}"
        except Exception as e:  # the oracle itself failed
            unknown += 1
            continue
        schema = [(r, m) for r, m in mine if r in ("VAL001", "VAL002", "VAL003")]
        invalid += oracle is not None
        beyond += bool([r for r, _ in mine if r == "VAL004"])
        if (oracle is None) == (not schema):
            agree += 1
        else:
            disagree += 1
            ours = "; ".join(f"{r} {m}" for r, m in schema) or "valid"
            rows.append(f"{rel}:{first} {obj['kind']}/{(obj.get('metadata') or {}).get('name')}\n"
                        f"    oracle:  {oracle or 'valid'}\n    octolint: {ours}")
    total = agree + disagree
    pct = 100.0 * agree / total if total else 100.0
    print(f"Kubernetes {args.version}: {total} objects compared, {agree} agree, {disagree} disagree "
          f"({pct:.2f}% agreement; {invalid} invalid for the oracle); {unknown} not compared (no schema / unknown kind); "
          f"{beyond} with VAL004 findings beyond the schema")
    for r in rows:
        print(r)
    sys.exit(0 if pct >= args.min_agreement else 1)


if __name__ == "__main__":
    main()
