"""The model zoo (scripts/model_zoo.py, run as users run it): one model of
each kind skscore exports, validated against its estimator when written;
here every file is loaded back and checked against the outputs the
estimator gave, with the tolerance validate recorded (docs/EXACTNESS.md)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import skscore
from skscore.exporters import SUPPORTED

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    out = tmp_path_factory.mktemp("zoo")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "model_zoo.py"), str(out)], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "models in" in r.stdout
    return out, json.loads((out / "zoo.json").read_text())


def test_every_model_validated(zoo):
    _, manifest = zoo
    assert len(manifest) >= 30
    assert [m["name"] for m in manifest if not m["passed"]] == []


def test_zoo_covers_every_supported_estimator(zoo):
    out, manifest = zoo
    finals = set()
    for m in manifest:
        model = skscore.load(out / f"{m['name']}.skm")
        finals.add(model.estimator)
        if model.estimator == "Pipeline":
            finals.add(m["final"])
    # Raw Boosters and XGBoost's random forests are not in the zoo; the
    # LightGBM and XGBoost parity tests export them. LightGBM and XGBoost
    # models are in the zoo only where those packages are installed.
    elsewhere = {"lightgbm.Booster", "xgboost.Booster", "xgboost.XGBRFClassifier", "xgboost.XGBRFRegressor"}
    for pkg in ("lightgbm", "xgboost"):
        try:
            __import__(pkg)
        except ImportError:
            elsewhere |= {n for n in SUPPORTED if n.startswith(pkg + ".")}
    missing = set(SUPPORTED) - finals - elsewhere
    assert not missing, f"the zoo has no {sorted(missing)}"


def test_files_score_as_recorded(zoo):
    out, manifest = zoo
    problems = []
    for m in manifest:
        model = skscore.load(out / f"{m['name']}.skm")
        data = np.load(out / f"{m['name']}.npz", allow_pickle=True)
        X = data["X"]
        for name, tol in m["outputs"].items():
            want = data[name]
            got = getattr(model, name)(X)
            if got.shape != want.shape:
                problems.append(f"{m['name']}.{name}: shape {got.shape} != {want.shape}")
            elif want.dtype == object or name == "predict" and model.info()["task"] == "classification":
                if not all(type(g) is type(w) or isinstance(g, type(w)) for g, w in zip(got.ravel(), want.ravel())):
                    problems.append(f"{m['name']}.{name}: label types differ")
                if not np.array_equal(got, want):
                    problems.append(f"{m['name']}.{name}: {int(np.sum(got != want))} labels differ")
            elif not np.allclose(got, want, rtol=tol["rtol"], atol=tol["atol"], equal_nan=True):
                problems.append(f"{m['name']}.{name}: max |diff| {np.nanmax(np.abs(got - want)):.3g} beyond {tol}")
            elif tol["rtol"] == tol["atol"] == 0 and not np.array_equal(got, want, equal_nan=True):
                problems.append(f"{m['name']}.{name}: not bit-identical")
    assert not problems, problems
