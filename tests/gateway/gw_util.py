"""Helpers shared by the gateway tests and bench/bench_gateway.py: HTTP
calls over one keep-alive connection, a seed-style Flask app on a port the
kernel picks, type-strict JSON comparison, h2load runs.

The Flask app is the seed's app.py (/work/shared/seed, "app.py") verbatim,
except that it is started by werkzeug's make_server on 127.0.0.1 port 0
(app.run would bind 0.0.0.0:5000); make_server with threaded=True is what
app.run does underneath.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

# The seed's app.py, as written there (only indentation restored).
SEED_APP = '''\
from flask import Flask, request, jsonify
import joblib
import os
app = Flask(__name__)
model_path = os.environ.get("MODEL_PATH", "/app/model.joblib")
model = joblib.load(model_path)
@app.route('/predict', methods=['POST'])
def predict():
    data = request.get_json()
    features = data['features']
    prediction = model.predict([features])[0]
    return jsonify({'prediction': prediction})
if __name__ == '__main__':
    app.run(host='0.0.0.0', port=5000)
'''

# Starts app.py on 127.0.0.1:0 (werkzeug, threaded, as app.run) and prints the port.
_SEED_RUN = '''\
import sys
sys.path.insert(0, sys.argv[1])
import app
from werkzeug.serving import make_server
srv = make_server("127.0.0.1", 0, app.app, threaded=True)
print(srv.port, flush=True)
srv.serve_forever()
'''


class SeedApp:
    """The seed's Flask app serving a joblib file. mode "flask": werkzeug
    (single process, as `python app.py`); mode "gunicorn": gunicorn with
    `workers` sync workers on a free port."""

    def __init__(self, joblib_path: Path, workdir: Path, mode: str = "flask", workers: int = 2):
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "app.py").write_text(SEED_APP)
        env = dict(os.environ, MODEL_PATH=str(joblib_path), PYTHONWARNINGS="ignore")
        if mode == "flask":
            self.proc = subprocess.Popen([sys.executable, "-c", _SEED_RUN, str(workdir)], env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            line = self.proc.stdout.readline()
            if not line.strip().isdigit():
                self.stop()
                raise RuntimeError("the seed app did not start")
            self.port = int(line)
        else:
            gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
            for _ in range(5):
                self.port = free_port()
                self.proc = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                                              "--chdir", str(workdir), "--log-level", "warning", "app:app"],
                                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if wait_port(self.port, 20, self.proc):
                    break
                self.stop()
            else:
                raise RuntimeError("gunicorn did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc, 10)


def stop_process(proc: subprocess.Popen, timeout: float, sig: int = signal.SIGTERM) -> int:
    """Sends sig to a process we started, waits up to timeout, then kills
    it; returns its exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def status_bytes(pid: int, field: str) -> int:
    """A size from /proc/PID/status (VmRSS, VmPeak, ...), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float, proc=None) -> bool:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Client:
    """HTTP/1.1 over one keep-alive connection (reconnects if closed)."""

    def __init__(self, url: str, timeout: float = 30):
        m = re.match(r"http://([^:/]+):(\d+)", url)
        self.host, self.port, self.timeout = m.group(1), int(m.group(2)), timeout
        self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    self.close()
                return r.status, data, hdrs
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def post_json(self, path: str, doc, **kw) -> tuple[int, bytes, dict[str, str]]:
        return self.request("POST", path, json.dumps(doc).encode(), {"Content-Type": "application/json", **kw})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def strict_equal(a, b) -> bool:
    """== that also compares types (1 != 1.0 != True), for JSON documents."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def h2load(url: str, *, n: int, clients: int, streams: int = 1, threads: int = 1, data: Path | None = None,
           headers: dict[str, str] | None = None, h1: bool = False, rps: float | None = None,
           duration: float | None = None, log_file: Path | None = None, timeout: float = 120,
           extra: list[str] | None = None) -> dict:
    """Runs h2load and returns its summary as numbers."""
    cmd = ["h2load", "-n", str(n), "-c", str(clients), "-m", str(streams), "-t", str(threads)]
    if h1:
        cmd.append("--h1")
    if data is not None:
        cmd += ["-d", str(data)]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if rps is not None:
        cmd += ["--rps", str(rps)]
    if duration is not None:
        cmd += ["-D", str(duration)]
    if log_file is not None:
        cmd += [f"--log-file={log_file}"]
    cmd += list(extra or []) + [url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    return parse_h2load(out)


def parse_h2load(out: str) -> dict:
    r: dict = {"raw": out}
    m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
    if m:
        r["seconds"] = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
        r["rps"] = float(m.group(3))
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, "
                  r"(\d+) timeout", out)
    if m:
        for k, v in zip(("total", "started", "done", "succeeded", "failed", "errored", "timeout"), m.groups()):
            r[k] = int(v)
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if m:
        r["2xx"], r["3xx"], r["4xx"], r["5xx"] = map(int, m.groups())
    m = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", out)
    if m:
        scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
        r["min_s"] = float(m.group(1)) * scale[m.group(2)]
        r["max_s"] = float(m.group(3)) * scale[m.group(4)]
        r["mean_s"] = float(m.group(5)) * scale[m.group(6)]
    return r


def read_h2load_log(path: Path) -> list[tuple[int, int, int]]:
    """h2load --log-file rows: (start µs since epoch, status, µs to the end)."""
    rows = []
    for line in Path(path).read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return rows
