#!/usr/bin/env python3
"""Render every template expression of fixtures/render/helm/functions.rows with Helm's own
library (the helm-python-sdk oracle of ../shared/bench) and write what Helm printed for each, or
that it failed, to fixtures/render/helm/functions.json, which the unit test
render::helm::template::tests::functions_agree_with_helm reads.

    scripts/helm-functions-table.py

Every expression becomes a `define` of one chart; a ConfigMap prints each through
`include ... | b64enc`, so any text survives the YAML round trip. An expression that makes Helm
fail is found from Helm's error (it names the define), recorded as failing, and left out of the
next attempt. `<no value>` is dropped from the output, as Helm does when it writes a manifest.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
ROWS = os.path.join(ROOT, "fixtures/render/helm/functions.rows")
OUT = os.path.join(ROOT, "fixtures/render/helm/functions.json")
VALUES = """s: "Hello World"
num: 3
f: 1.5
l: [b, a, c, a]
m: {x: 1, yv: "two", z: {w: true}}
e: ""
z: 0
nl: null
ml: "line1\\nline2"
"""


def cells_of(path):
    cells = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.strip() and not line.startswith("#"):
            cells.extend(re.split(r"(?<=\}\})\|(?=\{\{)", line))
    return cells


def render(py, cells, idx, work):
    chart = os.path.join(work, "ftab")
    shutil.rmtree(chart, ignore_errors=True)
    os.makedirs(os.path.join(chart, "templates"))
    with open(os.path.join(chart, "Chart.yaml"), "w") as f:
        f.write("apiVersion: v2\nname: ftab\nversion: 0.1.0\n")
    with open(os.path.join(chart, "values.yaml"), "w") as f:
        f.write(VALUES)
    with open(os.path.join(chart, "templates/_rows.tpl"), "w") as f:
        for i in idx:
            f.write('{{- define "r%d" -}}%s{{- end -}}\n' % (i, cells[i]))
    with open(os.path.join(chart, "templates/cm.yaml"), "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n")
        for i in idx:
            f.write('  r%d: {{ include "r%d" . | b64enc | quote }}\n' % (i, i))
    p = subprocess.run([py, os.path.join(SHARED, "bench/helm_oracle.py"), chart],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    setup = os.path.join(SHARED, "bench/setup-helm-oracle.sh")
    if not os.path.exists(setup):
        sys.exit(f"{SHARED}/bench is absent: the Helm oracle is needed")
    venv = os.environ.get("HELM_ORACLE_VENV", os.path.expanduser("~/.cache/octolint-helm-oracle"))
    py = subprocess.run([setup, venv], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    import yaml  # PyYAML, as the conformance scripts need

    cells = cells_of(ROWS)
    todo = list(range(len(cells)))
    failed = {}
    with tempfile.TemporaryDirectory() as work:
        while True:
            rc, out, err = render(py, cells, todo, work)
            if rc == 0:
                break
            m = re.search(r'executing \\?"r(\d+)\\?"', err)
            if m:
                k = int(m.group(1))
            elif re.search(r"_rows\.tpl:(\d+)", err):
                # a parse error names the line of the define
                k = todo[int(re.search(r"_rows\.tpl:(\d+)", err).group(1)) - 1]
            elif re.search(r"cm\.yaml:(\d+)", err):
                # `fail` and `required` name the ConfigMap line that included the define
                # (after the five lines of the ConfigMap's head)
                k = todo[int(re.search(r"cm\.yaml:(\d+)", err).group(1)) - 6]
            else:
                sys.exit("cannot tell which expression failed:\n" + err[:2000])
            failed[k] = err.strip().splitlines()[-1]
            todo.remove(k)
    data = [d for d in yaml.safe_load_all(out) if d][0]["data"]
    rows = []
    for i, t in enumerate(cells):
        if i in failed:
            rows.append({"t": t, "fails": True})
        else:
            text = base64.b64decode(data["r%d" % i]).decode("utf-8", "replace")  # Go strings are bytes; octolint's are UTF-8
            rows.append({"t": t, "out": text.replace("<no value>", "")})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"oracle": "Helm's Go library through helm-python-sdk (../shared/bench/helm_oracle.py)",
                   "values": VALUES, "rows": rows}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cells)} expressions, {len(failed)} fail in Helm; wrote {OUT}")


if __name__ == "__main__":
    main()
