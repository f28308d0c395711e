"""Smoke tests of skscore-gateway with curl over HTTP/1.1, h2c and h2c
Upgrade. The full suite (bad-request corpus, load, SIGTERM under load,
reload under load, benchmarks) builds on conftest.py."""
from __future__ import annotations

import json
import signal
import socket
import struct
import time

import pytest

from conftest import curl

PROTOCOLS = ["--http1.1", "--http2-prior-knowledge", "--http2"]
JSON = ["-H", "Content-Type: application/json"]


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_seed_predict(gateway, proto):
    status, body, headers = curl(proto, *JSON, "-d", '{"features": [5.1, 3.5, 1.4, 0.2]}', gateway.url + "/predict")
    assert status == 200
    assert json.loads(body) == {"prediction": "setosa"}
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(body))


def test_batches_named_rows_and_outputs(gateway):
    rows = [[5.1, 3.5, 1.4, 0.2], [6.0, 3.0, 5.0, 2.0]]
    named = {"sepal length (cm)": 6, "sepal width (cm)": 3, "petal length (cm)": 5, "petal width (cm)": 1}
    status, body, _ = curl(*JSON, "-d", json.dumps({"instances": rows, "outputs": ["predict", "predict_proba"]}),
                           gateway.url + "/predict")
    assert status == 200
    doc = json.loads(body)
    assert doc["predictions"] == ["setosa", "virginica"]
    status, body, _ = curl(*JSON, "-d", json.dumps({"instances": [named, named]}), gateway.url + "/predict")
    assert status == 200 and json.loads(body) == {"predictions": ["versicolor", "versicolor"]}
    # rows are all arrays or all objects
    assert curl(*JSON, "-d", json.dumps({"instances": [*rows, named]}), gateway.url + "/predict")[0] == 400
    assert doc["classes"] == ["setosa", "versicolor", "virginica"]
    assert doc["probabilities"][0] == [1.0, 0.0, 0.0]
    status, body, _ = curl(*JSON, "-d", '{"features": [1, 2, 3, 4]}',
                           gateway.url + "/models/logreg/predict?outputs=predict,decision_function")
    doc = json.loads(body)
    assert status == 200 and doc["prediction"] == 1 and isinstance(doc["decision_function"], float)


def test_label_json_types(gateway):
    rows = json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2], [1, 1, 5, 2]]})
    assert json.loads(curl(*JSON, "-d", rows, gateway.url + "/models/flags/predict")[1]) == {"predictions": [False, True]}
    raw = curl(*JSON, "-d", rows, gateway.url + "/models/flabel/predict")[1]
    assert raw == b'{"predictions":[1.0,2.5]}'
    raw = curl(*JSON, "-d", '{"features": [5.1, 3.5, 1.4, 0.2]}', gateway.url + "/models/reg/predict")[1]
    value = json.loads(raw)["prediction"]
    # repr-exact float: the text is Python's repr of the float it denotes.
    assert raw == b'{"prediction":' + repr(value).encode() + b"}"


@pytest.mark.parametrize(
    "body,ctype,status",
    [
        ('{"features": [5.1, 3.5', "application/json", 400),
        ('{"features": [1, 2, 3, 4]} x', "application/json", 400),
        ('{"features": [1, 2, "x", 4]}', "application/json", 400),
        ('{"features": [1, 2, 3, 1e999]}', "application/json", 400),
        ("[" * 200 + "]" * 200, "application/json", 400),
        ('{"features": [1, 2, 3]}', "application/json", 422),
        ('{"features": [1, 2, 3, NaN]}', "application/json", 422),
        ('{"features": {"nope": 1}}', "application/json", 422),
        ('{"instances": []}', "application/json", 400),
        ('{"features": [1, 2, 3, 4]}', "text/csv", 415),
        ("features=1&x=2", "application/x-www-form-urlencoded", 400),
        ('{"features": [1, 2, 3, 4]}', "application/msgpack", 400),
    ],
)
def test_bad_requests(gateway, body, ctype, status):
    got, raw, headers = curl("-H", f"Content-Type: {ctype}", "--data-binary", body, gateway.url + "/predict")
    assert got == status, raw
    assert headers["content-type"] == "application/json"
    assert isinstance(json.loads(raw)["error"], str)


def test_405_404_413(gateway):
    status, raw, headers = curl(gateway.url + "/predict")
    assert status == 405 and headers["allow"] == "POST" and "error" in json.loads(raw)
    assert curl(gateway.url + "/nope")[0] == 404
    assert curl(*JSON, "-d", "{}", gateway.url + "/models/nope/predict")[0] == 404
    big = b"[" + b"0," * (9 << 20) + b"0]"
    for proto in ("--http1.1", "--http2-prior-knowledge"):
        status, raw, _ = curl(proto, *JSON, "--data-binary", "@-", gateway.url + "/predict", timeout=60) \
            if False else _post_stdin(proto, big, gateway.url + "/predict")
        assert status == 413, raw
    # still serving
    assert curl("--http2-prior-knowledge", gateway.url + "/healthz")[0] == 200


def _post_stdin(proto, data, url):
    import subprocess
    out = subprocess.run(["curl", "-sS", proto, "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                          "--data-binary", "@-", url], input=data, capture_output=True, timeout=60, check=True).stdout
    body, _, code = out.rpartition(b"\n")
    return int(code), body, {}


def test_health_metrics_openapi(gateway):
    assert json.loads(curl(gateway.url + "/healthz")[1]) == {"status": "ok"}
    assert json.loads(curl(gateway.url + "/readyz")[1]) == {"ready": True}
    doc = json.loads(curl(gateway.url + "/openapi.json")[1])
    assert doc["openapi"].startswith("3.") and "/predict" in doc["paths"]
    status, text, headers = curl(gateway.url + "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = text.decode()
    assert 'skscore_http_requests_total{route="predict",model="iris",code="200"}' in text
    assert "skscore_http_request_duration_seconds_bucket" in text
    assert 'skscore_model_info{model="iris",checksum="' in text
    assert 'skscore_model_reload_failures_total{model="iris"} 0' in text


def test_kserve_v1_and_v2(gateway):
    status, raw, _ = curl("--http2-prior-knowledge", *JSON, "-d", '{"instances": [[5.1, 3.5, 1.4, 0.2]]}',
                          gateway.url + "/v1/models/iris:predict")
    assert status == 200 and json.loads(raw) == {"predictions": ["setosa"]}
    assert json.loads(curl(gateway.url + "/v1/models/iris")[1])["ready"] is True
    assert json.loads(curl(gateway.url + "/v2/health/ready")[1]) == {"ready": True}
    assert json.loads(curl(gateway.url + "/v2/health/live")[1]) == {"live": True}
    assert json.loads(curl(gateway.url + "/v2/models/iris/ready")[1]) == {"name": "iris", "ready": True}
    meta = json.loads(curl(gateway.url + "/v2/models/iris")[1])
    assert meta["inputs"][0]["shape"] == [-1, 4]
    req = {"id": "r1", "inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32",
                                   "data": [[5.1, 3.5, 1.4, 0.2], [6, 3, 5, 2]]}]}
    doc = json.loads(curl(*JSON, "-d", json.dumps(req), gateway.url + "/v2/models/iris/infer")[1])
    assert doc["id"] == "r1"
    assert doc["outputs"][0] == {"name": "predict", "datatype": "BYTES", "shape": [2], "data": ["setosa", "virginica"]}


def test_v2_binary_extension(gateway):
    import urllib.request
    hdr = json.dumps({"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP64",
                                  "parameters": {"binary_data_size": 64}}],
                      "outputs": [{"name": "predict_proba", "parameters": {"binary_data": True}}]}).encode()
    body = hdr + struct.pack("<8d", 5.1, 3.5, 1.4, 0.2, 6, 3, 5, 2)
    req = urllib.request.Request(gateway.url + "/v2/models/iris/infer", data=body,
                                 headers={"Inference-Header-Content-Length": str(len(hdr))})
    with urllib.request.urlopen(req) as r:
        data = r.read()
        n = int(r.headers["Inference-Header-Content-Length"])
    doc = json.loads(data[:n])
    assert doc["outputs"][0]["parameters"]["binary_data_size"] == 48
    assert struct.unpack("<6d", data[n:])[:3] == (1.0, 0.0, 0.0)


def test_msgpack(gateway):
    msgpack = pytest.importorskip("msgpack")
    import urllib.request

    def post(obj, accept=None):
        h = {"Content-Type": "application/msgpack"}
        if accept:
            h["Accept"] = accept
        with urllib.request.urlopen(urllib.request.Request(gateway.url + "/predict", data=msgpack.packb(obj),
                                                           headers=h)) as r:
            return r.headers["Content-Type"], r.read()

    ct, raw = post({"features": [5.1, 3.5, 1.4, 0.2]})
    assert ct == "application/msgpack" and msgpack.unpackb(raw) == {"prediction": "setosa"}
    ct, raw = post({"instances": [[5.1, 3.5, 1.4, 0.2]]}, accept="application/json")
    assert ct == "application/json" and json.loads(raw) == {"predictions": ["setosa"]}
    block = struct.pack("<8f", 5.1, 3.5, 1.4, 0.2, 6, 3, 5, 2)
    ct, raw = post({"block": block, "dtype": "float32", "shape": [2, 4]})
    assert msgpack.unpackb(raw) == {"predictions": ["setosa", "virginica"]}


def test_sigterm_drains_and_exits_0(start_gateway, model_dir):
    gw = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--threads", "2", "--reload-interval", "0"])
    # An idle HTTP/1.1 keep-alive connection must not hold the exit up.
    s = socket.create_connection(("127.0.0.1", gw.port))
    body = b'{"features": [5.1, 3.5, 1.4, 0.2]}'
    s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    assert s.recv(4096).startswith(b"HTTP/1.1 200")
    t0 = time.monotonic()
    gw.signal(signal.SIGTERM)
    assert gw.wait(10) == 0
    assert time.monotonic() - t0 < 3
    s.settimeout(2)
    assert s.recv(100) == b""
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", gw.port), timeout=1)


def test_hot_reload_and_broken_file(start_gateway, model_dir, tmp_path):
    path = tmp_path / "m.skm"
    path.write_bytes((model_dir / "iris.skm").read_bytes())
    gw = start_gateway(["--model", f"m={path}", "--reload-interval", "0.2"])
    one = ["-H", "Content-Type: application/json", "-d", '{"features": [5.1, 3.5, 1.4, 0.2]}', gw.url + "/predict"]
    assert json.loads(curl(*one)[1]) == {"prediction": "setosa"}

    def replace(data: bytes) -> None:
        tmp = tmp_path / "m.skm.tmp"
        tmp.write_bytes(data)
        tmp.replace(path)

    replace((model_dir / "flabel.skm").read_bytes())
    deadline = time.monotonic() + 5
    while json.loads(curl(*one)[1]) != {"prediction": 1.0}:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    replace((model_dir / "iris.skm").read_bytes()[:200])  # truncated
    deadline = time.monotonic() + 5
    while 'skscore_model_reload_failures_total{model="m"} 1' not in curl(gw.url + "/metrics")[1].decode():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert json.loads(curl(*one)[1]) == {"prediction": 1.0}  # the old model keeps serving
    assert any(r.get("msg", "").startswith("model reload failed") for r in gw.logs)
    replace((model_dir / "iris.skm").read_bytes())
    gw.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while json.loads(curl(*one)[1]) != {"prediction": "setosa"}:
        assert time.monotonic() < deadline
        time.sleep(0.05)
