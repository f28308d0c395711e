"""The bad-request corpus: every case is a request the gateway must refuse
with the right 4xx status and a JSON body {"error": "..."} (405s also name
the right method in Allow). The corpus is replayed over HTTP/1.1 (one
keep-alive connection: a refused request must not break the connection) and
over HTTP/2 (httpx, prior knowledge, one connection); afterwards the server
still answers a good request and the process is alive.

With $SKSCORE_GATEWAY_ASAN pointing at an ASan+UBSan build of the gateway
(cmake -DSKS_SANITIZE=ON; CI sets it), the corpus is replayed against that
binary too, and any sanitizer report in its stderr fails the test.

The gateway here runs with --max-body-bytes 200000 and --max-rows 100.
Bodies above h2o's own hard limit (2 x max-body + 1 MiB) are not in the
corpus: h2o 2.2.5 refuses those itself (HTTP/1.1: a text/plain 413 and a
closed connection; HTTP/2: a stream reset) -- test_over_h2o_hard_limit
checks the server survives them.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from conftest import SANITIZER_ENV, Gateway, asan_binary, sanitizer_reports
from gw_util import Client, status_bytes

msgpack = pytest.importorskip("msgpack")

MAX_BODY = 200_000
MAX_ROWS = 100
J = {"Content-Type": "application/json"}
M = {"Content-Type": "application/msgpack"}
GOOD_ROW = [5.1, 3.5, 1.4, 0.2]
NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def mp(obj) -> bytes:
    return msgpack.packb(obj)


def v2(inputs, **extra) -> bytes:
    return json.dumps({"inputs": inputs, **extra}).encode()


def t(shape, data, dt="FP64", name="input-0", **kw):
    d = {"name": name, "shape": shape, "datatype": dt, "data": data}
    d.update(kw)
    return d


# (id, method, path, headers, body, status[, allow])
CASES: list[tuple] = []


def case(cid, method, path, headers, body, status, allow=None):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    CASES.append((cid, method, path, headers, body, status, allow))


# ---- invalid JSON: 400
for i, b in enumerate([
    b"", b"{", b"}", b"[", b"]", b'{"features": [5.1, 3.5', b'{"features": [1, 2, 3, 4],}', b'{"features" [1,2,3,4]}',
    b"{'features': [1, 2, 3, 4]}", b'{"features": [1, 2, 3, 4]} x', b'{"features": [1, 2, 3, 4]}{}',
    b'{"features": [1, 2, 3, 4]}\x00', b'{"features": [1,, 2, 3, 4]}', b'{"features": [01, 2, 3, 4]}',
    b'{"features": [.5, 2, 3, 4]}', b'{"features": [1., 2, 3, 4]}', b'{"features": [-, 2, 3, 4]}',
    b'{"features": [+1, 2, 3, 4]}', b'{"features": [1e, 2, 3, 4]}', b'{"features": [0x10, 2, 3, 4]}',
    b'{"features": [nan, 2, 3, 4]}', b'{"features": [Infinityx, 2, 3, 4]}', b'{"features": [inf, 2, 3, 4]}',
    b'{"features": [1, 2, 3, 4]} // c', b'{"fea\x01tures": [1, 2, 3, 4]}', b'{"features\\x": [1, 2, 3, 4]}',
    b'{"\\ud800": 1, "features": [1, 2, 3, 4]}', b'{"\xff\xfe": 1, "features": [1, 2, 3, 4]}',
    b'\xef\xbb\xbf{"features": [1, 2, 3, 4]}', b"[" * 65 + b"]" * 65, b"[" * 100000, b'{"a":' * 70 + b"1" + b"}" * 70,
    b'{"features": [1e400, 2, 3, 4]}', b'{"features": [-1e400, 2, 3, 4]}',
    b'{"features": [' + b"1" * 1200 + b", 2, 3, 4]}", b'{"features": [0.' + b"0" * 1200 + b"1, 2, 3, 4]}",
    b'{"features": tru}', b'{"features": [1, 2, 3, 4]', b'"features"', b"null", b"123", b"true",
]):
    case(f"json-syntax-{i}", "POST", "/predict", J, b, 400)

# ---- JSON that is valid but not a request: 400
for i, doc in enumerate([
    {}, {"feature": GOOD_ROW}, {"features": None}, {"features": "5.1,3.5,1.4,0.2"}, {"features": 5.1},
    {"features": [1, 2, "x", 4]}, {"features": [1, 2, "3", 4]}, {"features": [1, 2, True, 4]},
    {"features": [[1], 2, 3, 4]}, {"features": [{"a": 1}, 2, 3, 4]}, {"instances": []}, {"instances": 5},
    {"instances": "x"}, {"instances": [GOOD_ROW, dict(zip(NAMES, GOOD_ROW))]}, {"features": GOOD_ROW, "outputs": ["nope"]},
    {"features": GOOD_ROW, "outputs": 7}, {"features": GOOD_ROW, "outputs": [1]}, {"instances": [[1, 2, "a", 4]]},
    [GOOD_ROW], {"inputs": {"x": 1}},
]):
    case(f"json-shape-{i}", "POST", "/predict", J, json.dumps(doc), 400)
case("query-outputs-unknown", "POST", "/predict?outputs=predict,nope", J, json.dumps({"features": GOOD_ROW}), 400)

# ---- rows the model cannot take: 422
for i, doc in enumerate([
    {"features": [1, 2, 3]}, {"features": [1, 2, 3, 4, 5]}, {"features": []}, {"instances": [[1, 2, 3, 4], [1, 2, 3]]},
    {"instances": [[]]}, {"features": {"nope": 1}}, {"features": dict(zip(NAMES[:3], GOOD_ROW))},
    {"features": {**dict(zip(NAMES, GOOD_ROW)), "extra": 1}},
    {"features": GOOD_ROW, "outputs": ["decision_function"]},
]):
    case(f"rows-{i}", "POST", "/predict", J, json.dumps(doc), 422)
case("rows-dup-name", "POST", "/predict", J,
     '{"features": {"sepal length (cm)": 1, "sepal length (cm)": 2, "sepal width (cm)": 3, '
     '"petal length (cm)": 4, "petal width (cm)": 5}}', 422)
case("rows-nan-tree", "POST", "/predict", J, '{"features": [1, 2, 3, NaN]}', 422)
case("rows-inf-tree", "POST", "/predict", J, '{"features": [1, 2, 3, Infinity]}', 422)
case("rows-f32-overflow-tree", "POST", "/predict", J, '{"features": [1, 2, 3, 1e39]}', 422)
case("rows-nan-linear", "POST", "/models/logreg/predict", J, '{"features": [1, 2, 3, NaN]}', 422)
case("rows-null-linear", "POST", "/models/reg/predict", J, '{"features": [1, 2, 3, null]}', 422)
case("rows-proba-regressor", "POST", "/models/reg/predict", J,
     json.dumps({"features": GOOD_ROW, "outputs": ["predict_proba"]}), 422)
case("rows-scores-classifier", "POST", "/predict", J,
     json.dumps({"features": GOOD_ROW, "outputs": ["score_samples"]}), 422)
case("rows-scores-query", "POST", "/predict?outputs=score_samples", J, json.dumps({"features": GOOD_ROW}), 422)
case("rows-v1-count", "POST", "/v1/models/iris:predict", J, json.dumps({"instances": [[1, 2, 3]]}), 422)

# ---- limits: 413
case("rows-over-limit", "POST", "/predict", J, json.dumps({"instances": [GOOD_ROW] * (MAX_ROWS + 1)}), 413)
case("rows-over-limit-v1", "POST", "/v1/models/iris:predict", J,
     json.dumps({"instances": [GOOD_ROW] * (MAX_ROWS + 1)}), 413)
case("rows-over-limit-msgpack", "POST", "/predict", M, mp({"instances": [GOOD_ROW] * (MAX_ROWS + 1)}), 413)
case("rows-over-limit-block", "POST", "/predict", M,
     mp({"block": b"\0" * 8 * 4 * (MAX_ROWS + 1), "dtype": "float64", "shape": [MAX_ROWS + 1, 4]}), 413)
case("rows-over-limit-v2", "POST", "/v2/models/iris/infer", J, v2([t([MAX_ROWS + 1, 4], [1.0] * 4 * (MAX_ROWS + 1))]),
     413)
case("body-over-limit", "POST", "/predict", J, b'{"features": [1, 2, 3, 4]}' + b" " * MAX_BODY, 413)
case("body-over-limit-2x", "POST", "/predict", J, b" " * (2 * MAX_BODY), 413)
case("body-over-limit-msgpack", "POST", "/predict", M, b"\0" * (MAX_BODY + 1), 413)
case("body-over-limit-v2", "POST", "/v2/models/iris/infer", J, b" " * (MAX_BODY + 1), 413)

# ---- content types: 415 (no Content-Type, curl -d's form type and
# text/plain are read as JSON: test_gateway_content_types.py)
for i, ct in enumerate(["text/csv", "application/xml", "multipart/form-data; boundary=x", "application/jsonx",
                        "json", "application/octet-stream", "image/png", "application/protobuf", "text/html",
                        "text/plainx", "application/x-www-form-urlencodedx", "text/json"]):
    case(f"ctype-{i}", "POST", "/predict", {"Content-Type": ct}, json.dumps({"features": GOOD_ROW}), 415)
case("ctype-v1", "POST", "/v1/models/iris:predict", {"Content-Type": "text/csv"}, b'{"instances": []}', 415)
case("ctype-v2-msgpack", "POST", "/v2/models/iris/infer", M, mp({"inputs": []}), 415)
case("ctype-v2-csv", "POST", "/v2/models/iris/infer", {"Content-Type": "text/csv"}, b"5.1,3.5,1.4,0.2", 415)

# ---- bodies read as JSON that are not JSON: 400 (saying what to send)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
for i, (hdrs, b) in enumerate([
    (FORM, b"features=5.1&features=3.5"), (FORM, b""), ({}, b"5.1,3.5,1.4,0.2"), ({}, b""),
    ({"Content-Type": "text/plain"}, b"features: 5.1 3.5 1.4 0.2"), ({"Content-Type": ""}, b"x"),
    (FORM, mp({"features": GOOD_ROW})), ({}, mp({"features": GOOD_ROW})),
]):
    for route in ("/predict", "/v1/models/iris:predict", "/v2/models/iris/infer"):
        case(f"as-json-{i}-{route.split('/')[1]}", "POST", route, hdrs, b, 400)
case("json-as-msgpack", "POST", "/predict", M, json.dumps({"features": GOOD_ROW}), 400)
case("msgpack-as-json", "POST", "/predict", J, mp({"features": GOOD_ROW}), 400)
case("msgpack-as-json-v2", "POST", "/v2/models/iris/infer", J, mp({"inputs": []}), 400)

# ---- msgpack: 400 / 422
for i, b in enumerate([
    b"\xc1", b"\x81", b"\x81\xa8features", b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff",
    mp({"features": GOOD_ROW}) + b"\x00", b"\xd4\x01\x00", mp({"features": [1, 2, 3, 4], "x": msgpack.ExtType(5, b"ab")}),
    b"\x81\xa2\xff\xfe\x01", b"\x91" * 100 + b"\xc0", mp({1: 2}), mp({"features": "x"}), mp({"features": [1, 2, b"x", 4]}),
    mp({"block": b"\0" * 31, "dtype": "float64", "shape": [1, 4]}),
    mp({"block": b"\0" * 32, "dtype": "int8", "shape": [1, 4]}),
    mp({"block": b"\0" * 32, "dtype": "float64", "shape": "1,4"}),
    mp({"block": "abcd", "dtype": "float64", "shape": [1, 4]}),
    mp({"block": b"\0" * 32, "dtype": "float64", "shape": [-1, 4]}),
    mp({"block": b"\0" * 32, "dtype": "float64", "shape": [1, 2, 2]}),
    mp({"block": b"\0" * 32, "shape": [1, 4]}),
    mp({"instances": []}), b"",
]):
    case(f"msgpack-{i}", "POST", "/predict", M, b, 400)
case("msgpack-block-cols", "POST", "/predict", M, mp({"block": b"\0" * 24, "dtype": "float64", "shape": [1, 3]}), 422)
case("msgpack-nan-linear", "POST", "/models/logreg/predict", M, mp({"features": [1.0, 2.0, 3.0, float("nan")]}), 422)
case("msgpack-block-nan-linear", "POST", "/models/reg/predict", M,
     mp({"block": struct.pack("<4d", 1, 2, 3, float("nan")), "dtype": "float64", "shape": [1, 4]}), 422)

# ---- Open Inference Protocol V2: 400 / 422
V2P = "/v2/models/iris/infer"
for i, body in enumerate([
    v2([]), json.dumps({"id": "x"}).encode(), v2([t([1, 4], [1.0, 2.0, 3.0])]), v2([t([1, 4], GOOD_ROW, "FP16")]),
    v2([t([1, 4], GOOD_ROW, "FLOAT")]), v2([t([1, 4], ["a", "b", "c", "d"], "FP32")]),
    v2([t([1, 4], ["5.1", "x", "1", "2"], "BYTES")]), v2([t([1, 4], "1,2,3,4")]), v2([t([-1, 4], GOOD_ROW)]),
    v2([{"name": "x", "datatype": "FP64", "data": GOOD_ROW}]), v2([{"name": "x", "shape": [1, 4], "data": GOOD_ROW}]),
    v2([t([1, 4], GOOD_ROW)], outputs=[{"name": "nope"}]), v2([t([1, 4], [True, 1, 2, 3])]),
    v2([t([1, 4], None, parameters={"binary_data_size": 999})]), v2("x"),
]):
    case(f"v2-{i}", "POST", V2P, J, body, 400)
hdr = v2([t([1, 4], None, parameters={"binary_data_size": 32})]).replace(b', "data": null', b"")
case("v2-bin-short", "POST", V2P, {"Inference-Header-Content-Length": str(len(hdr))}, hdr + b"\0" * 16, 400)
case("v2-bin-long", "POST", V2P, {"Inference-Header-Content-Length": str(len(hdr))}, hdr + b"\0" * 40, 400)
case("v2-ihcl-over", "POST", V2P, {"Inference-Header-Content-Length": "100000"}, hdr + b"\0" * 32, 400)
case("v2-ihcl-text", "POST", V2P, {"Inference-Header-Content-Length": "abc"}, hdr + b"\0" * 32, 400)
case("v2-ihcl-neg", "POST", V2P, {"Inference-Header-Content-Length": "-5"}, hdr + b"\0" * 32, 400)
case("v2-ihcl-zero", "POST", V2P, {"Inference-Header-Content-Length": "0"}, b"\0" * 32, 400)
case("v2-ihcl-cut-json", "POST", V2P, {"Inference-Header-Content-Length": "10"}, hdr + b"\0" * 32, 400)
# A shape of hundreds of millions of elements with one element of data (or
# none, or a few binary bytes) is refused before any memory is taken for it
# (it took about 7 GB, found by fuzz_json: corpus/json/seed8).
BIG = [29, 9999994, 3]
case("v2-big-shape-data", "POST", V2P, J, v2([t(BIG, [1.0])]), 400)
case("v2-big-shape-no-data", "POST", V2P, J, v2([{"name": "x", "shape": BIG, "datatype": "BYTES", "tada": [1]}]), 400)
hdr_big = v2([t(BIG, None, "BYTES", parameters={"binary_data_size": 8})]).replace(b', "data": null', b"")
case("v2-big-shape-bytes", "POST", V2P, {"Inference-Header-Content-Length": str(len(hdr_big))},
     hdr_big + b"\1\0\0\0a\1\0\0\0b", 400)
hdr_big = v2([t(BIG, None, parameters={"binary_data_size": 8})]).replace(b', "data": null', b"")
case("v2-big-shape-fp64", "POST", V2P, {"Inference-Header-Content-Length": str(len(hdr_big))}, hdr_big + b"\0" * 8, 400)
case("v2-two-tensors", "POST", V2P, J, v2([t([1, 4], GOOD_ROW), t([1, 4], GOOD_ROW, name="y")]), 422)
case("v2-count-422", "POST", V2P, J, v2([t([1, 3], [1.0, 2.0, 3.0])]), 422)
case("v2-columns-unknown", "POST", V2P, J, v2([t([1], [1.0], name=n) for n in ["a", "b", "c", "d"]]), 422)
case("v2-nan-linear", "POST", "/v2/models/logreg/infer", J, b'{"inputs": [{"name": "x", "shape": [1, 4], '
     b'"datatype": "FP64", "data": [1, 2, 3, NaN]}]}', 422)

# ---- routes: 404
for i, (m, p) in enumerate([
    ("GET", "/nope"), ("POST", "/predictx"), ("POST", "/PREDICT"), ("POST", "/predict/"), ("POST", "/models/nope/predict"),
    ("POST", "/models/iris/predict/x"), ("GET", "/v1/models/nope"), ("POST", "/v1/models/nope:predict"),
    ("POST", "/v1/models/iris:explainx"), ("POST", "/v1/models/nope:explain"), ("GET", "/v2/models/nope"),
    ("POST", "/v2/models/nope/infer"),
    ("POST", "/v2/models/iris/versions/2/infer"), ("GET", "/v2/models/iris/foo"), ("GET", "/v2/health/foo"),
    ("GET", "/metrics/x"), ("GET", "/"), ("GET", "/v2/models/nope/ready"), ("GET", "/models/iris"),
]):
    case(f"route-{i}", m, p, J, json.dumps({"features": GOOD_ROW}) if m == "POST" else None, 404)

# ---- explanations: V1 :explain takes V1 bodies; contributions is an output like the others
case("explain-seed-body", "POST", "/v1/models/iris:explain", J, json.dumps({"features": GOOD_ROW}), 400)
case("explain-no-rows", "POST", "/v1/models/iris:explain", J, json.dumps({"instances": []}), 400)
case("explain-bad-output", "POST", "/v1/models/iris:explain", J,
     json.dumps({"instances": [GOOD_ROW], "outputs": ["shapley"]}), 400)
case("explain-bad-query-output", "POST", "/predict?outputs=contributions,shap", J,
     json.dumps({"features": GOOD_ROW}), 400)
case("explain-v2-bad-output", "POST", "/v2/models/iris/infer", J,
     json.dumps({"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": GOOD_ROW}],
                 "outputs": [{"name": "contribution"}]}), 400)

# ---- methods: 405 with Allow
for i, (m, p, allow) in enumerate([
    ("GET", "/predict", "POST"), ("PUT", "/predict", "POST"), ("DELETE", "/models/iris/predict", "POST"),
    ("GET", "/v1/models/iris:predict", "POST"), ("GET", "/v2/models/iris/infer", "POST"), ("POST", "/healthz", "GET"),
    ("POST", "/readyz", "GET"), ("POST", "/metrics", "GET"), ("POST", "/openapi.json", "GET"), ("POST", "/v2", "GET"),
    ("POST", "/v2/health/live", "GET"), ("PATCH", "/v1/models/iris", "GET"), ("POST", "/v2/models/iris", "GET"),
    ("POST", "/models", "GET"), ("DELETE", "/v2/models/iris/ready", "GET"),
]):
    case(f"method-{i}", m, p, J, b"{}" if m in ("POST", "PUT", "PATCH") else None, 405, allow)

assert len(CASES) >= 100 and len({c[0] for c in CASES}) == len(CASES)


def check_answer(cid, status, body, headers, want, allow):
    assert status == want, (cid, status, body[:300])
    assert headers.get("content-type") == "application/json", (cid, headers)
    doc = json.loads(body)
    assert list(doc) == ["error"] and isinstance(doc["error"], str) and doc["error"], (cid, doc)
    if allow:
        assert headers.get("allow") == allow, (cid, headers)


def replay(gw: Gateway, protocol: str) -> None:
    if protocol == "h1":
        c = Client(gw.url)
        for cid, m, p, h, b, st, allow in CASES:
            status, body, headers = c.request(m, p, b, h)
            check_answer(cid, status, body, headers, st, allow)
        # the same keep-alive connection still serves
        status, body, _ = c.post_json("/predict", {"features": GOOD_ROW})
        assert (status, json.loads(body)) == (200, {"prediction": "setosa"})
        c.close()
    else:
        httpx = pytest.importorskip("httpx", reason="pip install httpx[http2]")
        pytest.importorskip("h2", reason="pip install httpx[http2]")
        with httpx.Client(http1=False, http2=True, base_url=gw.url, timeout=30) as c:
            for cid, m, p, h, b, st, allow in CASES:
                r = c.request(m, p, content=b, headers=h)
                assert r.http_version == "HTTP/2"
                check_answer(cid, r.status_code, r.content, {k.lower(): v for k, v in r.headers.items()}, st, allow)
            r = c.post("/predict", json={"features": GOOD_ROW})
            assert r.status_code == 200 and r.json() == {"prediction": "setosa"}
    assert gw.proc.poll() is None


def start(model_dir: Path, binary: Path | None = None) -> Gateway:
    env = SANITIZER_ENV if binary else None
    return Gateway(["--threads", "2", "--reload-interval", "0", "--max-body-bytes", str(MAX_BODY),
                    "--max-rows", str(MAX_ROWS), "--model", f"iris={model_dir / 'iris.skm'}",
                    "--model", f"logreg={model_dir / 'logreg.skm'}", "--model", f"reg={model_dir / 'reg.skm'}"],
                   env=env, binary=binary, timeout=30)


@pytest.fixture(scope="module")
def corpus_gw(model_dir):
    g = start(model_dir)
    yield g
    assert g.stop() == 0


@pytest.mark.parametrize("protocol", ["h1", "h2"])
def test_corpus(corpus_gw, protocol):
    replay(corpus_gw, protocol)


def test_over_h2o_hard_limit(corpus_gw):
    """Above 2 x max-body + 1 MiB h2o answers by itself; the server lives on."""
    import subprocess
    big = b" " * (2 * MAX_BODY + (2 << 20))
    for proto in ("--http1.1", "--http2-prior-knowledge"):
        subprocess.run(["curl", "-sS", proto, "--retry", "0", "-o", "/dev/null", "-H", "Content-Type: application/json",
                        "--data-binary", "@-", corpus_gw.url + "/predict"], input=big, capture_output=True,
                       timeout=60)
    c = Client(corpus_gw.url)
    assert c.post_json("/predict", {"features": GOOD_ROW})[0] == 200
    assert corpus_gw.proc.poll() is None


def test_big_shapes_take_no_memory(model_dir):
    """V2 shapes of hundreds of millions of elements with next to no data:
    refused without reserving memory for them (the process's peak virtual
    size grows by less than 256 MiB; it grew by ~7 GB a request)."""
    g = start(model_dir)
    try:
        c = Client(g.url)
        assert c.post_json("/predict", {"features": GOOD_ROW})[0] == 200
        before = status_bytes(g.proc.pid, "VmPeak")
        big = [(cid, m, p, h, b, st) for cid, m, p, h, b, st, _ in CASES if cid.startswith("v2-big-shape")]
        assert len(big) == 4
        for cid, m, p, h, b, st in big:
            status, body, headers = c.request(m, p, b, h)
            assert status == st, (cid, status, body)
        grown = status_bytes(g.proc.pid, "VmPeak") - before
        assert grown < 256 << 20, f"peak virtual size grew by {grown / 2**20:.0f} MiB"
        assert c.post_json("/predict", {"features": GOOD_ROW})[0] == 200
        c.close()
    finally:
        assert g.stop() == 0


def test_corpus_under_asan(model_dir):
    g = start(model_dir, asan_binary())
    try:
        replay(g, "h1")
        replay(g, "h2")
    finally:
        rc = g.stop()
    reports = sanitizer_reports(g)
    assert not reports, "".join(reports[:60])
    assert rc == 0
