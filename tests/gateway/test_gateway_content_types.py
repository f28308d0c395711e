"""Which Content-Types a body may come with (docs/PROTOCOL.md, "Bodies and
answers"), through the real binary with real clients: curl (HTTP/1.1, h2c
by prior knowledge, h2c by Upgrade) and httpx (HTTP/1.1 and HTTP/2).

- The README's first request, pasted as is: curl -d sends
  application/x-www-form-urlencoded. A body with that type, with no
  Content-Type or with text/plain is read as JSON, on every route that takes
  a body (/predict, /models/{name}/predict, KServe V1 :predict, V2 infer).
- Types that are something else keep their 415, which says what to send.
- A body read as JSON that is not JSON: 400 saying what was sent and what
  to send; a msgpack body sent as JSON, or a JSON body sent as msgpack:
  400 naming the Content-Type the body needs.
- V2's binary extension (Inference-Header-Content-Length) keeps its own
  rule: the Content-Type is not looked at.
"""
from __future__ import annotations

import json
import shutil
import struct
import subprocess

import pytest

msgpack = pytest.importorskip("msgpack")

ROW = [5.1, 3.5, 1.4, 0.2]
# (path, body, answer) for each route that takes a body; iris is the
# gateway fixture's default model (sks_mkmodel's: the row is setosa).
ROUTES = [
    ("/predict", {"features": ROW}, {"prediction": "setosa"}),
    ("/models/iris/predict", {"instances": [ROW, [6, 3, 5, 2]]}, {"predictions": ["setosa", "virginica"]}),
    ("/v1/models/iris:predict", {"instances": [ROW]}, {"predictions": ["setosa"]}),
    ("/v2/models/iris/infer", {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": ROW}]},
     {"model_name": "iris", "model_version": "1",
      "outputs": [{"name": "predict", "datatype": "BYTES", "shape": [1], "data": ["setosa"]}]}),
]
READ_AS_JSON = [None, "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
                "text/plain", "text/plain;charset=UTF-8", "TEXT/Plain", "", "application/json",
                "application/json; charset=utf-8", "application/vnd.example+json"]
REFUSED = ["text/csv", "multipart/form-data; boundary=x", "application/xml", "text/html", "application/octet-stream",
           "image/png", "text/plainx", "application/x-www-form-urlencodedx", "application/jsonx"]
CURL_PROTOCOLS = {"h1": ["--http1.1"], "h2c": ["--http2-prior-knowledge"], "h2c-upgrade": ["--http2"]}


def _curl(url: str, *args: str) -> tuple[str, int, bytes]:
    """curl -s as a user types it; (HTTP version, status, body)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_version} %{http_code}", *args, url],
                         capture_output=True, check=True, timeout=20).stdout
    body, _, tail = out.rpartition(b"\n")
    version, code = tail.decode().split()
    return version, int(code), body


def _ctype_args(ctype: str | None) -> list[str]:
    # curl -d adds the form type itself; -H 'Content-Type:' removes the header.
    if ctype is None:
        return ["-H", "Content-Type:"]
    if ctype == "application/x-www-form-urlencoded":
        return []
    if ctype == "":
        return ["-H", "Content-Type;"]  # curl's way to send the header with an empty value
    return ["-H", f"Content-Type: {ctype}"]


def test_readme_first_request_verbatim(gateway):
    """The README's line, with only the address changed, on every protocol
    curl speaks to the gateway."""
    for proto, flags in CURL_PROTOCOLS.items():
        version, code, body = _curl(gateway.url + "/predict", *flags, "-d", '{"features": [5.1, 3.5, 1.4, 0.2]}')
        assert (code, json.loads(body)) == (200, {"prediction": "setosa"}), (proto, body)
        assert version == ("1.1" if proto == "h1" else "2"), proto


@pytest.mark.parametrize("proto", list(CURL_PROTOCOLS))
@pytest.mark.parametrize("ctype", READ_AS_JSON, ids=lambda c: "none" if c is None else (c or "empty"))
def test_curl_bodies_read_as_json(gateway, proto, ctype):
    for path, doc, want in ROUTES:
        version, code, body = _curl(gateway.url + path, *CURL_PROTOCOLS[proto], *_ctype_args(ctype),
                                    "-d", json.dumps(doc))
        assert (code, json.loads(body)) == (200, want), (path, ctype, body)


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_httpx_bodies_read_as_json(gateway, http2):
    httpx = pytest.importorskip("httpx", reason="pip install httpx[http2]")
    if http2:
        pytest.importorskip("h2", reason="pip install httpx[http2]")
    with httpx.Client(http1=not http2, http2=http2, base_url=gateway.url, timeout=20) as c:
        for ctype in READ_AS_JSON:
            for path, doc, want in ROUTES:
                headers = {} if ctype is None else {"content-type": ctype}
                r = c.post(path, content=json.dumps(doc).encode(), headers=headers)
                assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
                assert (r.status_code, r.json()) == (200, want), (path, ctype, r.text)
                assert r.headers["content-type"] == "application/json"
        # httpx's own form encoding (data=) is a form, not JSON: 400, saying so
        r = c.post("/predict", data={"features": "5.1"})
        assert r.status_code == 400 and "application/x-www-form-urlencoded" in r.json()["error"]


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_other_types_keep_415(gateway, proto):
    for ctype in REFUSED:
        for path, doc, _ in ROUTES:
            _, code, body = _curl(gateway.url + path, *CURL_PROTOCOLS[proto], "-H", f"Content-Type: {ctype}",
                                  "-d", json.dumps(doc))
            err = json.loads(body)["error"]
            assert code == 415, (path, ctype, body)
            assert f'"{ctype}"' in err and "application/json" in err, err
    # a form upload (curl -F) is told to send the document itself
    _, code, body = _curl(gateway.url + "/predict", *CURL_PROTOCOLS[proto], "-F", "request=" + json.dumps(ROUTES[0][1]))
    assert code == 415 and "--data-binary @" in json.loads(body)["error"]


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_not_json_says_what_was_sent_and_what_to_send(gateway, proto):
    sent = {None: "without a Content-Type", "application/x-www-form-urlencoded": "curl -d's default",
            "text/plain": "came as text/plain"}
    for ctype, words in sent.items():
        for path, _, _ in ROUTES:
            _, code, body = _curl(gateway.url + path, *CURL_PROTOCOLS[proto], *_ctype_args(ctype),
                                  "-d", "features=5.1,3.5,1.4,0.2")
            err = json.loads(body)["error"]
            assert code == 400, (path, ctype, body)
            assert err.startswith("invalid JSON at byte 0: expected a value; "), err
            assert words in err and "Content-Type: application/json" in err, err
            # msgpack is offered where the route takes it
            assert ("application/msgpack" in err) == (not path.startswith("/v2/")), err
    # sent as JSON and not JSON: the decoder's words only
    _, code, body = _curl(gateway.url + "/predict", "-H", "Content-Type: application/json", "-d", "features=5.1")
    assert (code, json.loads(body)) == (400, {"error": "invalid JSON at byte 0: expected a value"})


def _post(url: str, body: bytes, ctype: str | None, proto: str) -> tuple[int, str]:
    args = [*CURL_PROTOCOLS[proto], *_ctype_args(ctype), "--data-binary", "@-"]
    out = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args, url], input=body,
                         capture_output=True, check=True, timeout=20).stdout
    raw, _, code = out.rpartition(b"\n")
    return int(code), json.loads(raw)["error"] if int(code) != 200 else raw.decode("latin-1")


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_other_format_names_the_content_type(gateway, proto):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    u = gateway.url
    mp_body = msgpack.packb({"features": ROW})
    js_body = json.dumps({"features": ROW}).encode()
    for ctype in ("application/json", None, "application/x-www-form-urlencoded", "text/plain"):
        for path in ("/predict", "/models/iris/predict", "/v1/models/iris:predict"):
            code, err = _post(u + path, msgpack.packb({"instances": [ROW]}) if "v1" in path else mp_body, ctype,
                              proto)
            assert code == 400 and err.startswith("invalid JSON at byte 0"), (ctype, path, err)
            assert err.endswith("the body is msgpack, not JSON: send it with Content-Type: application/msgpack"), err
        code, err = _post(u + "/v2/models/iris/infer", msgpack.packb({"inputs": []}), ctype, proto)
        assert code == 400 and err.endswith("V2 infer takes JSON only (Content-Type: application/json)"), err
    for ctype in ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack"):
        code, err = _post(u + "/predict", js_body, ctype, proto)
        assert code == 400 and err == ("invalid msgpack at byte 1: trailing bytes after the msgpack value; the "
                                       "body is JSON, not msgpack: send it with Content-Type: application/json"), err
        # pretty-printed JSON (whitespace first) is recognised too
        code, err = _post(u + "/predict", b"\n  " + js_body, ctype, proto)
        assert code == 400 and err.endswith("send it with Content-Type: application/json"), err
    # Bodies that are neither: no guess.
    code, err = _post(u + "/predict", b"\x81\xa8features", "application/json", proto)
    assert code == 400 and "msgpack" not in err, err
    code, err = _post(u + "/predict", b'{"features": [1, 2', "application/msgpack", proto)
    assert code == 400 and err == "invalid msgpack at byte 1: trailing bytes after the msgpack value", err
    # A valid msgpack scalar is not taken for a request sent in the wrong format.
    code, err = _post(u + "/predict", b"\xc3", "application/json", proto)
    assert code == 400 and "msgpack" not in err, err
    # The right Content-Type still scores both.
    assert _post(u + "/predict", mp_body, "application/msgpack", proto)[0] == 200
    assert _post(u + "/predict", js_body, "application/json", proto)[0] == 200


def test_v2_binary_extension_ignores_content_type(gateway):
    """With Inference-Header-Content-Length the body is a JSON header plus
    raw tensors, whatever the Content-Type says (KServe's rule)."""
    httpx = pytest.importorskip("httpx", reason="pip install httpx[http2]")
    header = json.dumps({"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64",
                                     "parameters": {"binary_data_size": 32}}]}).encode()
    body = header + struct.pack("<4d", *ROW)
    with httpx.Client(base_url=gateway.url, timeout=20) as c:
        for ctype in (None, "application/octet-stream", "application/x-www-form-urlencoded", "text/csv",
                      "application/msgpack"):
            headers = {"inference-header-content-length": str(len(header))}
            if ctype is not None:
                headers["content-type"] = ctype
            r = c.post("/v2/models/iris/infer", content=body, headers=headers)
            assert r.status_code == 200, (ctype, r.text)
            assert r.json()["outputs"][0]["data"] == ["setosa"]
