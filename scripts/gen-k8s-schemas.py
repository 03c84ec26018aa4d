#!/usr/bin/env python3
"""Generate the schema data octolint embeds (rules/schemas/*.json.z).

Sources:
  * the PyPI package kubernetes-validate (Apache-2.0): the strict JSON schemas of every
    Kubernetes minor version it ships (1.25-1.37 at kubernetes-validate 1.37.0);
  * the CRD catalog in ../shared/schemas/crds (datreeio/CRDs-catalog, MIT; see its SOURCES.md).

Output (zlib-compressed, deterministic):
  rules/schemas/k8s.json.z   {"versions": [...], "pool": [schema, ...],
                              "defs": {version: {name: pool index}},
                              "kinds": {version: {"group/version/Kind": pool index}}}
                             Definitions identical across versions are stored once.
  rules/schemas/crds.json.z  one line per schema: "group/kind/version\t{compact schema}"

Only what validation reads is kept (types, properties, required, items, enum, bounds,
patterns, int-or-string, preserve-unknown-fields, $ref); descriptions and list/patch
metadata are dropped.

Usage: scripts/gen-k8s-schemas.py [--out DIR] [--crds DIR]
The kubernetes-validate package is installed into a virtualenv under
~/.cache/octolint-kv (created on first use) unless KV_PYTHON names a Python that has it.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import zlib

KV_VERSION = "1.37.0"
ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = pathlib.Path(os.environ.get("KV_VENV", pathlib.Path.home() / ".cache" / "octolint-kv"))

KEEP = {
    "type", "properties", "additionalProperties", "required", "items", "enum", "const",
    "oneOf", "anyOf", "allOf", "not", "$ref", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "pattern", "minLength", "maxLength", "minItems", "maxItems",
    "minProperties", "maxProperties", "nullable", "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
}
# Keys whose value is a map of name -> schema.
SCHEMA_MAPS = {"properties"}
# Keys whose value is a schema (or a list of schemas).
SCHEMA_VALUES = {"additionalProperties", "items", "not"}
SCHEMA_LISTS = {"oneOf", "anyOf", "allOf"}


def kv_dir():
    """The kubernetes_validate package directory (installed into a venv if needed)."""
    py = os.environ.get("KV_PYTHON")
    if not py:
        py = str(VENV / "bin" / "python")
        if not pathlib.Path(py).exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        have = subprocess.run([py, "-m", "pip", "show", "kubernetes-validate"],
                              capture_output=True, text=True)
        if f"Version: {KV_VERSION}" not in have.stdout:
            subprocess.run([py, "-m", "pip", "install", "-q",
                            f"kubernetes-validate=={KV_VERSION}"], check=True)
    out = subprocess.run(
        [py, "-c", "import kubernetes_validate, os; print(os.path.dirname(kubernetes_validate.__file__))"],
        capture_output=True, text=True, check=True)
    return pathlib.Path(out.stdout.strip())


def compact(schema, ref_prefix):
    """Keep only what validation reads; refs become bare definition names."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k in sorted(schema):
        v = schema[k]
        if k not in KEEP:
            continue
        if k == "$ref":
            name = v.rsplit("/", 1)[-1]
            out[k] = name
        elif k in SCHEMA_MAPS:
            out[k] = {p: compact(s, ref_prefix) for p, s in sorted(v.items())}
        elif k in SCHEMA_VALUES:
            out[k] = compact(v, ref_prefix)
        elif k in SCHEMA_LISTS:
            out[k] = [compact(s, ref_prefix) for s in v]
        else:
            out[k] = v
    return out


def dumps(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def version_key(v):
    major, minor = v.split(".")
    return (int(major), int(minor))


def gen_k8s(kv):
    base = kv / "kubernetes-json-schema"
    versions = []
    for d in sorted(base.iterdir()):
        name = d.name
        if name.startswith("v") and name.endswith("-local-strict"):
            full = name[1:-len("-local-strict")]
            versions.append((".".join(full.split(".")[:2]), d))
    versions.sort(key=lambda x: version_key(x[0]))
    pool, index = [], {}

    def intern(schema):
        s = dumps(schema)
        if s not in index:
            index[s] = len(pool)
            pool.append(schema)
        return index[s]

    defs_out, kinds_out = {}, {}
    for ver, d in versions:
        defs = json.loads((d / "_definitions.json").read_text())["$defs"]
        defs_out[ver] = {n: intern(compact(s, "")) for n, s in sorted(defs.items())}
        kinds = {}
        for f in sorted(d.iterdir()):
            if f.name.startswith("_") or f.name == "all.json":
                continue
            top = json.loads(f.read_text())
            for gvk in top.get("x-kubernetes-group-version-kind", []):
                group, version, kind = gvk.get("group", ""), gvk["version"], gvk["kind"]
                key = f"{group}/{version}/{kind}"
                # The file the oracle picks for this apiVersion/kind.
                api = version if not group else f"{group.split('.')[0]}-{version}"
                if f.name != f"{kind.lower()}-{api}.json":
                    continue
                kinds[key] = intern(compact(top, ""))
        kinds_out[ver] = dict(sorted(kinds.items()))
    return {
        "source": f"kubernetes-validate {KV_VERSION} (Apache-2.0), strict schemas",
        "versions": [v for v, _ in versions],
        "pool": pool,
        "defs": defs_out,
        "kinds": kinds_out,
    }


def gen_crds(crd_dir):
    lines = []
    for group in sorted(p for p in crd_dir.iterdir() if p.is_dir()):
        for f in sorted(group.glob("*.json")):
            kind, _, version = f.stem.rpartition("_")
            schema = compact(json.loads(f.read_text()), "")
            lines.append(f"{group.name}/{kind}/{version}\t{dumps(schema)}")
    return "\n".join(lines) + "\n"


def write(path, data):
    path.write_bytes(zlib.compress(data.encode(), 9))
    print(f"{path.name}: {len(data):,} bytes -> {path.stat().st_size:,} compressed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "rules" / "schemas"))
    ap.add_argument("--crds", default=str(ROOT.parent / "shared" / "schemas" / "crds"))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    k8s = gen_k8s(kv_dir())
    write(out / "k8s.json.z", dumps(k8s))
    write(out / "crds.json.z", gen_crds(pathlib.Path(args.crds)))


if __name__ == "__main__":
    main()
