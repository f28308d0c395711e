"""The gateway answers each output with the shape and dtype the extension
gives in Python -- one rule, the engine's (sks_model_output_spec) -- so a
served number equals the notebook's bit for bit, whatever the route.

The case where the rule matters most: scikit-learn linear models fitted on
float32 keep float32 coefficients and answer float32 X in float32. A
float32 msgpack block therefore gets float32 numbers on every route, as
``skscore.load(path).predict_proba(X32)`` does; float64 input gets float64.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import Gateway
from gw_util import Client

skscore = pytest.importorskip("skscore")
pytest.importorskip("sklearn")
msgpack = pytest.importorskip("msgpack")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge  # noqa: E402

IRIS = load_iris()
X32 = IRIS.data.astype(np.float32)
Y = IRIS.target
MP = {"Content-Type": "application/msgpack"}
KEY = {"predict": "predictions", "predict_proba": "probabilities", "decision_function": "decision_function"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    d = tmp_path_factory.mktemp("contract")
    t = X32[:, 3] * 1.5 + Y
    models = {
        "lr32": LogisticRegression(max_iter=1000).fit(X32, Y),            # float32 coef_, 3 classes
        "lr32_bin": LogisticRegression(max_iter=1000).fit(X32, Y == 2),   # float32, 1-D decision
        "ridge32": Ridge().fit(X32, t),                                   # float32 regressor
        "ols64": LinearRegression().fit(X32.astype(np.float64), np.c_[t, -t]),  # float64, 2 targets
    }
    args = ["--threads", "1", "--reload-interval", "0"]
    loaded = {}
    for name, est in models.items():
        path = d / f"{name}.skm"
        skscore.export(est, path)
        loaded[name] = skscore.load(path)
        args.append(f"--model={name}={path}")
    g = Gateway(args)
    yield g, models, loaded
    assert g.stop() == 0


def outputs(est) -> list[str]:
    return [w for w in KEY if hasattr(est, w)]


@pytest.mark.parametrize("name", ["lr32", "lr32_bin", "ridge32", "ols64"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_seed_route_block_matches_the_extension(served, name, dtype):
    g, models, loaded = served
    est, m = models[name], loaded[name]
    B = np.ascontiguousarray(X32[:40], dtype=dtype)
    outs = outputs(est)
    c = Client(g.url)
    status, body, _ = c.request("POST", f"/models/{name}/predict",
                                msgpack.packb({"block": B.tobytes(), "dtype": dtype, "shape": list(B.shape),
                                               "outputs": outs}), MP)
    assert status == 200, body
    doc = msgpack.unpackb(body)
    for what in outs:
        want = getattr(m, what)(B)
        got = np.asarray(doc[KEY[what]])
        assert got.shape == want.shape, what
        if what == "predict" and hasattr(est, "classes_"):
            assert got.tolist() == want.tolist()
            continue
        # float32 outputs arrive as the float32 value exactly (msgpack float64)
        assert np.array_equal(got, want.astype(np.float64)), (what, np.abs(got - want).max())
        if dtype == "float32" and name != "ols64":
            assert want.dtype == np.float32 and np.array_equal(got.astype(np.float32), got), what


@pytest.mark.parametrize("name", ["lr32", "ridge32", "ols64"])
def test_json_routes_are_float64_and_shaped_as_python(served, name):
    """JSON numbers are float64: the float64 answer, shaped as Python's."""
    g, models, loaded = served
    est, m = models[name], loaded[name]
    A = X32[:10].astype(np.float64)
    outs = outputs(est)
    c = Client(g.url)
    for path in (f"/models/{name}/predict", f"/v1/models/{name}:predict"):
        status, body, _ = c.post_json(path, {"instances": A.tolist(), "outputs": outs})
        assert status == 200, body
        doc = json.loads(body)
        for what in outs:
            want = getattr(m, what)(A)
            got = np.asarray(doc[KEY[what]])
            assert got.shape == want.shape, (path, what)
            if not (what == "predict" and hasattr(est, "classes_")):
                assert np.array_equal(got, want), (path, what)
    # V2: the metadata's datatypes and shapes are those of the answer
    status, body, _ = c.request("GET", f"/v2/models/{name}")
    meta = {o["name"]: o for o in json.loads(body)["outputs"]}
    assert sorted(meta) == sorted(outs)
    status, body, _ = c.post_json(f"/v2/models/{name}/infer", {
        "inputs": [{"name": "input-0", "shape": list(A.shape), "datatype": "FP64", "data": A.ravel().tolist()}],
        "outputs": [{"name": w} for w in outs]})
    assert status == 200, body
    for o in json.loads(body)["outputs"]:
        want = getattr(m, o["name"])(A)
        assert o["shape"] == list(want.shape)
        assert len(meta[o["name"]]["shape"]) == want.ndim
        assert o["datatype"] == meta[o["name"]]["datatype"]
        if o["name"] != "predict" or not hasattr(est, "classes_"):
            assert o["datatype"] == "FP64"
            assert np.array_equal(np.asarray(o["data"]).reshape(want.shape), want)
