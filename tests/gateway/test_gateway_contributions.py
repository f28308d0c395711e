"""Contributions (TreeSHAP) from the gateway: KServe V1 ``:explain``, the
``contributions`` output on the seed and V1 routes (body ``outputs`` or
``?outputs=``), and the Open Inference Protocol V2 output of that name,
in JSON and msgpack -- each the bits ``m.contributions`` gives in Python
for the same file and rows. Models that cannot explain answer 422 (as any output a model does not
have) with the engine's reason, and the server keeps serving.
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
pd = pytest.importorskip("pandas")

from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures  # noqa: E402

IRIS = load_iris(as_frame=True)
CANCER = load_breast_cancer()
MP = {"Content-Type": "application/msgpack", "Accept": "application/msgpack"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    d = tmp_path_factory.mktemp("contrib")
    Xc, yc = CANCER.data, CANCER.target
    rng = np.random.default_rng(0)
    shop = pd.DataFrame({"city": rng.choice(["paris", "lima", "oslo"], 400).astype(object),
                         "spend": rng.normal(50, 20, 400)})
    models = {
        "gb": GradientBoostingClassifier(n_estimators=30, random_state=0).fit(Xc, yc),  # (n, F+1)
        "forest": RandomForestClassifier(20, max_depth=6, random_state=0).fit(IRIS.data, IRIS.target),
        "shop": make_pipeline(make_column_transformer((OneHotEncoder(), ["city"]), remainder="passthrough"),
                              RandomForestClassifier(10, random_state=0)).fit(shop, shop.spend > 50),
        "linear": LogisticRegression(max_iter=5000).fit(Xc, yc),
        "poly": make_pipeline(PolynomialFeatures(2), RandomForestClassifier(5, random_state=0)).fit(Xc[:, :3], yc),
    }
    args = ["--threads", "1", "--reload-interval", "0"]
    loaded = {}
    for name, est in models.items():
        path = d / f"{name}.skm"
        skscore.export(est, path)
        loaded[name] = skscore.load(path)
        args.append(f"--model={name}={path}")
    g = Gateway(args)
    yield g, loaded, shop
    assert g.stop() == 0


def test_v1_explain_gives_predictions_and_contributions(served):
    g, loaded, _ = served
    m = loaded["gb"]
    X = CANCER.data[:25]
    status, body, _ = Client(g.url).post_json("/v1/models/gb:explain", {"instances": X.tolist()})
    assert status == 200, body
    doc = json.loads(body)
    assert doc["predictions"] == m.predict(X).tolist()
    got = np.asarray(doc["contributions"])
    want = m.contributions(X)
    assert got.shape == want.shape == (25, 31)
    assert np.array_equal(got, want)  # JSON doubles round-trip exactly
    # fitted on an array: no feature names, the engine's x<i>
    assert doc["contribution_names"] == [f"x{i}" for i in range(30)] + ["bias"]


def test_multiclass_rows_hold_one_array_per_class(served):
    g, loaded, _ = served
    m = loaded["forest"]
    X = IRIS.data.iloc[:12]
    c = Client(g.url)
    status, body, _ = c.post_json("/models/forest/predict?outputs=predict_proba,contributions",
                                  {"instances": X.to_numpy().tolist()})
    assert status == 200, body
    doc = json.loads(body)
    got = np.asarray(doc["contributions"])
    assert got.shape == (12, 3, 5)
    assert np.array_equal(got, m.contributions(X.to_numpy()))
    assert doc["contribution_names"] == [*IRIS.data.columns, "bias"]
    # one row, the seed's shape: that row's contributions
    status, body, _ = c.post_json("/models/forest/predict",
                                  {"features": X.iloc[0].tolist(), "outputs": ["contributions"]})
    assert status == 200, body
    assert np.array_equal(np.asarray(json.loads(body)["contributions"]), m.contributions(X.iloc[:1].to_numpy())[0])


def test_msgpack_and_string_columns_are_per_input_column(served):
    g, loaded, shop = served
    m = loaded["shop"]
    rows = shop.iloc[:9]
    status, body, _ = Client(g.url).request(
        "POST", "/v1/models/shop:explain",
        msgpack.packb({"instances": [{"city": r.city, "spend": float(r.spend)} for r in rows.itertuples()]}), MP)
    assert status == 200, body
    doc = msgpack.unpackb(body)
    got = np.asarray(doc["contributions"])
    want = m.contributions(rows)
    assert got.shape == want.shape == (9, 2, 3)  # city (its one-hot columns summed), spend, bias
    assert np.array_equal(got, want)
    assert doc["contribution_names"] == ["city", "spend", "bias"]


def test_v2_output_and_metadata(served):
    g, loaded, _ = served
    m = loaded["forest"]
    X = IRIS.data.to_numpy()[:7]
    c = Client(g.url)
    status, body, _ = c.request("GET", "/v2/models/forest")
    meta = {o["name"]: o for o in json.loads(body)["outputs"]}
    assert meta["contributions"] == {"name": "contributions", "datatype": "FP64", "shape": [-1, 3, 5]}
    infer = {"inputs": [{"name": "input-0", "shape": list(X.shape), "datatype": "FP64",
                         "data": X.ravel().tolist()}],
             "outputs": [{"name": "predict"}, {"name": "contributions"}]}
    status, body, _ = c.post_json("/v2/models/forest/infer", infer)
    assert status == 200, body
    out = {o["name"]: o for o in json.loads(body)["outputs"]}
    assert out["contributions"]["shape"] == [7, 3, 5]
    want = m.contributions(X)
    assert np.array_equal(np.asarray(out["contributions"]["data"]).reshape(want.shape), want)
    # the binary extension: the same float64s, little-endian
    infer["outputs"] = [{"name": "contributions", "parameters": {"binary_data": True}}]
    status, body, hdrs = c.post_json("/v2/models/forest/infer", infer)
    assert status == 200, body
    n = int(hdrs["inference-header-content-length"])
    header = json.loads(body[:n])
    raw = body[n:]
    assert header["outputs"][0]["parameters"]["binary_data_size"] == len(raw) == want.size * 8
    assert np.array_equal(np.frombuffer(raw, "<f8").reshape(want.shape), want)
    # a model that cannot explain lists no such output
    status, body, _ = c.request("GET", "/v2/models/linear")
    assert "contributions" not in {o["name"] for o in json.loads(body)["outputs"]}


@pytest.mark.parametrize("name, words", [
    ("linear", "tree models"),
    ("poly", "several input columns"),
])
def test_models_that_cannot_explain_say_why(served, name, words):
    g, _, _ = served
    c = Client(g.url)
    X = CANCER.data[:2, :3] if name == "poly" else CANCER.data[:2]
    for path, doc in ((f"/v1/models/{name}:explain", {"instances": X.tolist()}),
                      (f"/models/{name}/predict", {"instances": X.tolist(), "outputs": ["contributions"]})):
        status, body, _ = c.post_json(path, doc)
        assert status == 422, (path, body)  # as any output the model does not have
        assert words in json.loads(body)["error"], body
    status, body, _ = c.post_json(f"/v1/models/{name}:predict", {"instances": X.tolist()})
    assert status == 200, body  # still serving


def test_bad_explain_requests_are_4xx(served):
    g, _, _ = served
    c = Client(g.url)
    cases = [
        ("/v1/models/gb:explain", b"{not json", 400),
        ("/v1/models/gb:explain", json.dumps({"instances": [[1.0, 2.0]]}).encode(), 422),  # 2 of 30 features
        ("/v1/models/gb:explain", json.dumps({"instances": []}).encode(), 400),
        ("/v1/models/nope:explain", json.dumps({"instances": [[0.0] * 30]}).encode(), 404),
        ("/v1/models/gb:explain", json.dumps({"instances": [[0.0] * 30], "outputs": ["shapley"]}).encode(), 400),
    ]
    for path, body, want in cases:
        status, answer, _ = c.request("POST", path, body, {"Content-Type": "application/json"})
        assert status == want, (path, body, answer)
        assert "error" in json.loads(answer)
    status, _, hdrs = c.request("GET", "/v1/models/gb:explain")
    assert status == 405 and hdrs.get("allow") == "POST"
    status, body, _ = c.post_json("/v1/models/gb:explain", {"instances": [[0.0] * 30]})
    assert status == 200, body  # still serving
