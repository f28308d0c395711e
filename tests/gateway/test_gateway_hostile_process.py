"""Process-level attacks on the real gateway, on loopback, bounded in time
and count (issue 11, items 3-5; docs/SECURITY.md, "Attacks tested >
Process").

- Signals during reloads: a 55 MB model (60 complete trees of depth 14,
  ~0.15 s to load) is reloaded back to back while SIGHUP storms come in,
  then SIGTERM arrives during a reload, with a large predict in flight. The
  process must drain and exit 0 (it used to die of the default action of
  SIGHUP, delivered to the file-watcher thread started before the signals
  were blocked), and every request sent before SIGTERM must be answered.
- File descriptors: connections past --max-connections are reset at once;
  with the fd limit lowered under the running gateway (prlimit), accept()
  fails with EMFILE and the loops must not spin (they used to run at 100%,
  as the listener stays readable). The gateway's CPU time over a 2 s window
  is read from /proc/PID/stat; a client connected before keeps its answers
  (p99 printed); once connections close, new clients are served.
- Model files that are not regular files (FIFO, directory, character
  device, socket): refused at once, at start (exit 1, the path named) and
  on reload (the old model keeps serving, later reloads work). open() of a
  FIFO used to block forever, holding the reload lock.

Figures are printed (pytest -s shows them); assertions are loose enough for
a busy shared machine.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import (
    SANITIZER_ENV,
    asan_binary,
    curl,
    gateway_binary,
    helper_binary,
    sanitizer_reports,
)
from gw_util import Client

ONE = {"features": [5.1, 3.5, 1.4, 0.2]}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))]


def metric(url: str, line_start: str) -> float:
    text = curl(url + "/metrics")[1].decode()
    for ln in text.splitlines():
        if ln.startswith(line_start + " "):
            return float(ln.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture(params=["release", "asan"])
def gw_start(request, start_gateway):
    """start_gateway, with the release build and again with the ASan+UBSan
    build (which must then report nothing)."""
    asan = request.param == "asan"
    binary, env = (asan_binary(), SANITIZER_ENV) if asan else (None, None)
    started = []

    def start(args: list[str]):
        gw = start_gateway(args, env=env, binary=binary, timeout=30 if asan else 10)
        started.append(gw)
        return gw

    start.asan = asan
    yield start
    for gw in started:
        gw.stop()
        reports = sanitizer_reports(gw)
        assert not reports, "".join(reports[:60])


@pytest.fixture(scope="module")
def big_model(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("big")
    subprocess.run([str(helper_binary("sks_mkmodel")), str(d), "big", "60"], check=True)
    return d / "big.skm"


# ------------------------------------------------------------------ signals


def test_signals_during_reloads_drain_and_exit_0(gw_start, model_dir, big_model):
    rows = [[float(i % 7), float(i % 5), float(i % 3), float(i % 11)] for i in range(4000)]
    big_req = json.dumps({"instances": rows}).encode()
    during_reload = 0
    exits = []
    trials = 3 if gw_start.asan else 10
    for trial in range(trials):
        # The file watcher on (it is the thread that used to be started
        # before the signals were blocked).
        gw = gw_start(
            [
                "--threads",
                "2",
                "--reload-interval",
                "1",
                "--drain-timeout",
                "10",
                "--model",
                f"big={big_model}",
                "--model",
                f"iris={model_dir / 'iris.skm'}",
                "--default-model",
                "iris",
            ]
        )
        answers: list[int] = []
        sent_before_term: list[int] = []
        stop = threading.Event()
        term_sent = threading.Event()

        def load(
            gw=gw,
            answers=answers,
            sent_before_term=sent_before_term,
            stop=stop,
            term_sent=term_sent,
        ):
            c = Client(gw.url, timeout=20)
            for _ in range(5000):
                if stop.is_set():
                    break
                before = not term_sent.is_set()
                try:
                    status = c.post_json("/predict", ONE)[0]
                except OSError:
                    break  # the listener closed after SIGTERM
                if before:
                    sent_before_term.append(status)
                answers.append(status)
            c.close()

        th = threading.Thread(target=load)
        th.start()
        # A storm: 15 SIGHUPs 10 ms apart (each reload takes ~0.15 s, so
        # most land while one runs), then one more and SIGTERM 40 ms into
        # the reload it starts, with a big predict in flight.
        for _ in range(15):
            gw.signal(signal.SIGHUP)
            time.sleep(0.01)
        assert gw.proc.poll() is None, f"died during the SIGHUP storm: rc {gw.proc.returncode}"
        time.sleep(0.3)
        inflight: dict = {}

        def big_predict(gw=gw, inflight=inflight):
            c = Client(gw.url, timeout=20)
            inflight["status"] = c.request(
                "POST", "/models/big/predict", big_req, {"Content-Type": "application/json"}
            )[0]

        tb = threading.Thread(target=big_predict)
        tb.start()
        time.sleep(0.02)  # sent, being scored
        gw.signal(signal.SIGHUP)
        time.sleep(0.04)
        term_sent.set()
        gw.signal(signal.SIGTERM)
        rc = gw.wait(30)
        stop.set()
        th.join(10)
        tb.join(10)
        exits.append(rc)
        msgs = [r.get("msg") for r in gw.logs]
        assert rc == 0, (trial, msgs[-10:])
        assert "stopped" in msgs and msgs.index("draining") < msgs.index("stopped")
        assert inflight.get("status") == 200, (trial, inflight)
        assert sent_before_term and all(s == 200 for s in sent_before_term), (trial, set(answers))
        assert msgs.count("model reloaded") >= 2, msgs  # the storm did reload
        # Did SIGTERM land while a reload ran? Then the drain began before
        # that reload's "model reloaded" line.
        last_reload = len(msgs) - 1 - msgs[::-1].index("model reloaded")
        during_reload += msgs.index("draining") < last_reload
    print(
        f"\nsignals: {trials} trials, exit codes {exits}, "
        f"SIGTERM seen during a reload in {during_reload}/{trials}"
    )
    assert during_reload >= 1


def test_signals_during_startup_load_exit_0(big_model):
    """SIGHUP and SIGTERM while the model loads at start (before the server
    listens): held until the server runs, then a drain and exit 0."""
    times = []
    for _ in range(3):
        p = subprocess.Popen(
            [
                str(gateway_binary()),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--model",
                f"big={big_model}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.03)  # the load takes ~0.15 s
        t0 = time.monotonic()
        p.send_signal(signal.SIGHUP)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        times.append(time.monotonic() - t0)
        msgs = [json.loads(ln).get("msg") for ln in err.splitlines() if ln.startswith("{")]
        assert p.returncode == 0, err[-2000:]
        assert (
            msgs.index("listening")
            < msgs.index("draining")
            < msgs.index("stopped")
            == len(msgs) - 1
        )
    print(f"\nsignals during the startup load: exit 0 3/3, {max(times):.3f} s at most")


# ---------------------------------------------------------- file descriptors


def _hammer(port: int, stop: threading.Event, out: dict, rate: float = 200.0) -> None:
    """Connects rate times a second until stop, sends a request on each
    connection and counts how it ended: reset or closed by the server
    ("refused", with the seconds it took), answered ("served"), or neither
    within 1 s ("stalled": left in the backlog or unread)."""
    body = json.dumps(ONE).encode()
    req = (
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    )
    out.update(refused=0, served=0, stalled=0, refused_s=[])
    for _ in range(int(rate * 30)):
        if stop.is_set():
            return
        t0 = time.monotonic()
        outcome = "refused"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(req)
                data = s.recv(16)
                if data.startswith(b"HTTP/1.1 200"):
                    outcome = "served"
                elif data:
                    outcome = "stalled"  # some other answer: not expected
        except (ConnectionResetError, BrokenPipeError):
            pass
        except OSError:  # a timeout: connect or answer
            outcome = "stalled"
        out[outcome] += 1
        if outcome == "refused":
            out["refused_s"].append(time.monotonic() - t0)
        time.sleep(1 / rate)


def _good_client(c: Client, stop: threading.Event, lat: list[float], statuses: list[int]) -> None:
    for _ in range(100_000):
        if stop.is_set():
            break
        t0 = time.perf_counter()
        statuses.append(c.post_json("/predict", ONE)[0])
        lat.append(time.perf_counter() - t0)
        time.sleep(0.002)


def _hold(port: int, n: int) -> list[socket.socket]:
    """n keep-alive connections, each answered once (so accepted)."""
    body = json.dumps(ONE).encode()
    req = (
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    held = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:  # reset before connect() returned
            break
        try:
            s.sendall(req)
            ok = s.recv(4096).startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        if not ok:
            s.close()
            break
        held.append(s)
    return held


def _attack_window(gw, good_client: Client, seconds: float = 2.0) -> dict:
    """While a hammer connects ~200 times a second and a well-behaved
    client (connected before) keeps asking: the gateway's CPU seconds over
    the window, the client's latencies."""
    stop = threading.Event()
    lat: list[float] = []
    statuses: list[int] = []
    ham: dict = {}
    good = threading.Thread(target=_good_client, args=(good_client, stop, lat, statuses))
    good.start()
    hammer = threading.Thread(target=_hammer, args=(gw.port, stop, ham))
    hammer.start()
    time.sleep(0.3)
    c0, t0 = cpu_seconds(gw.proc.pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_seconds(gw.proc.pid), time.monotonic()
    stop.set()
    good.join(10)
    hammer.join(10)
    return {"cpu": (c1 - c0) * seconds / (t1 - t0), "lat": lat, "statuses": statuses, **ham}


def test_max_connections_refused_at_once_no_spin(gw_start, model_dir):
    gw = gw_start(
        [
            "--threads",
            "2",
            "--reload-interval",
            "0",
            "--max-connections",
            "32",
            "--model",
            f"iris={model_dir / 'iris.skm'}",
        ]
    )
    listening = next(r for r in gw.logs if r.get("msg") == "listening")
    assert listening["max_connections"] == 32
    good = Client(gw.url, timeout=10)
    assert good.post_json("/predict", ONE)[0] == 200  # the well-behaved client: connection 1 of 32
    held = _hold(gw.port, 40)
    assert len(held) == 31
    w = _attack_window(gw, good)
    print(
        f"\nmax-connections 32, 31 held + 1 good client, ~200 connects/s over the limit: "
        f"gateway CPU {w['cpu']:.3f} s per 2 s, refused {w['refused']} "
        f"(slowest reset {max(w['refused_s'], default=0):.3f} s), "
        f"good client {len(w['lat'])} answers p99 {p99(w['lat']) * 1000:.2f} ms"
    )
    assert w["served"] == 0 and w["stalled"] == 0 and w["refused"] >= 50
    assert max(w["refused_s"]) < 1.0  # reset at once, not left in the backlog
    assert w["cpu"] < 0.5
    assert w["statuses"] and set(w["statuses"]) == {200}
    assert p99(w["lat"]) < 0.5  # loose: the box is shared; the figure is printed
    for s in held[:10]:
        s.close()
    t0 = time.monotonic()
    for _ in range(200):  # the closes are seen by the loops within a few ms
        try:
            c = Client(gw.url, timeout=5)
            if c.post_json("/predict", ONE)[0] == 200:
                break
        except OSError:
            time.sleep(0.01)
    else:
        pytest.fail("no new client served after connections closed")
    print(f"first new client served {time.monotonic() - t0:.3f} s after 10 held connections closed")
    assert time.monotonic() - t0 < 2
    assert metric(gw.url, 'skscore_connections_refused_total{reason="limit"}') >= w["refused"]
    for s in held[10:]:
        s.close()
    assert gw.stop() == 0


def test_emfile_does_not_spin(gw_start, model_dir):
    gw = gw_start(
        ["--threads", "2", "--reload-interval", "0", "--model", f"iris={model_dir / 'iris.skm'}"]
    )
    pid = gw.proc.pid
    # The well-behaved client's connection exists before the limit drops.
    good = Client(gw.url, timeout=10)
    assert good.post_json("/predict", ONE)[0] == 200
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    n_fds = len(os.listdir(f"/proc/{pid}/fd"))
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (n_fds + 24, hard))
    try:
        held = []
        for _ in range(5):  # fill the fd table: accepted ones answer, then EMFILE
            held += _hold(gw.port, 10)
        assert 10 <= len(held) < 50, len(held)  # the table filled: the next accept() fails
        w = _attack_window(gw, good)
        print(
            f"\nEMFILE: fd limit {n_fds + 24}, {len(held)} held, ~200 connects/s: "
            f"gateway CPU {w['cpu']:.3f} s "
            f"per 2 s, refused {w['refused']} (slowest {max(w['refused_s'], default=0):.3f} s), "
            f"good client {len(w['lat'])} answers p99 {p99(w['lat']) * 1000:.2f} ms"
        )
        assert w["cpu"] < 0.5
        assert w["stalled"] == 0 and w["refused"] >= 50
        assert w["statuses"] and set(w["statuses"]) == {200}
        assert p99(w["lat"]) < 0.5
        for s in held[:10]:
            s.close()
        t0 = time.monotonic()
        for _ in range(200):
            c = Client(gw.url, timeout=5)
            try:
                if c.post_json("/predict", ONE)[0] == 200:
                    break
            except OSError:
                time.sleep(0.01)
        else:
            pytest.fail("no new client served after connections closed")
        dt = time.monotonic() - t0
        print(f"first new client served {dt:.3f} s after 10 held connections closed")
        assert dt < 2
        c.close()
        for s in held[10:]:
            s.close()
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    assert metric(gw.url, 'skscore_connections_refused_total{reason="no_fd"}') > 0
    assert gw.stop() == 0


def test_fd_limit_raised_and_max_connections_clamped(start_gateway, model_dir, tmp_path):
    """RLIMIT_NOFILE's soft limit is raised to the hard one at start; a
    --max-connections over what the fds allow is lowered, with a warning."""
    wrapper = tmp_path / "gw.sh"
    wrapper.write_text(
        f'#!/bin/sh\nulimit -Sn 64 && ulimit -Hn 256 && exec {gateway_binary()} "$@"\n'
    )
    wrapper.chmod(0o755)
    gw = start_gateway(
        [
            "--threads",
            "2",
            "--reload-interval",
            "0",
            "--max-connections",
            "100000",
            "--model",
            f"iris={model_dir / 'iris.skm'}",
        ],
        binary=wrapper,
    )
    listening = next(r for r in gw.logs if r.get("msg") == "listening")
    assert listening["fd_limit"] == 256
    assert 100 < listening["max_connections"] < 256
    assert any(r.get("msg", "").startswith("--max-connections lowered") for r in gw.logs)
    with open(f"/proc/{gw.proc.pid}/limits") as f:
        line = next(ln for ln in f if ln.startswith("Max open files"))
    assert line.split()[3:5] == ["256", "256"], line
    assert gw.stop() == 0


# -------------------------------------------------------------- model files


def _special_files(tmp_path: Path) -> list[tuple[Path, str]]:
    fifo = tmp_path / "fifo.skm"
    os.mkfifo(fifo)
    d = tmp_path / "dir.skm"
    d.mkdir()
    return [(fifo, "a FIFO"), (d, "a directory"), (Path("/dev/zero"), "a character device")]


def test_non_regular_model_files_refused_at_start(model_dir, tmp_path):
    sock_path = tmp_path / "sock.skm"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for path, kind in [*_special_files(tmp_path), (sock_path, "a socket")]:
            t0 = time.monotonic()
            p = subprocess.run(
                [
                    str(gateway_binary()),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--model",
                    f"ok={model_dir / 'iris.skm'}",
                    "--model",
                    f"m={path}",
                ],
                capture_output=True,
                text=True,
                timeout=20,
            )
            dt = time.monotonic() - t0
            assert p.returncode == 1, (path, p.stderr)
            failed = [
                json.loads(ln) for ln in p.stderr.splitlines() if '"model failed to load"' in ln
            ]
            assert failed and failed[0]["path"] == str(path), p.stderr
            assert failed[0]["error"] == f"cannot read {path}: {kind}, not a regular file"
            assert dt < 5, (path, dt)  # at once; a FIFO used to block forever
            assert '"listening"' not in p.stderr
    finally:
        sock.close()


def test_fifo_swapped_in_on_reload(start_gateway, model_dir, tmp_path):
    path = tmp_path / "m.skm"
    path.write_bytes((model_dir / "iris.skm").read_bytes())
    gw = start_gateway(["--threads", "2", "--reload-interval", "0.1", "--model", f"m={path}"])
    c = Client(gw.url)
    assert json.loads(c.post_json("/predict", ONE)[1]) == {"prediction": "setosa"}
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    fifo.replace(path)  # the watcher sees it; then SIGHUP forces it again
    failures = 'skscore_model_reload_failures_total{model="m"}'
    deadline = time.monotonic() + 10
    while metric(gw.url, failures) < 1:
        assert time.monotonic() < deadline, gw.logs[-5:]
        time.sleep(0.02)
    gw.signal(signal.SIGHUP)
    while metric(gw.url, failures) < 2:
        assert time.monotonic() < deadline, gw.logs[-5:]
        time.sleep(0.02)
    dt = time.monotonic() - t0
    print(f"\nFIFO swapped in: two failed reloads (poll and SIGHUP) logged {dt:.3f} s later")
    fails = [r for r in gw.logs if r.get("msg", "").startswith("model reload failed")]
    assert fails and all(
        r["error"] == f"cannot read {path}: a FIFO, not a regular file" for r in fails
    ), fails
    assert json.loads(c.post_json("/predict", ONE)[1]) == {
        "prediction": "setosa"
    }  # the old model serves
    # Later reloads still work: the reload thread is not stuck in open().
    tmp = tmp_path / "new.skm"
    tmp.write_bytes((model_dir / "flabel.skm").read_bytes())
    tmp.replace(path)
    gw.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while json.loads(c.post_json("/predict", ONE)[1]) != {"prediction": 1.0}:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    c.close()
    assert gw.stop() == 0
