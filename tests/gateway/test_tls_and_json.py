"""HTTP/2 over TLS (ALPN) and a differential test of the JSON decoder
against Python's json module (numbers must be the same float64s)."""
from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess

import pytest

from conftest import curl, helper_binary


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


@pytest.mark.parametrize("proto,version", [("--http2", "2"), ("--http1.1", "1.1")])
def test_tls(start_gateway, model_dir, tls_files, proto, version):
    cert, key = tls_files
    gw = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--tls-cert", str(cert), "--tls-key", str(key)])
    out = subprocess.run(["curl", "-sS", "--cacert", str(cert), proto, "-w", "\n%{http_version}",
                          "-H", "Content-Type: application/json", "-d", '{"features": [5.1, 3.5, 1.4, 0.2]}',
                          f"https://127.0.0.1:{gw.port}/predict"], capture_output=True, check=True).stdout
    body, _, got_version = out.rpartition(b"\n")
    assert json.loads(body) == {"prediction": "setosa"}
    assert got_version.decode() == version


def _numbers(doc):
    if isinstance(doc, list):
        for v in doc:
            yield from _numbers(v)
    elif isinstance(doc, dict):
        for v in doc.values():
            yield from _numbers(v)
    elif isinstance(doc, (int, float)) and not isinstance(doc, bool):
        yield float(doc)


def _random_number(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return repr(rng.uniform(-1e3, 1e3))
    if kind == 1:
        return repr(rng.random() * 10 ** rng.randrange(-320, 308))
    if kind == 2:
        return str(rng.randrange(-10**25, 10**25))
    if kind == 3:
        return f"{rng.randrange(10**6)}.{rng.randrange(10**rng.randrange(1, 25))}e{rng.randrange(-30, 30)}"
    if kind == 4:
        return "0." + "0" * rng.randrange(30) + str(rng.randrange(1, 10**17))
    return f"{rng.randrange(10**20)}{'0' * rng.randrange(5)}.{rng.randrange(10**3)}"


def test_json_numbers_match_python(tmp_path):
    dump = helper_binary("gw_json_dump")
    rng = random.Random(20261128)
    texts = [_random_number(rng) for _ in range(20000)]
    body = '{"instances": [' + ", ".join(f'[{t}, {{"k": [{t}]}}]' for t in texts) + "]}"
    expect = [struct.pack("<d", x).hex() for x in _numbers(json.loads(body))]
    out = subprocess.run([str(dump)], input=body.encode(), capture_output=True, check=True).stdout.decode().split()
    got = [bytes.fromhex(h)[::-1].hex() for h in out]  # printed big-endian hex
    assert len(got) == len(expect)
    bad = [(texts[i // 2], got[i], expect[i]) for i in range(len(got)) if got[i] != expect[i]]
    assert not bad[:5]


@pytest.mark.parametrize("body", ["[1e400]", '{"a": 1} {}', "[01]", '["\\ud800"]', "[1,]", '{"a" 1}', "[-]", "[.5]",
                                  '["\xff"]', "[" * 65 + "]" * 65])
def test_json_rejects(body):
    r = subprocess.run([str(helper_binary("gw_json_dump"))], input=body.encode("latin-1"), capture_output=True)
    assert r.returncode == 1 and r.stdout.startswith(b"error: ")
