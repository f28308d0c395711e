"""HTTP/2 over TLS (ALPN) and a differential test of the JSON decoder
against Python's json module (numbers must be the same float64s), on
random numbers and on the hard ones of decimal.h's fast paths: decimals
a hair either side of a point half-way between two float64s, exact
half-way integers, 19-digit significands, subnormals and the edges of its
power-of-ten table; the same numbers as /predict reads rows of them
(straight into a float64 matrix: gw_json_decode_rows); and /predict
answering rows of numbers sent as JSON exactly as it answers the same rows
sent as msgpack (whose decoder builds the generic tree), errors included."""
from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess

import pytest

from conftest import curl, helper_binary
from gw_util import Client


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


def _hard_number(rng):
    """A decimal that is hard to round: near (or at) the midpoint of two
    adjacent float64s, or at an edge of the decimal.h paths."""
    from decimal import Decimal, localcontext

    kind = rng.randrange(6)
    if kind <= 2:
        while True:
            d = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(63)))[0]
            up = math.nextafter(d, math.inf)
            if d != 0 and math.isfinite(up):
                break
        with localcontext() as ctx:
            ctx.prec = 1200
            mid = (Decimal(d) + Decimal(up)) / 2
            digits = rng.choice([16, 17, 18, 19, 19, 20, 25])
            ctx.prec = digits
            ctx.rounding = ("ROUND_DOWN", "ROUND_UP", "ROUND_HALF_EVEN")[kind]
            near = +mid
        text = f"{near:e}" if rng.random() < 0.5 else str(near)
        return ("-" if rng.random() < 0.5 else "") + text
    if kind == 3:  # integers past 2^53: half-way points are exact integers
        return str(rng.randrange(2**53, 2**64) | rng.choice([0, 1]))
    if kind == 4:  # the table's edges and the subnormal range
        return f"{rng.randrange(1, 10**19)}e{rng.choice([-343, -342, -330, -324, -310, -308, -22, 22, 23, 290, 288])}"
    return f"{rng.randrange(1, 10**19)}e{rng.randrange(-342, 290)}"


def test_json_hard_numbers_match_python():
    dump = helper_binary("gw_json_dump")
    rng = random.Random(20261203)
    texts = [t for t in (_hard_number(rng) for _ in range(30000)) if math.isfinite(float(t))]
    body = "[" + ", ".join(texts) + "]"
    expect = [struct.pack("<d", float(t)).hex() for t in texts]
    out = subprocess.run([str(dump)], input=body.encode(), capture_output=True, check=True).stdout.decode().split()
    got = [bytes.fromhex(h)[::-1].hex() for h in out]
    assert len(got) == len(expect)
    bad = [(texts[i], got[i], expect[i]) for i in range(len(got)) if got[i] != expect[i]]
    assert not bad[:5]


@pytest.mark.parametrize("body", ["[1e400]", '{"a": 1} {}', "[01]", '["\\ud800"]', "[1,]", '{"a" 1}', "[-]", "[.5]",
                                  '["\xff"]', "[" * 65 + "]" * 65])
def test_json_rejects(body):
    r = subprocess.run([str(helper_binary("gw_json_dump"))], input=body.encode("latin-1"), capture_output=True)
    assert r.returncode == 1 and r.stdout.startswith(b"error: ")


def _dump_rows(body: str) -> tuple[list[str], str]:
    r = subprocess.run([str(helper_binary("gw_json_dump")), "-r"], input=body.encode(), capture_output=True, check=True)
    return [bytes.fromhex(h)[::-1].hex() for h in r.stdout.decode().split()], r.stderr.decode()


@pytest.mark.parametrize("make", [_random_number, _hard_number])
def test_json_rows_match_python(make):
    """Rows of numbers, as /predict reads them: one float64 matrix."""
    rng = random.Random(20261204)
    texts = [t for t in (make(rng) for _ in range(20000)) if math.isfinite(float(t))]
    rows = [texts[i:i + 20] for i in range(0, len(texts) - 19, 20)]
    body = '{"instances": [' + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]}"
    got, how = _dump_rows(body)
    assert how == f"rows: {len(rows)} x 20\n"
    expect = [struct.pack("<d", float(t)).hex() for r in rows for t in r]
    assert len(got) == len(expect)
    bad = [(texts[i], got[i], expect[i]) for i in range(len(got)) if got[i] != expect[i]]
    assert not bad[:5]


def test_json_rows_only_where_predict_reads_them():
    got, how = _dump_rows('{"instances": [[1, 2], [3, 4]], "inputs": [[5]], "x": [[6]], "y": {"instances": [[7]]}}')
    assert how == "rows: 2 x 2\nrows: 1 x 1\n" and len(got) == 7
    for body in ['[[1, 2]]', '{"instances": [[1, 2], [3]]}', '{"instances": [[1, null]]}', '{"instances": [[]]}',
                 '{"instances": []}', '{"instances": [1, 2]}', '{"instances": [[1, "2"]]}', '{"instances": [[[1]]]}']:
        assert _dump_rows(body)[1] == "", body


def _rows_bodies():
    rng = random.Random(20261205)
    floats = [[repr(rng.uniform(-10, 10)) for _ in range(4)] for _ in range(200)]
    yield "json.dumps floats", {"instances": [[float(x) for x in r] for r in floats]}
    yield "inputs, outputs", {"inputs": [[1, 2.5, 3, 4]] * 3, "outputs": ["predict", "predict_proba"]}
    yield "NaN", {"instances": [[1, 2, 3, float("nan")]]}
    yield "null", {"instances": [[1, 2, 3, None]]}
    yield "ragged", {"instances": [[1, 2, 3, 4], [1, 2, 3]]}
    yield "five features", {"instances": [[1, 2, 3, 4, 5]] * 2}
    yield "a string", {"instances": [[1, 2, 3, 4], [1, 2, "3", 4]]}
    yield "too many rows", {"instances": [[1, 2, 3, 4]] * 1001}


def test_json_rows_answer_as_msgpack(start_gateway, model_dir):
    msgpack = pytest.importorskip("msgpack")
    gw = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--max-rows", "1000"])
    c = Client(gw.url)
    for what, doc in _rows_bodies():
        js, jbody, _ = c.request("POST", "/predict", json.dumps(doc).encode(), {"Content-Type": "application/json"})
        ms, mbody, _ = c.request("POST", "/predict", msgpack.packb(doc), {"Content-Type": "application/msgpack",
                                                                           "Accept": "application/json"})
        assert (js, json.loads(jbody)) == (ms, json.loads(mbody)), what
    c.close()
