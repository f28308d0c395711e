"""Graceful shutdown and hot reload while h2load keeps load on the gateway.

Shutdown (HTTP/2 cleartext and HTTP/1.1): h2load runs, rate-limited and
bounded in count and time, when SIGTERM arrives. Readiness turns false first
(/readyz 503 while --shutdown-delay keeps serving), then the listeners
close, in-flight requests finish, the process exits 0 before the drain
deadline. h2load's per-request log only has the requests that were answered
(all must be 200), so beside it Python clients (http.client over HTTP/1.1,
httpx over HTTP/2) log the send time and outcome of every request: each one
sent before the signal must have been answered 200. After the signal, a
client may lose a request it sends on a new connection that sat in the
listener's backlog when the listener closed (the kernel resets those), or
on a reconnect to the closed listener. HTTP/2 adds one more case: h2o's
first GOAWAY (last stream 2^31-1) tells the client to open no new streams,
and nghttp2 then closes the requests h2load had queued but not yet written
with REFUSED_STREAM; h2load logs those with start time 0 (never sent). How
many requests h2load abandons after the signal depends on its reconnect
timing (under CPU contention, dozens over HTTP/1.1), so the test bounds
what matters instead: no request sent before the signal is lost (Python
clients, exact per request), every answer h2load got is a 200, and every
request h2load logged unanswered was sent after the signal or never sent.

Reload: model files are swapped by atomic rename, several times, between two
models, a truncated file and a file of garbage, while h2load runs back to
back: no request fails, the old model keeps serving after a broken file,
/metrics counts each failure, and answers change to the new model after a
good swap.
"""
from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from conftest import Gateway
from gw_util import Client, h2load, read_h2load_log

ONE = {"features": [5.1, 3.5, 1.4, 0.2]}

pytestmark = pytest.mark.skipif(shutil.which("h2load") is None, reason="h2load (Debian nghttp2-client) is missing")


def python_load(url: str, h2: bool, stop: threading.Event, out: list, limit: int = 20_000) -> None:
    """Sends ONE until stop is set or the server is gone; appends
    (send time, ok, detail) per request. No retries."""
    import http.client

    body = json.dumps(ONE).encode()
    hdrs = {"Content-Type": "application/json"}
    host, port = url.split("//")[1].split(":")
    if h2:
        import httpx
        client = httpx.Client(http1=False, http2=True, base_url=url, timeout=10)
    conn = None
    for _ in range(limit):
        if stop.is_set():
            break
        t0 = time.time()
        try:
            if h2:
                r = client.post("/predict", content=body, headers=hdrs)
                ok, detail = r.status_code == 200, r.status_code
            else:
                if conn is None:
                    conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("POST", "/predict", body, hdrs)
                r = conn.getresponse()
                r.read()
                ok, detail = r.status == 200, r.status
                if r.will_close:
                    conn.close()
                    conn = None
        except Exception as e:  # noqa: BLE001 - every failure is recorded
            ok, detail = False, repr(e)
            if conn is not None:
                conn.close()
                conn = None
            out.append((t0, ok, detail))
            if isinstance(e, (ConnectionRefusedError, httpx_connect_error())):
                break
            continue
        out.append((t0, ok, detail))
    if h2:
        client.close()


def httpx_connect_error():
    try:
        import httpx
        return httpx.ConnectError
    except ImportError:
        return ConnectionRefusedError


def metric(c: Client, line_start: str) -> float:
    for ln in c.request("GET", "/metrics")[1].decode().splitlines():
        if ln.startswith(line_start + " "):
            return float(ln.rsplit(" ", 1)[1])
    return 0.0


def wait_for(pred, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def body_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("load") / "one.json"
    p.write_text(json.dumps(ONE))
    return p


@pytest.mark.parametrize("proto", ["h2c", "http/1.1"])
def test_sigterm_under_load(start_gateway, model_dir, body_file, tmp_path, proto):
    gw: Gateway = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--threads", "2", "--reload-interval",
                                 "0", "--shutdown-delay", "0.5", "--drain-timeout", "10"])
    probe = Client(gw.url)
    log = tmp_path / "h2load.log"
    result: dict = {}
    h1 = proto == "http/1.1"
    # ~8,000 req/s over 4 connections for at most 6 s (bounded count and time)
    n = 48_000
    t = threading.Thread(target=lambda: result.update(h2load(
        gw.url + "/predict", n=n, clients=4, streams=1 if h1 else 4, data=body_file,
        headers={"content-type": "application/json"}, h1=h1, rps=2000, log_file=log, timeout=60)))
    t.start()
    if not h1:
        pytest.importorskip("httpx", reason="pip install httpx[http2]")
        pytest.importorskip("h2", reason="pip install httpx[http2]")
    stop = threading.Event()
    sent: list[list] = [[], []]
    loaders = [threading.Thread(target=python_load, args=(gw.url, not h1, stop, sent[i])) for i in range(2)]
    for lt in loaders:
        lt.start()
    try:
        line = 'skscore_http_requests_total{route="predict",model="iris",code="200"}'
        wait_for(lambda: metric(probe, line) >= 2000, what="load to flow")
        probe.close()
        t_sig = time.time()
        gw.signal(signal.SIGTERM)
        # readiness false first, while the server still serves (shutdown delay)
        c = Client(gw.url)
        # the signal is handled asynchronously: readiness turns 503 while the
        # listener is still open (the shutdown delay)
        wait_for(lambda: c.request("GET", "/readyz")[0] == 503, timeout=5, what="/readyz 503")
        status, body, _ = c.request("GET", "/readyz")
        assert (status, json.loads(body)) == (503, {"ready": False})
        status, body, _ = c.request("GET", "/v2/health/ready")
        assert status == 503
        assert c.request("GET", "/healthz")[0] == 200
        assert c.post_json("/predict", ONE)[0] == 200
        c.close()
        assert gw.wait(15) == 0
        t_exit = time.time()
    finally:
        t.join(70)
        stop.set()
        for lt in loaders:
            lt.join(30)
    for log_i in sent:
        lost = [(t0, d) for t0, ok, d in log_i if t0 < t_sig and not ok]
        assert not lost, lost[:5]
        assert [1 for t0, ok, _ in log_i if t0 < t_sig and ok] and [1 for t0, _, _ in log_i if t0 >= t_sig]
    assert t_exit - t_sig < 10.5  # the drain deadline (not a speed assertion)
    msgs = [r.get("msg") for r in gw.logs]
    assert msgs.index("draining") < msgs.index("stopped")
    assert result["4xx"] == result["5xx"] == 0, result["raw"]
    rows = read_h2load_log(log)
    assert len(rows) == result["done"]
    unanswered = [r for r in rows if not 100 <= r[1] <= 599]
    assert len(unanswered) == result["done"] - result["succeeded"], result["raw"]
    # start time 0: h2load never wrote the request; otherwise it was sent after the signal
    assert all(r[0] == 0 or r[0] / 1e6 >= t_sig for r in unanswered), (t_sig, unanswered)
    rows = [r for r in rows if 100 <= r[1] <= 599]
    assert {s for _, s, _ in rows} == {200}
    before = [r for r in rows if r[0] / 1e6 < t_sig]
    after = [r for r in rows if r[0] / 1e6 >= t_sig]
    assert before and after, (len(before), len(after))  # load ran across the signal
    # every request h2load did not get a 200 for is counted as errored, none timed out
    assert result["total"] == n and result["errored"] == n - result["succeeded"] and result["timeout"] == 0, result["raw"]


def test_hot_reload_under_load(start_gateway, model_dir, body_file, tmp_path):
    path = tmp_path / "m.skm"
    good_a = (model_dir / "iris.skm").read_bytes()  # string labels: "setosa"
    good_b = (model_dir / "flabel.skm").read_bytes()  # float labels: 1.0
    path.write_bytes(good_a)
    gw: Gateway = start_gateway(["--model", f"m={path}", "--threads", "2", "--reload-interval", "0.05"])
    c = Client(gw.url)
    stop = threading.Event()
    runs: list[dict] = []

    def load():
        for _ in range(40):  # bounded: at most 40 runs of 10,000 requests
            if stop.is_set():
                break
            runs.append(h2load(gw.url + "/predict", n=10_000, clients=4, streams=8, data=body_file,
                               headers={"content-type": "application/json"}, timeout=60))

    def replace(data: bytes) -> None:
        tmp = tmp_path / "m.skm.tmp"
        tmp.write_bytes(data)
        tmp.replace(path)

    def answer():
        status, body, _ = c.post_json("/predict", ONE)
        assert status == 200, body
        return json.loads(body)["prediction"]

    fails = 'skscore_model_reload_failures_total{model="m"}'
    reloads = 'skscore_model_reloads_total{model="m"}'
    t = threading.Thread(target=load)
    t.start()
    try:
        wait_for(lambda: runs, what="a first load run")
        expected_failures = 0
        plan = [("b", good_b, 1.0), ("truncated", good_a[: len(good_a) // 2], None), ("a", good_a, "setosa"),
                ("garbage", b"\x00not a model" * 50, None), ("b", good_b, 1.0), ("empty", b"", None),
                ("a", good_a, "setosa"), ("b", good_b, 1.0), ("truncated", good_b[:100], None), ("a", good_a, "setosa")]
        current = "setosa"
        for what, data, expect in plan:
            before = metric(c, reloads)
            replace(data)
            if expect is None:
                expected_failures += 1
                wait_for(lambda: metric(c, fails) >= expected_failures, what=f"the {what} file's failure")
                assert metric(c, fails) == expected_failures
                for _ in range(20):
                    got = answer()
                    assert type(got) is type(current) and got == current  # the old model keeps serving
            else:
                wait_for(lambda: answer() == expect and type(answer()) is type(expect), what=f"model {what}")
                assert metric(c, reloads) > before
                current = expect
    finally:
        stop.set()
        t.join(120)
    assert any(r.get("msg", "").startswith("model reload failed") for r in gw.logs)
    assert len(runs) >= 2
    for r in runs:
        assert r["failed"] == r["errored"] == r["timeout"] == 0 and r["succeeded"] == r["total"] == 10_000, r["raw"]
        assert r["2xx"] == 10_000
    assert gw.proc.poll() is None
