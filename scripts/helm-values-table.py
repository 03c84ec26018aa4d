#!/usr/bin/env python3
"""Write fixtures/render/helm/values-table.json: how Helm's own library (the helm-python-sdk
oracle of ../shared/bench) merges chart defaults, values files, `--set` pairs, subchart values
and globals, for each case below. tests/render_helm_values.rs builds the same charts and
checks that octolint gives the same `.Values`, or fails where Helm fails.

    scripts/helm-values-table.py

Each case is a chart whose template prints `toJson .Values` (and its subchart's, when it has
one) into a ConfigMap.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "fixtures/render/helm/values-table.json")

# name, chart defaults, values files, --set pairs, subchart defaults (or None), dependency
# fields of Chart.yaml for the subchart (condition, alias...)
CASES = [
    ("defaults only", "a: 1\nb: {c: x}\n", [], [], None, {}),
    ("a file overrides and adds", "a: 1\nb: {c: x, d: y}\n", ["a: 2\nb: {c: z}\ne: [1, 2]\n"], [], None, {}),
    ("later files win", "a: 1\n", ["a: 2\nb: 1\n", "a: 3\n"], [], None, {}),
    ("null deletes a default", "a: 1\nb: {c: x, d: y}\n", ["a: null\nb: {c: null}\n"], [], None, {}),
    ("null deletes a whole table", "a: 1\nb: {c: x}\n", ["b: null\n"], [], None, {}),
    ("null in a later file deletes an earlier file's key", "a: 1\n", ["b: 2\n", "b: null\n"], [], None, {}),
    ("a user table over a default scalar", "a: 1\n", ["a: {x: 1}\n"], [], None, {}),
    ("a user scalar over a default table", "a: {x: 1}\n", ["a: 2\n"], [], None, {}),
    ("lists are replaced, not merged", "l: [1, 2, 3]\n", ["l: [9]\n"], [], None, {}),
    ("an empty values file", "a: 1\n", [""], [], None, {}),
    ("a values file of comments", "a: 1\n", ["# nothing\n"], [], None, {}),
    ("a values file holding null", "a: 1\n", ["null\n"], [], None, {}),
    ("a values file of an empty document", "a: 1\n", ["---\n"], [], None, {}),
    ("a values file holding a string", "a: 1\n", ["just text\n"], [], None, {}),
    ("a values file that is a list", "a: 1\n", ["- 1\n"], [], None, {}),
    ("empty defaults", "", ["a: 1\n"], [], None, {}),
    ("null default kept when unset", "a: null\nb: 1\n", [], [], None, {}),
    ("null default set by the user", "a: null\n", ["a: 5\n"], [], None, {}),
    ("set a scalar", "a: 1\n", [], ["a=2"], None, {}),
    ("set nested keys", "a: {b: 1}\n", [], ["a.c=x", "a.b=3"], None, {}),
    ("set several pairs at once", "", [], ["a=1,b=two,c=true"], None, {}),
    ("set types", "", [], ["i=10", "z=0", "o=010", "f=1.5", "t=true", "n=false", "s=abc", "neg=-3"], None, {}),
    ("set null deletes", "a: 1\nb: 2\n", [], ["a=null"], None, {}),
    ("set a list", "", [], ["l={a,b,c}"], None, {}),
    ("set list indexes", "", [], ["l[0]=x", "l[2]=z"], None, {}),
    ("set into a list of tables", "", [], ["l[0].name=a", "l[1].name=b"], None, {}),
    ("set list indexes in one pair list", "", [], ["l[0]=x,l[2]=z"], None, {}),
    ("set a list index over a default list", "l: [a, b, c]\n", [], ["l[1]=B"], None, {}),
    ("set into a list of tables in one pair list", "", [], ["l[0].name=a,l[1].name=b,l[0].x=1"], None, {}),
    ("nested null defaults", "b: {c: null, d: 1}\ne: [null]\n", [], [], None, {}),
    ("a null default under a user table", "b: {c: null, d: 1}\n", ["b: {e: 2}\n"], [], None, {}),
    ("set an escaped comma and dot", "", [], ["a=x\\,y", "b\\.c=1"], None, {}),
    ("set an empty value", "a: 1\n", [], ["a="], None, {}),
    ("set after files", "a: 1\n", ["a: 2\n"], ["a=3"], None, {}),
    ("set a key with an equals sign in its value", "", [], ["a=b=c"], None, {}),
    ("set a list and another pair in one argument", "", [], ["l={a,b},m=1"], None, {}),
    ("set a list between two pairs", "", [], ["a=1,l={x,y,z},b=2"], None, {}),
    ("set null deletes a nested key", "a: {b: 1, c: 2}\n", [], ["a.b=null"], None, {}),
    ("subchart defaults", "x: 1\n", [], [], "s: 1\nt: {u: 2}\n", {}),
    ("parent overrides subchart values", "sub: {s: 9}\n", [], [], "s: 1\nt: {u: 2}\n", {}),
    ("a file overrides subchart values", "", ["sub: {t: {u: 7}}\n"], [], "s: 1\nt: {u: 2}\n", {}),
    ("set overrides subchart values", "", [], ["sub.s=5"], "s: 1\n", {}),
    ("null deletes a subchart default", "", ["sub: {s: null}\n"], [], "s: 1\nk: 2\n", {}),
    ("globals reach the subchart", "global: {g: 1, h: {i: 2}}\n", [], [], "global: {g: 0, own: 3}\ns: 1\n", {}),
    ("user globals win", "global: {g: 1}\n", ["global: {g: 2}\n"], [], "global: {g: 0}\n", {}),
    ("a disabled subchart", "sub: {enabled: false}\n", [], [], "s: 1\n", {"condition": "sub.enabled"}),
    ("a subchart enabled by a file", "sub: {enabled: false}\n", ["sub: {enabled: true}\n"], [], "s: 1\n", {"condition": "sub.enabled"}),
    ("an aliased subchart", "other: {s: 4}\n", [], [], "s: 1\n", {"alias": "other"}),
    ("import-values of a subchart", "", [], [], "exports: {data: {d: 1}}\ns: 1\n", {"import-values": ["data"]}),
    ("tags turn a subchart off", "tags: {t1: false}\n", [], [], "s: 1\n", {"tags": ["t1"]}),
]


def chart(work, case):
    name, defaults, files, sets, sub, dep = case
    d = os.path.join(work, "c")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "templates"))
    chart_yaml = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
    if sub is not None:
        entry = {"name": "sub", "version": "0.1.0"}
        entry.update(dep)
        chart_yaml += "dependencies:\n- " + json.dumps(entry) + "\n"
        sd = os.path.join(d, "charts", "sub")
        os.makedirs(os.path.join(sd, "templates"))
        with open(os.path.join(sd, "Chart.yaml"), "w") as f:
            f.write("apiVersion: v2\nname: sub\nversion: 0.1.0\n")
        with open(os.path.join(sd, "values.yaml"), "w") as f:
            f.write(sub)
        with open(os.path.join(sd, "templates", "cm.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\ndata:\n"
                    "  v: {{ toJson .Values | quote }}\n")
    with open(os.path.join(d, "Chart.yaml"), "w") as f:
        f.write(chart_yaml)
    with open(os.path.join(d, "values.yaml"), "w") as f:
        f.write(defaults)
    with open(os.path.join(d, "templates", "cm.yaml"), "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: parent\ndata:\n"
                "  v: {{ toJson .Values | quote }}\n")
    paths = []
    for i, text in enumerate(files):
        p = os.path.join(work, f"values-{i}.yaml")
        with open(p, "w") as f:
            f.write(text)
        paths.append(p)
    return d, paths


def main():
    setup = os.path.join(SHARED, "bench/setup-helm-oracle.sh")
    if not os.path.exists(setup):
        sys.exit(f"{SHARED}/bench is absent: the Helm oracle is needed")
    venv = os.environ.get("HELM_ORACLE_VENV", os.path.expanduser("~/.cache/octolint-helm-oracle"))
    py = subprocess.run([setup, venv], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    import yaml

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for case in CASES:
            name, defaults, files, sets, sub, dep = case
            d, paths = chart(work, case)
            cmd = [py, os.path.join(SHARED, "bench/helm_oracle.py"), d]
            for p in paths:
                cmd += ["-f", p]
            for s in sets:
                cmd += ["--set", s]
            p = subprocess.run(cmd, capture_output=True, text=True)
            row = {"name": name, "defaults": defaults, "files": files, "set": sets,
                   "sub": sub, "dependency": dep}
            if p.returncode != 0:
                row["fails"] = True
            else:
                out = {}
                for doc in yaml.safe_load_all(p.stdout):
                    if doc:
                        out[doc["metadata"]["name"]] = json.loads(doc["data"]["v"])
                row["values"] = out
            rows.append(row)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"oracle": "Helm's Go library through helm-python-sdk (../shared/bench/helm_oracle.py)",
                   "rows": rows}, f, indent=1)
        f.write("\n")
    print(f"{len(rows)} cases, {sum(1 for r in rows if r.get('fails'))} fail in Helm; wrote {OUT}")


if __name__ == "__main__":
    main()
