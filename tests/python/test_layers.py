"""The arrows of docs/ARCHITECTURE.md, checked: the engine includes neither
Python nor h2o; the gateway includes no Python; the extension imports
nothing from the package above it (the package hands it its input
converters instead); and those converters are really the ones used."""
from __future__ import annotations

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
    src = (ROOT / "pybind" / "_skscore.c").read_text()
    assert not re.search(r"PyImport_\w+\(", src), "the extension must not import Python modules"


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
