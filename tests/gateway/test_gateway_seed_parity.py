"""Seed parity: the seed's Flask app (its app.py, serving a joblib file) and
skscore-gateway (serving the same estimator exported with skscore.export,
MODEL_PATH as in the seed) get the same POST /predict {"features": [...]}
requests and must give identical JSON answers (same values, same JSON types,
same text up to the seed's trailing newline).

Where the seed cannot answer: jsonify cannot serialize NumPy scalars that
are not Python subclasses. String labels (numpy.str_ is a str) and float
outputs (numpy.float64 is a float) work; integer labels (numpy.int64) and
bool labels (numpy.bool_) make the seed raise TypeError and answer 500 with
an HTML page. The gateway answers those with the label as a JSON integer /
boolean, the type Python's json gives predict()'s .tolist() value; the test
asserts both behaviours.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import Gateway
from gw_util import Client, SeedApp, strict_equal

pytest.importorskip("flask", reason="the seed app needs flask (pip install flask)")
joblib = pytest.importorskip("joblib", reason="the seed app needs joblib")
sklearn = pytest.importorskip("sklearn")
skscore = pytest.importorskip("skscore")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

IRIS = load_iris()
NAMES = list(IRIS.feature_names)


def request_rows() -> list[list]:
    """Every iris row (floats), the same rows as ints where whole, random
    rows, ints, negative and large values, values on tree thresholds."""
    rng = np.random.default_rng(3)
    rows: list[list] = [[float(v) for v in r] for r in IRIS.data]
    rows += [[int(v) for v in r] for r in np.round(IRIS.data[::5])]
    rows += [[float(v) for v in r] for r in rng.uniform(0, 8, size=(60, 4))]
    rows += [[1, 2.5, 3, 4.25], [0, 0, 0, 0], [-1, -2, -3, -4], [1e6, -1e6, 3e30, 1e-300], [7, 3, 6.9, 2.3]]
    rows += [[float(np.float32(v)) for v in r] for r in rng.uniform(0, 8, size=(20, 4))]
    return rows


def _fit(kind):
    X, y = IRIS.data, IRIS.target
    names = IRIS.target_names[y]  # numpy str_ labels, as a seed user trains
    if kind == "forest-str":
        return RandomForestClassifier(n_estimators=30, random_state=0).fit(X, names)
    if kind == "tree-str":
        return DecisionTreeClassifier(random_state=0).fit(X, names)
    if kind == "logreg-str":
        return LogisticRegression(max_iter=1000).fit(X, names)
    if kind == "tree-int":
        return DecisionTreeClassifier(random_state=0).fit(X, y)
    if kind == "forest-bool":
        return RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y == 2)
    target = X[:, 3] * 1.7 + 0.1 * y  # regression on iris
    if kind == "forest-reg":
        return RandomForestRegressor(n_estimators=20, random_state=0).fit(X[:, :4], target)
    if kind == "tree-reg":
        return DecisionTreeRegressor(random_state=0).fit(X, target)
    if kind == "linear-reg":
        return LinearRegression().fit(X, target)
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """kind -> (estimator, seed app client, gateway client); started lazily."""
    base = tmp_path_factory.mktemp("seed")
    started: dict = {}
    procs: list = []

    def get(kind):
        if kind not in started:
            est = _fit(kind)
            d = base / kind
            d.mkdir()
            joblib.dump(est, d / "model.joblib")
            skscore.export(est, d / "model.skm", feature_names=NAMES)
            app = SeedApp(d / "model.joblib", d / "app")
            procs.append(app)
            gw = Gateway(["--threads", "2", "--reload-interval", "0"], env={"MODEL_PATH": str(d / "model.skm")})
            procs.append(gw)
            started[kind] = (est, Client(app.url), Client(gw.url))
        return started[kind]

    yield get
    for p in procs:
        p.stop()


@pytest.mark.parametrize("kind", ["forest-str", "tree-str", "logreg-str", "forest-reg", "tree-reg"])
def test_identical_answers(served, kind):
    est, seed, gw = served(kind)
    mismatches = []
    for row in request_rows():
        s_status, s_body, s_hdr = seed.post_json("/predict", {"features": row})
        g_status, g_body, g_hdr = gw.post_json("/predict", {"features": row})
        assert s_status == g_status == 200, (row, s_body[:200], g_body)
        assert s_hdr["content-type"] == g_hdr["content-type"] == "application/json"
        s_doc, g_doc = json.loads(s_body), json.loads(g_body)
        if not strict_equal(s_doc, g_doc) or s_body.strip() != g_body.strip():
            mismatches.append((row, s_body, g_body))
    assert not mismatches[:5], f"{len(mismatches)} answers differ"


def test_linear_regression_within_tolerance(served):
    """LinearRegression goes through BLAS in scikit-learn: equal up to the
    documented tolerance (docs/EXACTNESS.md), floats on both sides."""
    est, seed, gw = served("linear-reg")
    for row in request_rows():
        s = json.loads(seed.post_json("/predict", {"features": row})[1])["prediction"]
        g = json.loads(gw.post_json("/predict", {"features": row})[1])["prediction"]
        assert type(s) is type(g) is float
        assert g == pytest.approx(s, rel=1e-12, abs=1e-12 * max(1.0, abs(s)))


@pytest.mark.parametrize("kind,pytype", [("tree-int", int), ("forest-bool", bool)])
def test_labels_the_seed_cannot_serialize(served, kind, pytype):
    est, seed, gw = served(kind)
    for row in request_rows()[:40]:
        s_status, s_body, s_hdr = seed.post_json("/predict", {"features": row})
        # The seed: jsonify raises TypeError on numpy.int64 / numpy.bool_ -> 500 (HTML).
        assert s_status == 500 and s_hdr["content-type"].startswith("text/html")
        g_status, g_body, _ = gw.post_json("/predict", {"features": row})
        assert g_status == 200
        expect = est.predict(np.array([row], dtype=float))[0].item()
        got = json.loads(g_body)["prediction"]
        assert type(got) is pytype and got == expect


def test_seed_clients_batches_and_named_rows(served):
    """Beyond the seed: the same answers for batches and named rows."""
    est, seed, gw = served("forest-str")
    rows = request_rows()
    expect = est.predict(np.array(rows, dtype=float)).tolist()
    status, body, _ = gw.post_json("/predict", {"instances": rows})
    assert status == 200 and json.loads(body) == {"predictions": expect}
    named = [dict(zip(NAMES, r)) for r in rows]
    status, body, _ = gw.post_json("/predict", {"instances": named})
    assert status == 200 and json.loads(body) == {"predictions": expect}
