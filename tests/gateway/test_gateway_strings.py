"""Models with string columns and ignored columns, served by the gateway.

A scikit-learn Pipeline (ColumnTransformer: imputer + OneHotEncoder on
"city", OrdinalEncoder on "size", StandardScaler on "x" and "y"; "id" is
dropped, so the model ignores it) before LogisticRegression and before
RandomForestClassifier, fitted on a DataFrame, exported with
skscore.export. Every row shape (features, instances, inputs; arrays and
objects keyed by name) over HTTP/1.1 JSON, msgpack and h2c, KServe V1 and
the Open Inference Protocol (JSON, and tritonclient with the binary
extension) must answer what the Pipeline itself answers on the same rows:
labels equal with their JSON type, the forest's probabilities
bit-identical, the linear model's within rtol 1e-9 (as the other gateway
tests). In a string column JSON null is Python's None and NaN is
float('nan'): scikit-learn tells them apart, and so does the gateway.
Errors: a number in a string column or a string in a numeric one is 400,
an unknown category for an OrdinalEncoder (handle_unknown='error') 422,
raw numeric blocks 422 (but they still work for a model whose only
non-numeric columns are ignored); the server keeps serving after each.

The gateway runs as the release build, and as the ASan+UBSan build when
$SKSCORE_GATEWAY_ASAN names one (as test_gateway_zoo.py): any sanitizer
report fails the test.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import SANITIZER_ENV, Gateway, asan_binary, sanitizer_reports
from gw_util import Client, strict_equal

skscore = pytest.importorskip("skscore")
pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")
msgpack = pytest.importorskip("msgpack")

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler  # noqa: E402

NAMES = ["city", "size", "x", "y", "id"]
J = {"Content-Type": "application/json"}
MP = {"Content-Type": "application/msgpack"}
KEY = {"predict": "predictions", "predict_proba": "probabilities"}


def frame(city, size, x, y, ids) -> pd.DataFrame:
    # object columns: pandas 3 would make "str" columns and turn None into NaN
    return pd.DataFrame({"city": pd.Series(list(city), dtype=object), "size": pd.Series(list(size), dtype=object),
                         "x": np.asarray(x, dtype=np.float64), "y": np.asarray(y, dtype=np.float64),
                         "id": pd.Series(list(ids), dtype=object)})


def train_frame() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    n = 300
    city = rng.choice(["paris", "oslo", "zürich", "lima"], n).astype(object)
    u = rng.random(n)
    city[u < 0.1] = None
    city[(u >= 0.1) & (u < 0.2)] = np.nan
    size = rng.choice(["S", "M", "L"], n)
    x, y = rng.normal(size=n), rng.normal(size=n)
    df = frame(city, size, x, y, [f"id{i}" for i in range(n)])
    target = np.where(x + (size == "L") - (city == "oslo") > 0.6, "high", np.where(y > 0, "mid", "low"))
    return df, target


def preprocess() -> ColumnTransformer:
    return ColumnTransformer([
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")), ["city"]),
        ("ord", OrdinalEncoder(), ["size"]),  # handle_unknown='error': unknown sizes are 422
        ("num", StandardScaler(), ["x", "y"]),
    ], remainder="drop")


TRAIN, TARGET = train_frame()
# name: (pipeline, exact)
MODELS = {
    "lr": (make_pipeline(preprocess(), LogisticRegression(max_iter=1000)).fit(TRAIN, TARGET == "high"), False),
    "rf": (make_pipeline(preprocess(), RandomForestClassifier(n_estimators=25, random_state=0)).fit(TRAIN, TARGET),
           True),
}
# Only "x" and "y" are read: city, size and id are ignored columns (no string column).
IGNORING = make_pipeline(ColumnTransformer([("num", StandardScaler(), ["x", "y"])], remainder="drop"),
                         LogisticRegression(max_iter=1000)).fit(TRAIN, TARGET)


def score_frame() -> pd.DataFrame:
    """Training rows and the cases: None, NaN, unknown cities (one-hot
    ignores them), the empty string, non-ASCII."""
    extra = frame(["berlin", None, np.nan, "", "zürich", "Paris", None],
                  ["S", "M", "L", "S", "M", "L", "L"],
                  [0.1, -0.2, 1.5, 0.0, 2.0, -1.0, 0.7], [1.0, 0.5, -0.5, 0.0, -2.0, 0.3, 0.2],
                  ["a", "b", "c", "d", "e", "f", "g"])
    return pd.concat([TRAIN.iloc[:60], extra], ignore_index=True)


ROWS = score_frame()


def rows_of(df: pd.DataFrame) -> list[list]:
    return [[r.city, r.size, float(r.x), float(r.y), r.id] for r in df.itertuples(index=False)]


def is_nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def expected(est, df: pd.DataFrame, what: str):
    return est.predict(df).tolist() if what == "predict" else est.predict_proba(df)


def check(doc: dict, est, exact: bool, df: pd.DataFrame, single: bool = False) -> None:
    want = expected(est, df, "predict")
    got = [doc["prediction"]] if single else doc["predictions"]
    assert strict_equal(got, want), (got, want)
    if "probabilities" in doc:
        assert doc["classes"] == est.classes_.tolist()
        p = np.asarray([doc["probabilities"]] if single else doc["probabilities"], dtype=np.float64)
        w = expected(est, df, "predict_proba")
        if exact:
            assert np.array_equal(p, w), np.abs(p - w).max()
        else:
            np.testing.assert_allclose(p, w, rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("strmodels")
    for name, (est, _) in MODELS.items():
        skscore.export(est, d / f"{name}.skm")
    skscore.export(IGNORING, d / "ign.skm")
    info = skscore.load(d / "lr.skm").info()
    assert info["string_columns"] == [0, 1] and info["ignored_columns"] == [4]
    info = skscore.load(d / "ign.skm").info()
    assert info["string_columns"] == [] and info["ignored_columns"] == [0, 1, 4]
    return d


@pytest.fixture(scope="module", params=["release", "asan"])
def gw(request, model_files):
    binary, env = (asan_binary(), SANITIZER_ENV) if request.param == "asan" else (None, None)
    g = Gateway(["--threads", "2", "--reload-interval", "0"]
                + [f"--model={n}={model_files / (n + '.skm')}" for n in (*MODELS, "ign")], env=env, binary=binary)
    yield g
    rc = g.stop()
    reports = sanitizer_reports(g)
    assert not reports, "".join(reports[:60])
    assert rc == 0


def bodies(df: pd.DataFrame):
    """(description, body) for every batch shape of df."""
    rows = rows_of(df)
    objs = [dict(zip(NAMES, r)) for r in rows]
    outs = ["predict", "predict_proba"]
    yield "instances arrays", {"instances": rows, "outputs": outs}
    yield "instances objects", {"instances": objs, "outputs": outs}
    yield "inputs arrays", {"inputs": rows, "outputs": outs}
    # ignored columns take anything; objects in any member order
    odd = [{**{k: o[k] for k in reversed(NAMES)}, "id": [7, True, None, "x", {"a": 1}][i % 5]}
           for i, o in enumerate(objs)]
    yield "inputs objects, odd ids", {"inputs": odd}


@pytest.mark.parametrize("name", list(MODELS))
def test_rows_http1_json(gw, name):
    est, exact = MODELS[name]
    c = Client(gw.url)
    for what, doc in bodies(ROWS):
        status, body, _ = c.post_json(f"/models/{name}/predict", doc)
        assert status == 200, (what, body)
        check(json.loads(body), est, exact, ROWS)
    # single rows, as arrays and as objects; the special rows are at the end
    for i in [0, 1, *range(len(ROWS) - 7, len(ROWS))]:
        row = rows_of(ROWS.iloc[i:i + 1])[0]
        for features in (row, dict(zip(NAMES, row))):
            status, body, _ = c.post_json(f"/models/{name}/predict",
                                          {"features": features, "outputs": ["predict", "predict_proba"]})
            assert status == 200, body
            check(json.loads(body), est, exact, ROWS.iloc[i:i + 1], single=True)
    # KServe V1
    status, body, _ = c.post_json(f"/v1/models/{name}:predict",
                                  {"instances": rows_of(ROWS), "outputs": ["predict", "predict_proba"]})
    assert status == 200, body
    check(json.loads(body), est, exact, ROWS)
    c.close()


def test_null_is_none_and_nan_is_nan(gw):
    """The imputer fills NaN with "missing"; None is a category of its own."""
    est, exact = MODELS["rf"]
    df = frame([None, np.nan], ["S", "S"], [0.3, 0.3], [0.1, 0.1], ["a", "a"])
    want = est.predict_proba(df)
    assert not np.array_equal(want[0], want[1])  # else this test shows nothing
    status, body, _ = Client(gw.url).request("POST", "/models/rf/predict",
                                             b'{"instances": [[null, "S", 0.3, 0.1, "a"], [NaN, "S", 0.3, 0.1, "a"]],'
                                             b' "outputs": ["predict_proba"]}', J)
    assert status == 200, body
    assert np.array_equal(np.asarray(json.loads(body)["probabilities"]), want)


@pytest.mark.parametrize("name", list(MODELS))
def test_rows_msgpack(gw, name):
    est, exact = MODELS[name]
    c = Client(gw.url)
    for what, doc in bodies(ROWS):
        status, body, hdr = c.request("POST", f"/models/{name}/predict", msgpack.packb(doc), MP)
        assert status == 200, (what, body)
        assert hdr["content-type"] == "application/msgpack"
        check(msgpack.unpackb(body), est, exact, ROWS)
    status, body, _ = c.request("POST", f"/models/{name}/predict",
                                msgpack.packb({"features": dict(zip(NAMES, rows_of(ROWS)[-3]))}), MP)
    assert status == 200, body
    check(msgpack.unpackb(body), est, exact, ROWS.iloc[-3:-2], single=True)
    c.close()


@pytest.mark.parametrize("name", list(MODELS))
def test_rows_h2c(gw, name):
    httpx = pytest.importorskip("httpx", reason="pip install httpx[http2]")
    pytest.importorskip("h2", reason="pip install httpx[http2]")
    est, exact = MODELS[name]
    with httpx.Client(http1=False, http2=True, base_url=gw.url, timeout=30) as c:
        for what, doc in bodies(ROWS):
            r = c.post(f"/models/{name}/predict", content=json.dumps(doc).encode(), headers=J)
            assert r.http_version == "HTTP/2" and r.status_code == 200, (what, r.text)
            check(r.json(), est, exact, ROWS)
            r = c.post(f"/models/{name}/predict", content=msgpack.packb(doc), headers=MP)
            assert r.status_code == 200, (what, r.content)
            check(msgpack.unpackb(r.content), est, exact, ROWS)


def v2_columns(df: pd.DataFrame, shape_1: bool = False) -> list[dict]:
    """One tensor per feature: BYTES for strings (null: None), FP64, and the
    ignored "id" as INT64 (any datatype)."""
    n = len(df)
    shape = [n, 1] if shape_1 else [n]
    return [{"name": "city", "shape": shape, "datatype": "BYTES", "data": df.city.tolist()},
            {"name": "size", "shape": shape, "datatype": "BYTES", "data": df["size"].tolist()},
            {"name": "x", "shape": shape, "datatype": "FP64", "data": df.x.tolist()},
            {"name": "y", "shape": shape, "datatype": "BYTES", "data": [repr(v) for v in df.y]},
            {"name": "id", "shape": shape, "datatype": "INT64", "data": list(range(n))}]


def v2_outputs(doc: dict, est) -> dict:
    out = {o["name"]: o for o in doc["outputs"]}
    n = out["predict"]["shape"][0]
    return {"predictions": out["predict"]["data"], "classes": est.classes_.tolist(),
            "probabilities": np.asarray(out["predict_proba"]["data"]).reshape(n, -1).tolist()}


@pytest.mark.parametrize("name", list(MODELS))
def test_v2_json(gw, name):
    est, exact = MODELS[name]
    df = ROWS[[not is_nan(v) for v in ROWS.city]]  # BYTES elements are strings or null
    c = Client(gw.url)
    outs = [{"name": "predict"}, {"name": "predict_proba"}]
    # one BYTES tensor [rows, features], numbers written as text; per-feature tensors (MLServer's pandas codec)
    table = [[r[0], r[1], repr(r[2]), repr(r[3]), r[4]] for r in rows_of(df)]
    for inputs in ([{"name": "input-0", "shape": [len(df), 5], "datatype": "BYTES", "data": table}],
                   v2_columns(df), v2_columns(df, shape_1=True)):
        status, body, _ = c.post_json(f"/v2/models/{name}/infer", {"inputs": inputs, "outputs": outs})
        assert status == 200, body
        got = v2_outputs(json.loads(body), est)
        if name == "lr":  # bool labels: V2 BOOL data
            assert got["predictions"] == est.predict(df).tolist()
            got["predictions"] = [bool(v) for v in got["predictions"]]
        check(got, est, exact, df)
    c.close()


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("binary", [False, True])
def test_v2_tritonclient(gw, name, binary):
    tc = pytest.importorskip("tritonclient.http", reason="pip install tritonclient[http]")
    est, exact = MODELS[name]
    df = ROWS[[isinstance(v, str) for v in ROWS.city]]  # tritonclient sends no None in BYTES
    n = len(df)
    client = tc.InferenceServerClient(url=f"127.0.0.1:{gw.port}")
    try:
        meta = client.get_model_metadata(name)
        assert [(i["name"], i["datatype"]) for i in meta["inputs"]] == [
            ("city", "BYTES"), ("size", "BYTES"), ("x", "FP64"), ("y", "FP64"), ("id", "BYTES")]
        inputs = []
        np_dtype = {"BYTES": object, "FP32": np.float32, "FP64": np.float64}
        for col, dtype in (("city", "BYTES"), ("size", "BYTES"), ("x", "FP32"), ("y", "FP64"), ("id", "BYTES")):
            t = tc.InferInput(col, [n, 1], dtype)
            t.set_data_from_numpy(df[col].to_numpy(dtype=np_dtype[dtype]).reshape(n, 1), binary_data=binary)
            inputs.append(t)
        res = client.infer(name, inputs, outputs=[tc.InferRequestedOutput(w, binary_data=binary)
                                                  for w in ("predict", "predict_proba")])
        # the engine sees x as float32 values, as sent
        sent = df.assign(x=df.x.to_numpy(np.float32).astype(np.float64))
        got = res.as_numpy("predict").tolist()
        want = est.predict(sent).tolist()
        assert [g.decode() if isinstance(g, bytes) else g for g in got] == want
        p, w = res.as_numpy("predict_proba"), est.predict_proba(sent)
        if exact:
            assert np.array_equal(p, w)
        else:
            np.testing.assert_allclose(p, w, rtol=1e-9, atol=1e-12)
    finally:
        client.close()


def test_metadata(gw):
    c = Client(gw.url)
    status, body, _ = c.request("GET", "/v1/models/lr")
    meta = json.loads(body)
    assert status == 200 and meta["feature_names"] == NAMES
    assert meta["feature_types"] == ["string", "string", "number", "number", "ignored"]
    status, body, _ = c.request("GET", "/v1/models/ign")
    assert json.loads(body)["feature_types"] == ["ignored", "ignored", "number", "number", "ignored"]
    status, body, _ = c.request("GET", "/v2/models/rf")
    assert [(i["name"], i["datatype"], i["shape"]) for i in json.loads(body)["inputs"]] == [
        ("city", "BYTES", [-1]), ("size", "BYTES", [-1]), ("x", "FP64", [-1]), ("y", "FP64", [-1]),
        ("id", "BYTES", [-1])]
    status, body, _ = c.request("GET", "/v2/models/ign")  # no string column: one numeric input, as before
    assert json.loads(body)["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, 5]}]
    c.close()


def test_blocks(gw):
    """Blocks hold numbers: 422 for a model with string columns; a model
    whose only non-numeric columns are ignored takes them, and takes
    anything in those columns from rows and V2 tensors."""
    c = Client(gw.url)
    X = np.ascontiguousarray(ROWS[["x", "y"]].to_numpy())
    block = np.c_[np.full(len(X), 3.0), np.zeros(len(X)), X, np.full(len(X), np.nan)]  # junk in ignored columns
    doc = {"block": block.tobytes(), "dtype": "float64", "shape": list(block.shape),
           "outputs": ["predict", "predict_proba"]}
    status, body, _ = c.request("POST", "/models/rf/predict", msgpack.packb(doc), MP)
    assert status == 422, body
    assert "string columns" in json.loads(body)["error"]
    status, body, _ = c.request("POST", "/models/ign/predict", msgpack.packb(doc), MP)
    assert status == 200, body
    check(msgpack.unpackb(body), IGNORING, False, ROWS)
    rows = [[[1, 2], None, r[2], r[3], True] for r in rows_of(ROWS)]
    status, body, _ = c.post_json("/models/ign/predict", {"instances": rows, "outputs": ["predict", "predict_proba"]})
    assert status == 200, body
    check(json.loads(body), IGNORING, False, ROWS)
    df = ROWS[[not is_nan(v) for v in ROWS.city]]
    table = [[r[0], r[1], repr(r[2]), repr(r[3]), r[4]] for r in rows_of(df)]
    for inputs in ([{"name": "input-0", "shape": [len(df), 5], "datatype": "BYTES", "data": table}],
                   v2_columns(df),
                   [{"name": "input-0", "shape": list(block.shape), "datatype": "FP64", "data": block.tolist()}]):
        status, body, _ = c.post_json("/v2/models/ign/infer",
                                      {"inputs": inputs, "outputs": [{"name": "predict"}, {"name": "predict_proba"}]})
        assert status == 200, body
        want = df if inputs[0]["datatype"] == "BYTES" else ROWS
        check(v2_outputs(json.loads(body), IGNORING), IGNORING, False, want)
    c.close()


GOOD = ["paris", "S", 0.1, 1.0, "a"]
BAD: list[tuple] = [
    # (route, content type, body, status, words in the error)
    ("/models/lr/predict", J, {"features": ["paris", "XL", 0.1, 1.0, "a"]}, 422,
     "Found unknown categories ['XL'] in column 1 (\"size\")"),
    ("/models/rf/predict", J, {"instances": [GOOD, ["paris", "XL", 0.1, 1.0, "a"]]}, 422, "(row 1)"),
    ("/v1/models/rf:predict", J, {"instances": [{"city": "x", "size": "", "x": 0, "y": 0, "id": 0}]}, 422,
     "unknown categories"),
    ("/models/lr/predict", J, {"features": [1, "S", 0.1, 1.0, "a"]}, 400,
     'features[0] ("city") is a number, not a string'),
    ("/models/lr/predict", J, {"features": [True, "S", 0.1, 1.0, "a"]}, 400, "a boolean, not a string"),
    ("/models/lr/predict", J, {"features": [["paris"], "S", 0.1, 1.0, "a"]}, 400, "an array, not a string"),
    ("/models/lr/predict", J, {"features": ["paris", "S", "0.1", 1.0, "a"]}, 400,
     'features[2] ("x") is a string, not a number'),
    ("/models/rf/predict", J, {"instances": [GOOD, dict(zip(NAMES, ["paris", 3, 0.1, 1.0, "a"]))]}, 400,
     "rows must all be arrays or all objects"),
    ("/models/rf/predict", J, {"instances": [dict(zip(NAMES, ["paris", 3, 0.1, 1.0, "a"]))]}, 400,
     'instances[0]["size"] is a number, not a string'),
    ("/models/rf/predict", J, {"inputs": [dict(zip(NAMES, ["paris", "S", "x", 1.0, "a"]))]}, 400,
     'inputs[0]["x"] is a string, not a number'),
    ("/models/rf/predict", MP, {"features": ["paris", "S", b"\x00" * 8, 1.0, "a"]}, 400, "binary data, not a number"),
    ("/models/rf/predict", MP, {"features": [b"paris", "S", 0.1, 1.0, "a"]}, 400, "binary data, not a string"),
    ("/models/rf/predict", J, {"features": ["paris", "S", 0.1, 1.0]}, 422, "X has 4 features"),
    ("/models/rf/predict", J, {"features": [*GOOD, 1]}, 422, "X has 6 features"),
    ("/models/rf/predict", J, {"features": dict(zip(NAMES[:4], GOOD))}, 422, 'missing feature "id"'),
    ("/models/lr/predict", J, {"features": ["paris", "S", 0.1, None, "a"]}, 422, "NaN"),
    ("/models/rf/predict", MP, {"block": b"\x00" * 40, "dtype": "float64", "shape": [1, 5]}, 422,
     "send rows (instances/inputs) instead of a numeric block"),
    ("/v2/models/rf/infer", J, {"inputs": [{"name": "input-0", "shape": [1, 5], "datatype": "FP64",
                                            "data": [1, 2, 3, 4, 5]}]}, 422, "one BYTES input"),
    ("/v2/models/rf/infer", J, {"inputs": [{"name": "input-0", "shape": [1, 5], "datatype": "BYTES",
                                            "data": ["paris", "XL", "0.1", "1", "a"]}]}, 422, "unknown categories"),
    ("/v2/models/rf/infer", J, {"inputs": [{"name": "input-0", "shape": [1, 5], "datatype": "BYTES",
                                            "data": ["paris", "S", "0.1x", "1", "a"]}]}, 400,
     "BYTES element 2 is not a number written as text"),
    ("/v2/models/rf/infer", J, {"inputs": [{"name": "input-0", "shape": [1, 5], "datatype": "BYTES",
                                            "data": ["paris", "S", 0.1, "1", "a"]}]}, 400, "not a string"),
    ("/v2/models/rf/infer", J, {"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "BYTES",
                                            "data": ["paris", "S", "0.1", "1"]}]}, 422, "X has 4 features"),
    ("/v2/models/rf/infer", J, {"inputs": [{**t, "datatype": "FP64", "data": [1.0]} if t["name"] == "city" else t
                                           for t in v2_columns(ROWS.iloc[:1])]}, 400,
     'input "city" is FP64, but that feature takes strings'),
    ("/v2/models/rf/infer", J, {"inputs": [{**t, "data": [None]} if t["name"] == "y" else t
                                           for t in v2_columns(ROWS.iloc[:1])]}, 400, "not a number written as text"),
    ("/v2/models/rf/infer", J, {"inputs": v2_columns(ROWS.iloc[:1])[:4]}, 422, "the model takes 5 features"),
    ("/v2/models/rf/infer", J, {"inputs": [{**t, "shape": [1], "data": t["data"][:1]} if t["name"] == "size" else t
                                           for t in v2_columns(ROWS.iloc[:2])]}, 422, 'input "size" must have shape'),
]


def _bad_body(ctype, doc) -> bytes:
    return msgpack.packb(doc) if ctype is MP else json.dumps(doc).encode()


def test_bad_requests_http1(gw):
    c = Client(gw.url)  # one keep-alive connection: a refusal must not break it
    for path, ctype, doc, status, words in BAD:
        got, body, _ = c.request("POST", path, _bad_body(ctype, doc), ctype)
        err = json.loads(body).get("error", body.decode())
        assert (got, words in err) == (status, True), (path, doc, got, err)
        got, body, _ = c.post_json("/models/rf/predict", {"features": GOOD})
        assert got == 200, body
    c.close()


def test_bad_requests_h2c(gw):
    httpx = pytest.importorskip("httpx", reason="pip install httpx[http2]")
    pytest.importorskip("h2", reason="pip install httpx[http2]")
    with httpx.Client(http1=False, http2=True, base_url=gw.url, timeout=30) as c:
        for path, ctype, doc, status, words in BAD:
            r = c.post(path, content=_bad_body(ctype, doc), headers=ctype)
            assert (r.status_code, words in r.json()["error"]) == (status, True), (path, doc, r.text)
        r = c.post("/models/lr/predict", content=json.dumps({"features": GOOD}).encode(), headers=J)
        assert r.status_code == 200 and r.http_version == "HTTP/2"
