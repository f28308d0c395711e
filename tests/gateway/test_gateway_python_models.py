"""Models exported by the Python package (skscore.export), served through
every route: /models/{name}/predict (single rows, batches, rows keyed by
feature name, outputs in the body and the query), KServe V1, Open Inference
Protocol V2 with tritonclient.http (FP32/FP64 inputs, the binary data
extension both ways, metadata, ready, live), msgpack (maps, and raw float64
and float32 blocks). Answers must equal the estimator's own: labels equal
with the same JSON type, tree outputs bit-identical, linear outputs within
docs/EXACTNESS.md's tolerance.
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
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

IRIS = load_iris()
NAMES = list(IRIS.feature_names)
X = IRIS.data
Y = IRIS.target
S = IRIS.target_names[Y]


def _models():
    # name: (estimator, exact) -- exact: tree outputs are bit-identical
    t = X[:, 3] * 1.7 + 0.1 * Y
    return {
        "rf_str": (RandomForestClassifier(n_estimators=25, random_state=0).fit(X, S), True),
        "dt_int": (DecisionTreeClassifier(random_state=0).fit(X, Y), True),
        "et_bool": (ExtraTreesClassifier(n_estimators=10, random_state=0).fit(X, Y == 1), True),
        "dt_float": (DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y.astype(float) + 1.0), True),
        "rfr": (RandomForestRegressor(n_estimators=10, random_state=0).fit(X, t), True),
        "dtr2": (DecisionTreeRegressor(max_depth=5, random_state=0).fit(X, np.c_[t, -t]), True),
        "lr_str": (LogisticRegression(max_iter=1000).fit(X, S), False),
        "lr_bin": (LogisticRegression(max_iter=1000).fit(X, (Y == 2).astype(int)), False),
        "svc": (LinearSVC(random_state=0, max_iter=5000).fit(X, S), False),
        "sgd_int": (SGDClassifier(random_state=0, loss="log_loss").fit(X, Y + 10), False),
        "ridge": (Ridge(alpha=0.5).fit(X, t), False),
        # score_samples and decision_function go through 2 ** x (NumPy's pow vs libm's)
        "iso": (IsolationForest(n_estimators=30, random_state=0).fit(X), False),
        **_lightgbm_models(t),
        **_xgboost_models(t),
    }


def _lightgbm_models(t) -> dict:
    try:
        import lightgbm as lgb
    except ImportError:  # optional: LightGBM models are exported when it is installed
        return {}
    return {
        "lgbm_str": (lgb.LGBMClassifier(n_estimators=20, min_child_samples=3, verbose=-1).fit(X, S), True),
        "lgbm_bin": (lgb.LGBMClassifier(n_estimators=20, min_child_samples=3, verbose=-1).fit(X, Y == 1), True),
        "lgbm_reg": (lgb.LGBMRegressor(n_estimators=20, min_child_samples=3, verbose=-1).fit(X, t), True),
    }


def _xgboost_models(t) -> dict:
    try:
        import xgboost as xgb
    except ImportError:  # optional, as LightGBM
        return {}
    return {
        "xgb_multi": (xgb.XGBClassifier(n_estimators=20, max_depth=3).fit(X, Y), True),
        "xgb_bin": (xgb.XGBClassifier(n_estimators=20, max_depth=3).fit(X, Y == 1), True),
        "xgb_reg": (xgb.XGBRegressor(n_estimators=20, max_depth=3).fit(X, t), True),
    }


MODELS = _models()


def rows() -> np.ndarray:
    rng = np.random.default_rng(11)
    return np.vstack([X, rng.uniform(0, 8, size=(50, 4)), np.round(X[::7])])


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    d = tmp_path_factory.mktemp("pymodels")
    args = ["--threads", "2", "--reload-interval", "0"]
    for name, (est, _) in MODELS.items():
        skscore.export(est, d / f"{name}.skm", feature_names=NAMES)
        args.append(f"--model={name}={d / (name + '.skm')}")
    g = Gateway(args)
    yield g
    assert g.stop() == 0


def outputs_of(est) -> list[str]:
    out = ["predict"]
    if hasattr(est, "predict_proba") and not isinstance(est, (SGDClassifier,)) or \
            isinstance(est, SGDClassifier) and est.loss == "log_loss":
        if hasattr(est, "classes_"):
            out.append("predict_proba")
    if hasattr(est, "decision_function") or (_is_xgboost(est) and hasattr(est, "classes_")):
        out.append("decision_function")  # XGBoost's: predict(output_margin=True)
    if hasattr(est, "score_samples"):
        out.append("score_samples")
    return out


def explains(est) -> list[str]:
    """["contributions"] for the tree models (the file has node covers)."""
    return ["contributions"] if "contributions" in skscore.load(skscore.dumps(est)).info()["outputs"] else []


def _is_xgboost(est) -> bool:
    return type(est).__module__.startswith("xgboost")


def expected(est, A: np.ndarray, what: str):
    if what == "predict":
        return est.predict(A).tolist()
    if what == "predict_proba":
        return est.predict_proba(A)
    if what == "score_samples":
        return est.score_samples(A)
    if _is_xgboost(est):
        return est.predict(A, output_margin=True)
    return est.decision_function(A)


def check_values(got, want, exact: bool, what: str):
    if what == "predict":
        assert len(got) == len(want)
        for g, w in zip(got, want):
            if isinstance(w, float) or isinstance(w, list):
                g_arr, w_arr = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
                if exact:
                    assert np.array_equal(g_arr, w_arr)
                else:
                    np.testing.assert_allclose(g_arr, w_arr, rtol=1e-9, atol=1e-12)
            else:
                assert type(g) is type(w) and g == w
        return
    g_arr, w_arr = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert g_arr.shape == w_arr.shape
    if exact:
        assert np.array_equal(g_arr, w_arr), np.abs(g_arr - w_arr).max()
    else:
        np.testing.assert_allclose(g_arr, w_arr, rtol=1e-9, atol=1e-12)


KEY = {"predict": "predictions", "predict_proba": "probabilities", "decision_function": "decision_function",
       "score_samples": "score_samples"}


@pytest.mark.parametrize("name", list(MODELS))
def test_predict_routes(gw, name):
    est, exact = MODELS[name]
    A = rows()
    c = Client(gw.url)
    outs = outputs_of(est)
    # single rows, the seed shape
    for r in A[::9]:
        status, body, _ = c.post_json(f"/models/{name}/predict", {"features": r.tolist()})
        assert status == 200, body
        check_values([json.loads(body)["prediction"]], expected(est, r[None], "predict"), exact, "predict")
    # batches: arrays and named rows, every output, in the body and in the query
    for shape in ("arrays", "objects"):
        inst = A.tolist() if shape == "arrays" else [dict(zip(NAMES, r)) for r in A.tolist()]
        status, body, _ = c.post_json(f"/models/{name}/predict", {"instances": inst, "outputs": outs})
        assert status == 200, body
        doc = json.loads(body)
        for what in outs:
            check_values(doc[KEY[what]], expected(est, A, what), exact, what)
        if "predict_proba" in outs:
            assert doc["classes"] == est.classes_.tolist()
    q = ",".join(outs[1:]) or "predict"
    status, body, _ = c.post_json(f"/models/{name}/predict?outputs={q}", {"instances": A.tolist()})
    doc = json.loads(body)
    for what in q.split(","):
        check_values(doc[KEY[what]], expected(est, A, what), exact, what)
    # one row with outputs: no outer array
    if "predict_proba" in outs:
        status, body, _ = c.post_json(f"/models/{name}/predict",
                                      {"features": A[0].tolist(), "outputs": ["predict_proba"]})
        check_values([json.loads(body)["probabilities"]], expected(est, A[:1], "predict_proba"), exact, "p")
    # an output the model lacks: 422
    missing = [w for w in ("predict_proba", "decision_function") if w not in outs]
    for w in missing:
        status, body, _ = c.post_json(f"/models/{name}/predict", {"features": A[0].tolist(), "outputs": [w]})
        assert status == 422 and "error" in json.loads(body)
    # KServe V1
    status, body, _ = c.post_json(f"/v1/models/{name}:predict", {"instances": A.tolist(), "outputs": outs})
    assert status == 200
    doc = json.loads(body)
    for what in outs:
        check_values(doc[KEY[what]], expected(est, A, what), exact, what)
    status, body, _ = c.request("GET", f"/v1/models/{name}")
    meta = json.loads(body)
    assert status == 200 and meta["name"] == name and meta["ready"] is True and meta["n_features"] == 4
    source = type(est).__module__.split(".")[0]  # files name them lightgbm.LGBMClassifier, xgboost....
    prefix = f"{source}." if source in ("lightgbm", "xgboost") else ""
    assert meta["feature_names"] == NAMES and meta["estimator"] == prefix + type(est).__name__
    assert sorted(meta["outputs"]) == sorted(outs + explains(est))


@pytest.mark.parametrize("name", list(MODELS))
def test_msgpack_maps_and_blocks(gw, name):
    est, exact = MODELS[name]
    A = rows()
    outs = outputs_of(est)
    c = Client(gw.url)
    mp = {"Content-Type": "application/msgpack"}

    def post(doc):
        status, body, hdr = c.request("POST", f"/models/{name}/predict", msgpack.packb(doc), mp)
        assert status == 200, body
        assert hdr["content-type"] == "application/msgpack"
        return msgpack.unpackb(body)

    doc = post({"instances": A.tolist(), "outputs": outs})
    for what in outs:
        check_values(doc[KEY[what]], expected(est, A, what), exact, what)
    doc = post({"features": dict(zip(NAMES, A[3].tolist()))})
    check_values([doc["prediction"]], expected(est, A[3:4], "predict"), exact, "predict")
    for dtype, np_dtype in (("float64", "<f8"), ("float32", "<f4"), ("<f8", "<f8")):
        B = np.ascontiguousarray(A, dtype=np_dtype)
        doc = post({"block": B.tobytes(), "dtype": dtype, "shape": list(B.shape), "outputs": outs})
        for what in outs:
            # float32 blocks: the engine sees the float32 values
            check_values(doc[KEY[what]], expected(est, B.astype(np.float64), what), exact, what)
    # JSON answer to a msgpack request when Accept says so
    status, body, hdr = c.request("POST", f"/models/{name}/predict", msgpack.packb({"instances": A[:5].tolist()}),
                                  {**mp, "Accept": "application/json"})
    assert hdr["content-type"] == "application/json"
    check_values(json.loads(body)["predictions"], expected(est, A[:5], "predict"), exact, "predict")


tritonclient_http = pytest.importorskip("tritonclient.http", reason="pip install tritonclient[http]")


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("dtype", ["FP32", "FP64"])
@pytest.mark.parametrize("binary_in,binary_out", [(False, False), (True, True), (True, False), (False, True)])
def test_v2_tritonclient(gw, name, dtype, binary_in, binary_out):
    est, exact = MODELS[name]
    A = rows().astype(np.float32 if dtype == "FP32" else np.float64)
    outs = outputs_of(est)
    client = tritonclient_http.InferenceServerClient(url=f"127.0.0.1:{gw.port}")
    try:
        assert client.is_server_live() and client.is_server_ready() and client.is_model_ready(name)
        meta = client.get_model_metadata(name)
        assert meta["name"] == name and meta["inputs"][0]["shape"] == [-1, 4]
        assert sorted(o["name"] for o in meta["outputs"]) == sorted(outs + explains(est))
        inp = tritonclient_http.InferInput("input-0", list(A.shape), dtype)
        inp.set_data_from_numpy(A, binary_data=binary_in)
        req_outs = [tritonclient_http.InferRequestedOutput(w, binary_data=binary_out) for w in outs]
        res = client.infer(name, [inp], outputs=req_outs, request_id="r-7")
        assert res.get_response()["id"] == "r-7"
        A64 = A.astype(np.float64)
        for what in outs:
            got = res.as_numpy(what)
            want = expected(est, A64, what)
            if name.startswith("xgb") and not (what == "predict" and hasattr(est, "classes_")):
                assert got.dtype == np.float32  # XGBoost's scores are float32: FP32 tensors
            if what == "predict":
                if got.dtype == object:  # BYTES
                    got = [g.decode() if isinstance(g, bytes) else g for g in got.tolist()]
                    assert got == [str(w) for w in want]
                else:
                    check_values(got.tolist(), want, exact, what)
            else:
                check_values(got, want, exact, what)
        # one tensor per feature, named by the model's feature names (columnar)
        cols = []
        for j, fname in enumerate(NAMES):
            t = tritonclient_http.InferInput(fname, [A.shape[0]], dtype)
            t.set_data_from_numpy(np.ascontiguousarray(A[:, j]), binary_data=binary_in)
            cols.append(t)
        res = client.infer(name, cols, outputs=[tritonclient_http.InferRequestedOutput("predict",
                                                                                      binary_data=binary_out)])
        got = res.as_numpy("predict")
        want = est.predict(A64).tolist()
        if got.dtype == object:
            assert [g.decode() if isinstance(g, bytes) else g for g in got.tolist()] == [str(w) for w in want]
        else:
            check_values(got.tolist(), want, exact, "predict")
    finally:
        client.close()
