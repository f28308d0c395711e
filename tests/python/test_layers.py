"""The arrows of docs/ARCHITECTURE.md, checked: the engine includes neither
Python nor h2o; the gateway includes no Python; the extension imports
nothing from the package above it (the package hands it its input
converters instead); and those converters are really the ones used."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import skscore
from skscore import _input
from skscore import _skscore as _c

ROOT = Path(__file__).resolve().parents[2]


def includes(path: Path) -> set[str]:
    return set(re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', path.read_text(), re.M))


def test_engine_depends_on_nothing_above_it():
    for f in sorted((ROOT / "engine").rglob("*.[ch]")):
        bad = {i for i in includes(f) if i.startswith(("Python", "numpy/", "h2o")) or "gw" in i}
        assert not bad, f"{f.relative_to(ROOT)} includes {bad}"


def test_gateway_does_not_include_python():
    for f in sorted((ROOT / "gateway").rglob("*.[ch]")):
        bad = {i for i in includes(f) if i.startswith(("Python", "numpy/"))}
        assert not bad, f"{f.relative_to(ROOT)} includes {bad}"


def test_extension_imports_nothing_from_the_package():
    files = sorted((ROOT / "pybind" / "ext").glob("*.[ch]"))
    assert files
    for f in files:
        assert not re.search(r"PyImport_\w+\(", f.read_text()), f"{f.name}: the extension must not import modules"


def test_converters_are_handed_in(monkeypatch):
    from sklearn.tree import DecisionTreeRegressor

    X = np.arange(12.0).reshape(6, 2)
    m = skscore.load(skscore.dumps(DecisionTreeRegressor(random_state=0).fit(X, X[:, 0])))
    seen = []

    def spy(model, X):
        seen.append(type(X).__name__)
        return _input.as_array(model, X)

    _c._set_input_converters(spy, _input.as_table)
    try:
        assert m.predict(X.tolist()).tolist() == m.predict(X).tolist()
        assert seen == ["list"]  # the float64 array itself never reaches Python
    finally:
        _c._set_input_converters(_input.as_array, _input.as_table)
    with pytest.raises(TypeError, match="two callables"):
        _c._set_input_converters(None, _input.as_table)


def defined_functions(path: Path) -> set[str]:
    """Non-static functions a C file defines (a definition starts a line)."""
    names = set()
    for m in re.finditer(r"^(?!static)[A-Za-z_][\w \*]*?\b((?:gw|sks)_\w+)\([^;{]*\)\s*\{", path.read_text(), re.M):
        names.add(m.group(1))
    return names


def calls(path: Path, names: set[str]) -> set[str]:
    text = path.read_text()
    return {n for n in names if re.search(r"\b%s\(" % re.escape(n), text)}


@pytest.mark.parametrize("lower,upper", [
    # the registry (and the label encoding it uses) sits under requests, metrics and the server
    ("gateway/registry.c", ["gateway/request.c", "gateway/v2.c", "gateway/metrics.c", "gateway/routes.c",
                            "gateway/server.c"]),
    ("gateway/labels.c", ["gateway/request.c", "gateway/v2.c", "gateway/metrics.c", "gateway/routes.c",
                          "gateway/registry.c"]),
    # checking and building a model knows no file format (the reader and the writer use model.c's
    # checks; load.c joins reading and building)
    ("engine/src/model.c", ["engine/src/format_read.c", "engine/src/format_write.c", "engine/src/load.c"]),
    ("engine/src/format_read.c", ["engine/src/load.c", "engine/src/format_write.c"]),
])
def test_no_calls_upward(lower, upper):
    above = set().union(*(defined_functions(ROOT / u) for u in upper))
    assert above, upper
    bad = calls(ROOT / lower, above)
    assert not bad, f"{lower} calls {sorted(bad)}, defined above it"


def test_reading_a_file_builds_no_model():
    assert "sks__model_build(" not in (ROOT / "engine/src/format_read.c").read_text()


def relative_imports(path: Path) -> set[str]:
    """The relative modules a Python file imports, as written: '.base',
    '..' + '_skscore' -> '.._skscore', '.' + 'lightgbm' -> '.lightgbm'."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            dots = "." * node.level
            if node.module:
                found.add(dots + node.module)
            else:
                found |= {dots + a.name for a in node.names}
    return found


def test_exporters_point_one_way():
    """registry (exporters/__init__.py) -> exporters -> base; an exporter never
    imports the registry or a sibling, base imports no exporter."""
    pkg = ROOT / "pybind" / "skscore" / "exporters"
    for f in sorted(pkg.glob("*.py")):
        if f.name == "__init__.py":
            continue
        bad = {m for m in relative_imports(f) if not (m.startswith(".base") or m.startswith(".._"))}
        if f.name == "base.py":
            bad |= {m for m in relative_imports(f) if m.startswith(".") and not m.startswith("..")}
        assert not bad, f"{f.name} imports {bad}"


def test_gateway_files_include_their_subsystems_headers():
    """One header per subsystem (gateway/gw/*.h); the umbrella gw.h is for
    tools and fuzz targets, and the registry's header includes nothing above
    it."""
    for f in sorted((ROOT / "gateway").glob("*.c")):
        assert "gw.h" not in includes(f), f"{f.name} includes gw.h, not the headers it uses"
    reg = includes(ROOT / "gateway" / "gw" / "registry.h")
    assert not reg & {"gw/request.h", "gw/metrics.h", "gw/labels.h", "gw/server.h"}, reg
