#!/usr/bin/env python3
"""Soak: load, model churn and corrupt writes against skscore-gateway, for a
bounded time, with RSS and latency sampled and a summary printed.

What runs at once, for --duration seconds:

* load: h2load over HTTP/2 cleartext (if installed; else Python threads,
  HTTP/1.1 keep-alive), one-row seed JSON to POST /predict;
* a checker: one keep-alive HTTP/1.1 connection sending one request at a
  time, recording each answer's status and latency, and checking the body
  is the answer of one of the two models served (a corrupt file is never
  served);
* churn: every --replace-every seconds the model file is replaced by atomic
  rename, alternating two models that answer differently (iris, string
  labels; flabel, float labels); every --corrupt-every seconds the file is
  rewritten in place with corrupt bytes (a truncated copy, or a bit flip);
  the next replacement restores a good file. The gateway sees the changes
  by its file watcher (--reload-interval) and, with --sighup, by SIGHUP too;
* a sampler: the gateway's RSS (VmRSS) every 0.5 s.

At the end: SIGTERM, and the exit code must be 0. The summary has the
requests (total, errors by status), RSS min/max/end, p50/p99 latency, and
reloads ok/failed (from /metrics). Exit status 1 if a request failed, a
wrong body was seen or the gateway did not exit 0.

Usage (from the repository root, after a gateway build)::

    python3 bench/soak.py                     # 60 s, the gateway started here
    python3 bench/soak.py --duration 300 --replace-every 2 --corrupt-every 20
    python3 bench/soak.py --url http://127.0.0.1:8080 --pid 1234 \
        --model-file /models/m.skm            # a gateway already running

With --url, the gateway is not started: RSS is sampled only with --pid,
the model file (the one that gateway serves as its default model) is
churned only with --model-file, and bodies are checked only if that file
is churned. Not run in CI. Needs the gateway binary ($SKSCORE_GATEWAY or
build*/gateway/skscore-gateway, with sks_mkmodel beside it for the two
models), h2load (Debian nghttp2-client) for full-speed load.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "gateway"))

from gw_util import parse_h2load  # noqa: E402

ROW = {"features": [5.1, 3.5, 1.4, 0.2]}
BODY = json.dumps(ROW).encode()
# What each model answers for ROW (tests/c/mkmodel.c).
GOOD_ANSWERS = ({"prediction": "setosa"}, {"prediction": 1.0})


def find_binary(name: str) -> Path | None:
    env = os.environ.get("SKSCORE_GATEWAY")
    if env:
        p = Path(env) if name == "skscore-gateway" else Path(env).parent / name
        return p if p.is_file() else None
    for d in sorted(glob.glob(str(ROOT / "build*"))):
        p = Path(d) / "gateway" / name
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
    except OSError:
        return None
    return None


def metrics(host: str, port: int) -> str:
    try:
        c = http.client.HTTPConnection(host, port, timeout=5)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        c.close()
        return text
    except OSError:
        return ""


def metric_sum(text: str, name: str) -> float:
    total = 0.0
    for ln in text.splitlines():
        if ln.startswith(name + "{") or ln.startswith(name + " "):
            total += float(ln.rsplit(" ", 1)[1])
    return total


class Checker(threading.Thread):
    """One request at a time on a keep-alive connection."""

    def __init__(self, host: str, port: int, stop: threading.Event, check_body: bool):
        super().__init__(daemon=True)
        self.host, self.port, self.stop, self.check_body = host, port, stop, check_body
        self.lat: list[float] = []
        self.status: Counter = Counter()
        self.wrong: list[bytes] = []

    def run(self) -> None:
        conn = None
        hdrs = {"Content-Type": "application/json"}
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/predict", body=BODY, headers=hdrs)
                r = conn.getresponse()
                data = r.read()
            except OSError as e:
                self.status[type(e).__name__] += 1
                conn.close()
                conn = None
                time.sleep(0.01)
                continue
            self.lat.append(time.perf_counter() - t0)
            self.status[r.status] += 1
            if self.check_body and r.status == 200 and json.loads(data) not in GOOD_ANSWERS:
                self.wrong.append(data[:200])
            time.sleep(0.001)
        if conn is not None:
            conn.close()


class PyLoad(threading.Thread):
    """Load without h2load: HTTP/1.1 keep-alive, back to back."""

    def __init__(self, host: str, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.host, self.port, self.stop = host, port, stop
        self.status: Counter = Counter()

    def run(self) -> None:
        conn = None
        hdrs = {"Content-Type": "application/json"}
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                conn.request("POST", "/predict", body=BODY, headers=hdrs)
                r = conn.getresponse()
                r.read()
                self.status[r.status] += 1
            except OSError as e:
                self.status[type(e).__name__] += 1
                conn.close()
                conn = None


class Churn(threading.Thread):
    """Replaces the model file every replace_s (alternating good models) and
    writes a corrupt file in place every corrupt_s."""

    def __init__(
        self,
        path: Path,
        goods: list[bytes],
        replace_s: float,
        corrupt_s: float,
        hold_s: float,
        duration_s: float,
        stop: threading.Event,
        pid: int | None,
        sighup: bool,
    ):
        super().__init__(daemon=True)
        self.hold_s = hold_s  # a corrupt file stays at least this long (the watcher must see it)
        self.duration_s = duration_s
        self.path, self.goods, self.stop, self.pid, self.sighup = path, goods, stop, pid, sighup
        self.replace_s, self.corrupt_s = replace_s, corrupt_s
        self.replaced = self.corrupted = 0

    def _poke(self) -> None:
        if self.sighup and self.pid:
            os.kill(self.pid, signal.SIGHUP)

    def run(self) -> None:
        t0 = time.monotonic()
        next_rep = t0 + self.replace_s
        next_bad = t0 + self.corrupt_s if self.corrupt_s > 0 else float("inf")
        i = 0
        while not self.stop.wait(0.05):
            now = time.monotonic()
            # No corrupt write the watcher could not see before the end.
            if now >= next_bad and now < t0 + self.duration_s - 2 * self.hold_s:
                good = self.goods[i % len(self.goods)]
                if self.corrupted % 2 == 0:
                    bad = good[: len(good) // 2]  # truncated
                else:
                    b = bytearray(good)
                    b[len(b) * 2 // 3] ^= 0x10  # one bit flipped
                    bad = bytes(b)
                with open(self.path, "r+b") as f:  # in place: same inode
                    f.write(bad)
                    f.truncate()
                self.corrupted += 1
                self._poke()
                next_bad += self.corrupt_s
                next_rep = max(next_rep, now + self.hold_s)
            if now >= next_rep:
                i += 1
                tmp = self.path.with_name(self.path.name + ".soak-tmp")
                tmp.write_bytes(self.goods[i % len(self.goods)])
                tmp.replace(self.path)
                self.replaced += 1
                self._poke()
                next_rep += self.replace_s


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    ap.add_argument(
        "--replace-every",
        type=float,
        default=2,
        help="seconds between model replacements (default 2)",
    )
    ap.add_argument(
        "--corrupt-every",
        type=float,
        default=20,
        help="seconds between corrupt writes in place (default 20; 0: none)",
    )
    ap.add_argument(
        "--reload-interval",
        type=float,
        default=0.5,
        help="the started gateway's --reload-interval (default 0.5)",
    )
    ap.add_argument("--sighup", action="store_true", help="also send SIGHUP after each file change")
    ap.add_argument(
        "--threads", type=int, default=2, help="the started gateway's event loops (default 2)"
    )
    ap.add_argument("--load", choices=("auto", "h2load", "python"), default="auto")
    ap.add_argument("--clients", type=int, default=8, help="load connections (default 8)")
    ap.add_argument(
        "--streams", type=int, default=16, help="h2load streams per connection (default 16)"
    )
    ap.add_argument("--url", help="target a running gateway instead of starting one")
    ap.add_argument("--pid", type=int, help="with --url: the gateway's PID, for RSS")
    ap.add_argument("--model-file", help="with --url: the served default model's file, to churn")
    ap.add_argument("--json", help="also write the summary as JSON to this file")
    a = ap.parse_args()

    mkmodel = find_binary("sks_mkmodel")
    work = Path(tempfile.mkdtemp(prefix="skscore-soak-"))
    proc = None
    try:
        goods: list[bytes] = []
        if a.url is None or a.model_file:
            if mkmodel is None:
                sys.exit("soak: sks_mkmodel not found (build the gateway, or set SKSCORE_GATEWAY)")
            subprocess.run([str(mkmodel), str(work)], check=True)
            goods = [(work / "iris.skm").read_bytes(), (work / "flabel.skm").read_bytes()]
        if a.url is None:
            gw = find_binary("skscore-gateway")
            if gw is None:
                sys.exit("soak: skscore-gateway not found (build it, or set SKSCORE_GATEWAY)")
            model = work / "m.skm"
            model.write_bytes(goods[0])
            proc = subprocess.Popen(
                [
                    str(gw),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--threads",
                    str(a.threads),
                    "--reload-interval",
                    str(a.reload_interval),
                    "--model",
                    f"m={model}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stderr is not None
            port = None
            errlog: list[str] = []
            for ln in proc.stderr:  # JSON log lines; "listening" has the port
                if '"msg":"listening"' in ln:
                    port = json.loads(ln)["port"]
                    break
                errlog.append(ln)
            if port is None:
                sys.exit("soak: the gateway did not start: " + "".join(errlog[-3:]))

            def drain() -> None:
                for ln in proc.stderr:
                    if '"level":"error"' in ln or '"level":"warn"' in ln:
                        errlog.append(ln)

            threading.Thread(target=drain, daemon=True).start()
            host, pid, model_file, check_body = "127.0.0.1", proc.pid, model, True
        else:
            m = re.match(r"http://([^:/]+):(\d+)", a.url)
            if not m:
                sys.exit("soak: --url must look like http://HOST:PORT")
            host, port, pid = m.group(1), int(m.group(2)), a.pid
            model_file = Path(a.model_file) if a.model_file else None
            check_body = model_file is not None
            errlog = []
            if model_file is not None:
                model_file.write_bytes(goods[0])
                time.sleep(max(a.reload_interval, 2) + 0.5)  # let that gateway load it

        m0 = metrics(host, port)
        stop = threading.Event()
        checker = Checker(host, port, stop, check_body)
        hold = max(2 * a.reload_interval + 0.2, a.replace_every / 2)
        churn = (
            Churn(
                model_file,
                goods,
                a.replace_every,
                a.corrupt_every,
                hold,
                a.duration,
                stop,
                pid,
                a.sighup,
            )
            if model_file is not None
            else None
        )
        rss: list[int] = []

        def sample() -> None:
            while pid and not stop.wait(0.5):
                v = rss_kb(pid)
                if v is not None:
                    rss.append(v)

        sampler = threading.Thread(target=sample, daemon=True)
        use_h2load = a.load == "h2load" or (a.load == "auto" and shutil.which("h2load"))
        if pid:
            v = rss_kb(pid)
            if v is not None:
                rss.append(v)
        for t in (checker, sampler, *([churn] if churn else [])):
            t.start()
        t0 = time.monotonic()
        h2 = None
        pyloads: list[PyLoad] = []
        if use_h2load:
            body_file = work / "body.json"
            body_file.write_bytes(BODY)
            cmd = [
                "h2load",
                "-D",
                f"{int(a.duration * 1000)}ms",
                "-c",
                str(a.clients),
                "-m",
                str(a.streams),
                "-t",
                "1",
                "-d",
                str(body_file),
                "-H",
                "Content-Type: application/json",
                f"http://{host}:{port}/predict",
            ]
            out = subprocess.run(
                cmd, capture_output=True, text=True, timeout=a.duration + 60
            ).stdout
            h2 = parse_h2load(out)
        else:
            pyloads = [PyLoad(host, port, stop) for _ in range(a.clients)]
            for t in pyloads:
                t.start()
            time.sleep(a.duration)
        elapsed = time.monotonic() - t0
        stop.set()
        for t in (checker, sampler, *pyloads, *([churn] if churn else [])):
            t.join(15)
        m1 = metrics(host, port)
        rc = None
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()

        # ------------------------------------------------------------ summary
        load_status: Counter = Counter()
        if h2 is not None:
            for k in ("2xx", "3xx", "4xx", "5xx"):
                if h2.get(k):
                    load_status[k] = h2[k]
            for k in ("errored", "timeout"):
                if h2.get(k):
                    load_status[k] = h2[k]
            load_total = h2.get("done", 0)
        else:
            for t in pyloads:
                load_status.update(t.status)
            load_total = sum(load_status.values())
        load_errors = {str(k): v for k, v in load_status.items() if k not in ("2xx", 200)}
        chk_errors = {str(k): v for k, v in checker.status.items() if k != 200}
        reloads_ok = metric_sum(m1, "skscore_model_reloads_total") - metric_sum(
            m0, "skscore_model_reloads_total"
        )
        reloads_bad = metric_sum(m1, "skscore_model_reload_failures_total") - metric_sum(
            m0, "skscore_model_reload_failures_total"
        )
        s = {
            "duration_s": round(elapsed, 1),
            "load": "h2load h2c" if h2 is not None else "python http/1.1",
            "clients": a.clients,
            "streams": a.streams if h2 is not None else 1,
            "requests": load_total + sum(checker.status.values()),
            "load_requests": load_total,
            "load_req_per_s": round(load_total / elapsed) if elapsed else 0,
            "load_errors": load_errors,
            "checker_requests": sum(checker.status.values()),
            "checker_errors": chk_errors,
            "wrong_bodies": len(checker.wrong),
            "latency_ms": {
                "p50": round(pct(checker.lat, 0.5) * 1e3, 3),
                "p99": round(pct(checker.lat, 0.99) * 1e3, 3),
                "max": round(max(checker.lat, default=float("nan")) * 1e3, 3),
            },
            "h2load_request_time_ms": {
                "mean": round(h2.get("mean_s", float("nan")) * 1e3, 3),
                "max": round(h2.get("max_s", float("nan")) * 1e3, 3),
            }
            if h2
            else None,
            "rss_mb": {
                "start": round(rss[0] / 1024, 1),
                "min": round(min(rss) / 1024, 1),
                "max": round(max(rss) / 1024, 1),
                "end": round(rss[-1] / 1024, 1),
            }
            if rss
            else None,
            "replacements": churn.replaced if churn else 0,
            "corrupt_writes": churn.corrupted if churn else 0,
            "reloads_ok": int(reloads_ok),
            "reloads_failed": int(reloads_bad),
            "gateway_exit": rc,
        }
        print(
            f"soak: {s['duration_s']} s, {s['load']}, "
            f"{a.clients} connections x {s['streams']} streams"
        )
        print(
            f"  requests: {s['requests']} ({s['load_req_per_s']}/s under load); load errors "
            f"{load_errors or 'none'}; checker {s['checker_requests']} requests, "
            f"errors {chk_errors or 'none'}, "
            f"wrong bodies {s['wrong_bodies']}"
        )
        print(
            f"  latency (checker, one at a time, under load): p50 {s['latency_ms']['p50']} ms, "
            f"p99 {s['latency_ms']['p99']} ms, max {s['latency_ms']['max']} ms"
        )
        if s["h2load_request_time_ms"]:
            print(
                f"  h2load request time: mean {s['h2load_request_time_ms']['mean']} ms, "
                f"max {s['h2load_request_time_ms']['max']} ms"
            )
        if s["rss_mb"]:
            r = s["rss_mb"]
            print(
                f"  RSS MB: start {r['start']}, min {r['min']}, max {r['max']}, end {r['end']} "
                f"({len(rss)} samples)"
            )
        print(
            f"  churn: {s['replacements']} replacements, {s['corrupt_writes']} corrupt writes; "
            f"reloads ok "
            f"{s['reloads_ok']}, failed {s['reloads_failed']}"
        )
        if proc is not None:
            print(f"  gateway exit code after SIGTERM: {rc}")
            bad = [ln for ln in errlog if '"level":"error"' in ln and "reload failed" not in ln]
            if bad:
                print(f"  gateway error lines: {len(bad)}; first: {bad[0].strip()}")
        if a.json:
            Path(a.json).write_text(json.dumps(s, indent=2) + "\n")
        ok = not load_errors and not chk_errors and not checker.wrong and rc in (None, 0)
        print("soak:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
