"""HTTP versions: curl over HTTP/1.1, h2c by prior knowledge, h2c by
Upgrade, and HTTPS with ALPN (h2 and http/1.1) with a self-signed
certificate made by openssl here; and a Python HTTP/2 client (httpx with
h2), cleartext and TLS, with many streams multiplexed on one connection.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess

import pytest

from conftest import Gateway

ONE = '{"features": [5.1, 3.5, 1.4, 0.2]}'


def _curl(*args: str) -> tuple[str, int, bytes]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_version} %{http_code}", *args],
                         capture_output=True, check=True, timeout=20).stdout
    body, _, tail = out.rpartition(b"\n")
    version, code = tail.decode().split()
    return version, int(code), body


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls-versions")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture(scope="module")
def tls_gw(model_dir, tls):
    cert, key = tls
    g = Gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--threads", "2", "--reload-interval", "0",
                 "--tls-cert", str(cert), "--tls-key", str(key)])
    yield g
    assert g.stop() == 0


@pytest.mark.parametrize("flag,version", [("--http1.1", "1.1"), ("--http2-prior-knowledge", "2"), ("--http2", "2")])
def test_cleartext(gateway, flag, version):
    for path, body, want in (("/predict", ONE, {"prediction": "setosa"}),
                             ("/v1/models/iris:predict", '{"instances": [[6, 3, 5, 2]]}',
                              {"predictions": ["virginica"]})):
        got_version, code, raw = _curl(flag, "-H", "Content-Type: application/json", "-d", body, gateway.url + path)
        assert (got_version, code) == (version, 200)
        assert json.loads(raw) == want
    got_version, code, raw = _curl(flag, gateway.url + "/healthz")
    assert (got_version, code, json.loads(raw)) == (version, 200, {"status": "ok"})


@pytest.mark.parametrize("flag,version", [("--http2", "2"), ("--http1.1", "1.1")])
def test_tls_alpn(tls_gw, tls, flag, version):
    cert, _ = tls
    got_version, code, raw = _curl(flag, "--cacert", str(cert), "-H", "Content-Type: application/json", "-d", ONE,
                                   f"https://localhost:{tls_gw.port}/predict", "--resolve",
                                   f"localhost:{tls_gw.port}:127.0.0.1")
    assert (got_version, code, json.loads(raw)) == (version, 200, {"prediction": "setosa"})


def test_tls_alpn_offer(tls_gw):
    """The server's ALPN choice, seen by openssl s_client."""
    for offer, chosen in (("h2,http/1.1", b"ALPN protocol: h2"), ("http/1.1", b"ALPN protocol: http/1.1")):
        out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{tls_gw.port}", "-alpn", offer],
                             input=b"", capture_output=True, timeout=20).stdout
        assert chosen in out


httpx = pytest.importorskip("httpx", reason="pip install httpx[http2]")
pytest.importorskip("h2", reason="pip install httpx[http2]")


async def _many(url: str, n: int, **kw) -> list:
    async with httpx.AsyncClient(**kw) as client:
        rows = [[5.1, 3.5, 1.4, 0.2], [6, 3, 5, 2], [5.9, 3.0, 4.2, 1.5]]

        async def one(i):
            r = await client.post(url, json={"features": rows[i % 3]})
            return r.http_version, r.status_code, r.json()["prediction"]

        return await asyncio.gather(*(one(i) for i in range(n)))


def test_httpx_h2c_prior_knowledge_multiplexed(gateway):
    got = asyncio.run(_many(gateway.url + "/predict", 300, http1=False, http2=True))
    assert {(v, s) for v, s, _ in got} == {("HTTP/2", 200)}
    assert [p for _, _, p in got] == ["setosa", "virginica", "versicolor"] * 100


def test_httpx_h2_tls(tls_gw, tls):
    cert, _ = tls
    got = asyncio.run(_many(f"https://127.0.0.1:{tls_gw.port}/predict", 100, http2=True, verify=ssl.create_default_context(cafile=str(cert))))
    assert {(v, s) for v, s, _ in got} == {("HTTP/2", 200)}
    with httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(cert))) as c:
        r = c.get(f"https://127.0.0.1:{tls_gw.port}/v2/health/ready")
        assert r.http_version == "HTTP/2" and r.json() == {"ready": True}
        r = c.post(f"https://127.0.0.1:{tls_gw.port}/predict", content=b"[", headers={"content-type": "text/csv"})
        assert r.status_code == 415 and "error" in r.json()
