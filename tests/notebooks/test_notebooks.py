"""notebooks/*.ipynb run top to bottom without error (nbclient), in order,
sharing one output directory; and none is committed with outputs.

    pytest tests/notebooks

Needs: the skscore package importable (pip install .), nbclient, nbformat,
ipykernel, matplotlib, httpx[http2], msgpack; the gateway binary for 02
(a build tree of this repository, or SKSCORE_GATEWAY); kubectl or kustomize
for 03; pyarrow, dask, distributed, pyspark and a Java runtime for 05.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="pip install nbformat nbclient ipykernel")
nbclient = pytest.importorskip("nbclient", reason="pip install nbclient ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 600


def gateway_binary() -> str | None:
    candidates = [os.environ.get("SKSCORE_GATEWAY")]
    candidates += [
        str(ROOT / d / "gateway" / "skscore-gateway") for d in ("build", "build-k8s", "build-gw")
    ]
    candidates.append(shutil.which("skscore-gateway"))
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def test_the_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01-train-export-validate.ipynb",
        "02-serve-and-query.ipynb",
        "03-deploy.ipynb",
        "04-explain.ipynb",
        "05-batch.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name}: clear outputs before committing"
            )


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory):
    pytest.importorskip("skscore", reason="the skscore package is not installed (pip install .)")
    pytest.importorskip("ipykernel", reason="pip install ipykernel")
    pytest.importorskip("matplotlib", reason="pip install matplotlib")
    out = tmp_path_factory.mktemp("notebook-out")
    saved = dict(os.environ)
    os.environ["SKSCORE_NOTEBOOK_OUT"] = str(out)
    os.environ["MPLBACKEND"] = "Agg"
    gw = gateway_binary()
    if gw:
        os.environ["SKSCORE_GATEWAY"] = gw
    yield out
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, notebook_env):
    if path.name.startswith("02") and not os.environ.get("SKSCORE_GATEWAY"):
        pytest.skip(
            "no skscore-gateway binary: build it (cmake --build build) or set SKSCORE_GATEWAY"
        )
    if path.name.startswith("02"):
        pytest.importorskip("httpx", reason='pip install "httpx[http2]"')
        pytest.importorskip("h2", reason='pip install "httpx[http2]"')
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"{path.name} failed:\n{str(e)[-4000:]}", pytrace=False)
    if path.name.startswith("01"):
        assert (notebook_env / "breast_cancer.skm").exists()
        assert (notebook_env / "latency-01.png").stat().st_size > 1000
    if path.name.startswith("02"):
        assert (notebook_env / "latency-02.png").stat().st_size > 1000
    if path.name.startswith("04"):
        assert (notebook_env / "explain-04-waterfall.png").stat().st_size > 1000
        assert (notebook_env / "explain-04-summary.png").stat().st_size > 1000
        if os.environ.get("SKSCORE_GATEWAY"):  # the pod's contributions were compared
            text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
            assert "bit for bit" in text, text
    if path.name.startswith("05"):
        assert (notebook_env / "scores.parquet").exists()
        assert (notebook_env / "batch-05.png").stat().st_size > 1000


def test_the_notebooks_extra_covers_every_import():
    """README's notebook step (`pip install ".[notebooks]"` after the set-up)
    gives every package the notebooks import: a notebook that imports a new
    package fails here until the extra names it."""
    import ast
    import importlib.metadata as md
    import re
    import sys

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["optional-dependencies"]["notebooks"] + project["dependencies"]
    names = {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in wanted}
    assert '.venv/bin/pip install ".[notebooks]"' in (ROOT / "README.md").read_text()
    dists = md.packages_distributions()
    missing = set()
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    mods = [node.module]
                for mod in mods:
                    top = mod.split(".")[0]
                    if top in sys.stdlib_module_names or top == "skscore":
                        continue
                    owners = {d.lower().replace("_", "-") for d in dists.get(top, [top])}
                    if not owners & names:
                        missing.add(f"{path.name}: import {top} ({', '.join(sorted(owners))})")
    assert not missing, "not in pyproject's notebooks extra:\n" + "\n".join(sorted(missing))
