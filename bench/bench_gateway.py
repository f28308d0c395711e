#!/usr/bin/env python3
"""Gateway benchmark: skscore-gateway against the seed's Flask app, the model
servers a user would pick instead (MLServer, KServe) and h2o's own
fixed-response ceiling, driven by h2load on loopback.

In one run, on two models trained on iris (a 100-tree RandomForest with
string labels, and a LogisticRegression):

* the gateway (2 event loops) over HTTP/2 cleartext and HTTP/1.1:
  one-row seed JSON (``{"features": [...]}``), 1,000-row JSON batches,
  1,000-row msgpack raw float64 blocks;
* the seed's Flask app (its app.py verbatim, serving the same estimator from
  joblib): single process as in the seed (werkzeug, threaded), and gunicorn
  with 2 sync workers -- HTTP/1.1 only, which is all they speak;
* MLServer (mlserver-sklearn) and a KServe Python model server (a
  ``kserve.Model`` loading the same joblib, as KServe's sklearnserver does),
  from bench/peers.py, each in its own virtual environment: the same
  one-row Open Inference Protocol (V2) JSON body as the gateway's V2 rows,
  over HTTP/1.1 (all their REST servers speak); ``--no-peers`` leaves them
  out;
* each server's resident memory (its process tree's VmRSS) after its load;
* ``gw_fixed_response`` (gateway/bench/fixed_response.c): the gateway's
  h2o setup answering a fixed body, no decoding or scoring -- the ceiling;
* the engine in-process: ``skscore.load(path).predict`` on the same
  1,000-row blocks with the same thread count, for the end-to-end ratio;
* the forest's one-row JSON over HTTP/2 again, rate-limited to half of the
  measured peak, for its p99.

Latency percentiles come from h2load's per-request log (time from sending a
request to the end of its answer). Everything runs on this machine's cores:
h2load competes with the server for them, as the issue's targets assume.
Targets are printed as MET/MISSED lines.

Usage (from the repository root, after ``pip install .`` and a gateway build)::

    python3 bench/bench_gateway.py --quick        # ~1 minute smoke run
    python3 bench/bench_gateway.py                # full run, ~5 minutes
    python3 bench/bench_gateway.py --write-docs   # also rewrite "## Gateway" in docs/BENCHMARKS.md

Needs: h2load (Debian nghttp2-client), flask, gunicorn, joblib,
scikit-learn, msgpack, skscore (the peers install themselves on first use,
a few minutes; bench/peers.py); the gateway binary from
``$SKSCORE_GATEWAY`` or a build directory (build*/gateway/skscore-gateway,
with gw_fixed_response beside it).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from project_python import use_project_python  # noqa: E402

use_project_python()

import argparse
import datetime
import glob
import json
import os
import platform
import queue
import re
import shlex
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "gateway"))

from gw_util import SeedApp, h2load, read_h2load_log, stop_process  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import peers  # noqa: E402


def find_binary(name: str, override: str | None) -> Path:
    if override:
        p = Path(override)
        if name != "skscore-gateway":
            p = p.parent / name
        if p.is_file():
            return p
    for pattern in ("build", "build-gw", "build*"):
        for d in sorted(glob.glob(str(ROOT / pattern))):
            if "asan" in d or "fuzz" in d:
                continue
            p = Path(d) / "gateway" / name
            if p.is_file() and os.access(p, os.X_OK):
                return p
    sys.exit(f"bench_gateway: {name} not found: build the gateway (cmake -S . -B build && cmake --build build) "
             "or set SKSCORE_GATEWAY")


class Proc:
    """A server we started; stopped by its own PID."""

    def __init__(self, cmd: list[str], port_from: str, env: dict | None = None):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        lines: queue.Queue = queue.Queue()
        stream = self.proc.stdout if port_from == "stdout" else self.proc.stderr
        other = self.proc.stderr if port_from == "stdout" else self.proc.stdout
        # drain both pipes for the server's life so it never blocks on a full pipe
        threading.Thread(target=lambda: [lines.put(ln) for ln in stream], daemon=True).start()
        threading.Thread(target=lambda: [None for _ in other], daemon=True).start()
        deadline = time.monotonic() + 20
        self.port = None
        while self.port is None and time.monotonic() < deadline and self.proc.poll() is None:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if port_from == "stdout" and line.strip().isdigit():
                self.port = int(line)
            elif port_from == "stderr" and '"listening"' in line:
                self.port = json.loads(line)["port"]
        if self.port is None:
            self.stop()
            sys.exit(f"bench_gateway: {cmd[0]} did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc, 30)


def percentile(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[i]


def run_load(url: str, body: Path, ctype: str, *, h1: bool, clients: int, streams: int, seconds: float,
             warmup: float, rps: float | None = None, count: int | None = None, workdir: Path) -> dict:
    """h2load for `seconds` after `warmup` -- or, with `count`, that many
    requests (the seed apps: gunicorn's sync workers close every connection,
    and h2load's timed mode has been seen to hang on such servers)."""
    log = workdir / "h2load.log"
    if log.exists():
        log.unlink()
    timed = ["-D", f"{int(seconds * 1000)}ms", "--warm-up-time", f"{int(warmup * 1000)}ms"]
    r = h2load(url, n=count or 1, clients=clients, streams=streams, threads=1, data=body,
               headers={"content-type": ctype}, h1=h1, rps=rps, log_file=log, timeout=seconds + warmup + 120,
               extra=[] if count else timed)
    rows = read_h2load_log(log) if log.exists() else []
    lat = sorted(d / 1e6 for _, s, d in rows if s == 200)
    bad = sum(1 for _, s, _ in rows if s != 200)
    if "rps" not in r:
        raise RuntimeError(f"h2load failed: {r['raw'][-2000:]}")
    # h2load's req/s with -D covers the measuring window only
    return {"rps": r["rps"], "p50": percentile(lat, 0.50), "p99": percentile(lat, 0.99), "n": len(lat),
            "failed": r.get("failed", 0) + r.get("4xx", 0) + r.get("5xx", 0) + bad}


def engine_rows_per_s(path: Path, X, threads: int, seconds: float) -> float:
    import skscore
    m = skscore.load(path)
    m.predict(X, n_threads=threads)
    n = 0
    t0 = time.perf_counter()
    while True:
        m.predict(X, n_threads=threads)
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds or n >= 200_000:
            return n * X.shape[0] / el


def versions(gw_bin: Path) -> str:
    def v(dist):
        from importlib.metadata import PackageNotFoundError, version
        try:
            return version(dist)
        except PackageNotFoundError:
            return "?"
    h2l = subprocess.run(["h2load", "--version"], capture_output=True, text=True).stdout.split()[-1]
    h2o_dirs = sorted(ROOT.glob("third_party/h2o-*/"))
    h2o = (h2o_dirs[-1].name.removeprefix("h2o-") + " (Debian's source, patched, static)") if h2o_dirs else "?"
    gwv = subprocess.run([str(gw_bin), "--version"], capture_output=True, text=True).stdout.strip() or "?"
    gwv = gwv.removeprefix("skscore-gateway").strip()
    gunicorn_bin = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    gunicorn = subprocess.run([gunicorn_bin, "--version"], capture_output=True, text=True).stdout.strip() or "?"
    peer = peers.peer_versions()
    return (f"skscore-gateway {gwv}, libh2o {h2o}, h2load {h2l}, Python {platform.python_version()}, "
            f"scikit-learn {v('scikit-learn')}, numpy {v('numpy')}, Flask {v('flask')}, {gunicorn}"
            + (f"; {peer}" if peer else ""))


def machine() -> str:
    cpu = "?"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    deb = Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else "?"
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, Debian {deb}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short runs, one round (~1 minute)")
    ap.add_argument("--write-docs", action="store_true", help='rewrite the "## Gateway" section of docs/BENCHMARKS.md')
    ap.add_argument("--threads", type=int, default=2, help="gateway event loops and engine threads (default 2)")
    ap.add_argument("--seconds", type=float, default=None, help="measuring window per run")
    ap.add_argument("--rounds", type=int, default=None, help="rounds per configuration (median of rounds)")
    ap.add_argument("--no-peers", action="store_true", help="leave MLServer and KServe out")
    args = ap.parse_args()
    if shutil.which("h2load") is None:
        sys.exit("bench_gateway: h2load is missing (apt-get install nghttp2-client)")
    seconds = args.seconds or (1.0 if args.quick else 4.0)
    warmup = 0.3 if args.quick else 1.0
    rounds = args.rounds or (1 if args.quick else 3)
    started = time.monotonic()

    import joblib
    import msgpack
    import numpy as np
    import skscore
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    work = Path(tempfile.mkdtemp(prefix="skscore-bench-gw-"))
    iris = load_iris()
    X, y = iris.data, iris.target_names[iris.target]
    names = list(iris.feature_names)
    ests = {"forest": RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(X, y),
            "lr": LogisticRegression(max_iter=1000).fit(X, y)}
    for name, est in ests.items():
        skscore.export(est, work / f"{name}.skm", feature_names=names)
        joblib.dump(est, work / f"{name}.joblib")
    rng = np.random.default_rng(0)
    block = (X[rng.integers(0, len(X), 1000)] + rng.normal(0, 0.05, (1000, 4))).astype(np.float64)
    bodies = {
        "one": work / "one.json", "json1000": work / "json1000.json", "mp1000": work / "mp1000.msgpack",
        "v2one": work / "v2one.json",
    }
    bodies["one"].write_text(json.dumps({"features": [5.1, 3.5, 1.4, 0.2]}))
    bodies["v2one"].write_text(json.dumps(
        {"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2]}]}))
    bodies["json1000"].write_text(json.dumps({"instances": block.tolist()}))
    bodies["mp1000"].write_bytes(msgpack.packb({"block": block.tobytes(), "dtype": "float64", "shape": [1000, 4]}))
    JSON, MP = "application/json", "application/msgpack"

    gw_bin = find_binary("skscore-gateway", os.environ.get("SKSCORE_GATEWAY"))
    fixed_bin = find_binary("gw_fixed_response", os.environ.get("SKSCORE_GATEWAY"))
    t = str(args.threads)
    gw = Proc([str(gw_bin), "--host", "127.0.0.1", "--port", "0", "--threads", t, "--reload-interval", "0",
               "--log-level", "info", "--model", f"forest={work / 'forest.skm'}", "--model", f"lr={work / 'lr.skm'}"],
              "stderr")
    fixed = Proc([str(fixed_bin), "--threads", t], "stdout")
    apps = {}
    try:
        apps["flask"] = SeedApp(work / "forest.joblib", work / "flask-app", mode="flask")
        apps["gunicorn"] = SeedApp(work / "forest.joblib", work / "gunicorn-app", mode="gunicorn", workers=2)
    except Exception as e:  # noqa: BLE001
        print(f"bench_gateway: the Flask apps did not start ({e}); pip install flask gunicorn joblib")
    if not args.no_peers:
        for key, start in (("mlserver", peers.start_mlserver), ("kserve", peers.start_kserve)):
            p = start(work / "forest.joblib", "forest", work, print)
            if p is not None:
                apps[key] = p

    H2 = dict(h1=False, clients=16, streams=16)
    H1 = dict(h1=True, clients=16, streams=1)
    H2B = dict(h1=False, clients=4, streams=4)  # 1,000-row bodies
    H1B = dict(h1=True, clients=4, streams=1)
    configs = [
        # key, label, server url, path, body, ctype, load, rows per request
        ("forest_h2_one", "gateway, forest, 1-row JSON, h2c", gw.url, "/models/forest/predict", "one", JSON, H2, 1),
        ("forest_h1_one", "gateway, forest, 1-row JSON, HTTP/1.1", gw.url, "/models/forest/predict", "one", JSON, H1,
         1),
        ("lr_h2_one", "gateway, LR, 1-row JSON, h2c", gw.url, "/models/lr/predict", "one", JSON, H2, 1),
        ("lr_h1_one", "gateway, LR, 1-row JSON, HTTP/1.1", gw.url, "/models/lr/predict", "one", JSON, H1, 1),
        ("fixed_h2", "h2o fixed response (ceiling), same body, h2c", fixed.url, "/predict", "one", JSON, H2, 1),
        ("fixed_h1", "h2o fixed response (ceiling), same body, HTTP/1.1", fixed.url, "/predict", "one", JSON, H1, 1),
        ("forest_h2_json1000", "gateway, forest, 1,000-row JSON, h2c", gw.url, "/models/forest/predict", "json1000",
         JSON, H2B, 1000),
        ("forest_h2_mp1000", "gateway, forest, 1,000-row msgpack block, h2c", gw.url, "/models/forest/predict",
         "mp1000", MP, H2B, 1000),
        ("forest_h1_mp1000", "gateway, forest, 1,000-row msgpack block, HTTP/1.1", gw.url, "/models/forest/predict",
         "mp1000", MP, H1B, 1000),
        ("lr_h2_json1000", "gateway, LR, 1,000-row JSON, h2c", gw.url, "/models/lr/predict", "json1000", JSON, H2B,
         1000),
        ("lr_h2_mp1000", "gateway, LR, 1,000-row msgpack block, h2c", gw.url, "/models/lr/predict", "mp1000", MP, H2B,
         1000),
        ("lr_h1_mp1000", "gateway, LR, 1,000-row msgpack block, HTTP/1.1", gw.url, "/models/lr/predict", "mp1000", MP,
         H1B, 1000),
    ]
    seed_load = dict(h1=True, clients=8, streams=1, count=int(300 * seconds))
    if "flask" in apps:
        configs.append(("flask_one", "seed Flask app (werkzeug, 1 process), forest, 1-row JSON, HTTP/1.1",
                        apps["flask"].url, "/predict", "one", JSON, seed_load, 1))
    if "gunicorn" in apps:
        configs.append(("gunicorn_one", "seed Flask app under gunicorn (2 workers), forest, 1-row JSON, HTTP/1.1",
                        apps["gunicorn"].url, "/predict", "one", JSON, seed_load, 1))
    v2 = "/v2/models/forest/infer"
    configs += [
        ("gw_v2_h2", "gateway, forest, 1-row V2 JSON, h2c", gw.url, v2, "v2one", JSON, H2, 1),
        ("gw_v2_h1", "gateway, forest, 1-row V2 JSON, HTTP/1.1", gw.url, v2, "v2one", JSON, H1, 1),
    ]
    for key in ("mlserver", "kserve"):
        if key in apps:
            configs.append((f"{key}_v2_h1", f"{apps[key].label}, forest, 1-row V2 JSON, HTTP/1.1", apps[key].url, v2,
                            "v2one", JSON, seed_load, 1))
    rss: dict[str, list[int]] = {}
    rss_pid = {"gw": gw.proc.pid, **{k: a.proc.pid for k, a in apps.items()}}

    results: dict[str, list[dict]] = {c[0]: [] for c in configs}
    engine: dict[str, list[float]] = {"forest": [], "lr": []}
    try:
        for rnd in range(rounds):
            for key, label, url, path, body, ctype, load, rows in configs:
                r = run_load(url + path, bodies[body], ctype, seconds=seconds, warmup=warmup, workdir=work, **load)
                r["rows_s"] = r["rps"] * rows
                results[key].append(r)
                server = key.split("_")[0]
                server = server if server in rss_pid else None if server == "fixed" else "gw"
                if server:
                    rss.setdefault(server, []).append(peers.tree_rss_kib(rss_pid[server]))
                print(f"[round {rnd + 1}/{rounds}] {label}: {r['rps']:,.0f} req/s, p50 {r['p50'] * 1e3:.3f} ms, "
                      f"p99 {r['p99'] * 1e3:.3f} ms, failed {r['failed']}", flush=True)
            for name in engine:
                engine[name].append(engine_rows_per_s(work / f"{name}.skm", block, args.threads, seconds))
                print(f"[round {rnd + 1}/{rounds}] engine in-process, {name}, 1,000-row blocks, {args.threads} threads: "
                      f"{engine[name][-1]:,.0f} rows/s", flush=True)
        # p99 of the forest at half of its peak (median of rounds), h2c, rate-limited
        peak = statistics.median(r["rps"] for r in results["forest_h2_one"])
        half_clients = 16
        # 4 streams per client: with one, h2load's pacing falls short of the asked rate
        half = run_load(gw.url + "/models/forest/predict", bodies["one"], JSON, h1=False, clients=half_clients,
                        streams=4, rps=max(1.0, peak / 2 / half_clients), seconds=max(seconds, 2.0), warmup=warmup,
                        workdir=work)
        print(f"forest 1-row JSON h2c at half of peak ({peak / 2:,.0f} req/s asked): {half['rps']:,.0f} req/s, "
              f"p50 {half['p50'] * 1e3:.3f} ms, p99 {half['p99'] * 1e3:.3f} ms", flush=True)
    finally:
        gw.stop()
        fixed.stop()
        for a in apps.values():
            a.stop()

    def med(key, field):
        return statistics.median(r[field] for r in results[key]) if results.get(key) else float("nan")

    failed_total = sum(r["failed"] for rs in results.values() for r in rs) + half["failed"]
    eng = {k: statistics.median(v) for k, v in engine.items()}
    flask_rps = med("flask_one", "rps")
    targets = []
    ratio = med("forest_h2_one", "rps") / flask_rps if flask_rps == flask_rps else float("nan")
    targets.append(("forest, 1-row JSON over h2c: >= 100x the seed Flask app's req/s", f"{ratio:,.0f}x",
                    ratio >= 100))
    half_ok = half["rps"] >= 0.45 * med("forest_h2_one", "rps")  # the load really was about half of peak
    targets.append(("forest, 1-row JSON over h2c: p99 < 2 ms at half of peak load",
                    f"{half['p99'] * 1e3:.3f} ms at {half['rps']:,.0f} req/s "
                    f"({half['rps'] / med('forest_h2_one', 'rps'):.0%} of peak)", half["p99"] < 0.002 and half_ok))
    lr_ratio = med("lr_h2_one", "rps") / med("fixed_h2", "rps")
    targets.append(("LR, 1-row JSON over h2c: >= 70% of the h2o fixed-response ceiling", f"{lr_ratio:.0%}",
                    lr_ratio >= 0.70))
    for name in ("forest", "lr"):
        e2e = med(f"{name}_h2_mp1000", "rows_s") / eng[name]
        targets.append((f"{name}, 1,000-row msgpack blocks over h2c: rows/s >= 80% of the engine in-process "
                        f"({args.threads} threads)", f"{e2e:.0%}", e2e >= 0.80))

    table = ["| configuration | req/s | rows/s | p50 | p99 |", "|---|---:|---:|---:|---:|"]
    for key, label, *_ in configs:
        table.append(f"| {label} | {med(key, 'rps'):,.0f} | {med(key, 'rows_s'):,.0f} | "
                     f"{med(key, 'p50') * 1e3:.3f} ms | {med(key, 'p99') * 1e3:.3f} ms |")
    table.append(f"| gateway, forest, 1-row JSON, h2c, rate-limited to half of peak | {half['rps']:,.0f} | "
                 f"{half['rps']:,.0f} | {half['p50'] * 1e3:.3f} ms | {half['p99'] * 1e3:.3f} ms |")
    for name in ("forest", "lr"):
        table.append(f"| engine in-process, {name}, 1,000-row blocks, `predict`, {args.threads} threads | "
                     f"{eng[name] / 1000:,.0f} | {eng[name]:,.0f} | | |")
    server_names = {"gw": "skscore-gateway (forest and LR loaded)", "flask": "seed Flask app (1 process)",
                    "gunicorn": "seed Flask app under gunicorn (2 workers)",
                    **{k: apps[k].label for k in ("mlserver", "kserve") if k in apps}}
    rss_table = ["| server | RSS after its load (process tree) |", "|---|---:|"]
    for k, name in server_names.items():
        if rss.get(k):
            rss_table.append(f"| {name} | {max(rss[k]) / 1024:,.1f} MiB |")
    peer_rows = []
    for key in ("mlserver", "kserve"):
        if results.get(f"{key}_v2_h1"):
            peer_rows.append(f"- gateway V2 JSON / {apps[key].label}: HTTP/1.1 "
                             f"**{med('gw_v2_h1', 'rps') / med(f'{key}_v2_h1', 'rps'):,.0f}x**, h2c "
                             f"**{med('gw_v2_h2', 'rps') / med(f'{key}_v2_h1', 'rps'):,.0f}x** the req/s; RSS "
                             f"**{max(rss[key]) / max(rss['gw']):,.0f}x** the gateway's")
    ratios = [
        f"- gateway forest h2c / seed Flask app (1 process): **{ratio:,.0f}x**; / gunicorn (2 workers): "
        f"**{med('forest_h2_one', 'rps') / med('gunicorn_one', 'rps'):,.0f}x**",
        f"- gateway LR h2c / h2o fixed-response ceiling h2c: **{lr_ratio:.0%}**; forest: "
        f"**{med('forest_h2_one', 'rps') / med('fixed_h2', 'rps'):.0%}**; HTTP/1.1 LR / ceiling: "
        f"**{med('lr_h1_one', 'rps') / med('fixed_h1', 'rps'):.0%}**",
        f"- 1,000-row msgpack blocks over h2c, end to end / engine in-process: forest "
        f"**{med('forest_h2_mp1000', 'rows_s') / eng['forest']:.0%}**, LR "
        f"**{med('lr_h2_mp1000', 'rows_s') / eng['lr']:.0%}**; the same as JSON: forest "
        f"**{med('forest_h2_json1000', 'rows_s') / eng['forest']:.0%}**, LR "
        f"**{med('lr_h2_json1000', 'rows_s') / eng['lr']:.0%}**",
        *peer_rows,
        f"- failed requests over the whole run: {failed_total}",
    ]
    lines = [f"{'MET' if ok else 'MISSED'}: {what}: {got}" for what, got, ok in targets]
    print()
    print("\n".join(table))
    print()
    print("\n".join(rss_table))
    print()
    print("\n".join(ratios))
    print()
    print("\n".join(lines))
    elapsed = time.monotonic() - started
    print(f"\n(run took {elapsed:.0f} s)")

    if args.write_docs:
        cmd = "python3 bench/bench_gateway.py" + "".join(f" {shlex.quote(a)}" for a in sys.argv[1:])
        section = f"""## Gateway

`bench/bench_gateway.py` drives skscore-gateway with h2load on loopback and,
in the same run, the seed's Flask app (its `app.py` verbatim, serving the same
estimator from joblib), MLServer with mlserver-sklearn and a KServe Python
model server (a `kserve.Model` loading the same joblib, as KServe's
sklearnserver does; `bench/peers.py`, each in its own virtualenv with the
same scikit-learn), and h2o's fixed-response ceiling
(`gateway/bench/fixed_response.c`: the gateway's h2o setup answering a fixed
body without decoding or scoring).

```sh
{cmd}
python3 bench/bench_gateway.py --quick           # ~1 minute smoke run
```

Measured {datetime.date.today().isoformat()}{' (quick run)' if args.quick else ''}, {rounds} round(s) of
{seconds:g} s per configuration (after {warmup:g} s of warm-up), median of rounds.

- **Machine**: {machine()}. h2load (1 thread) runs on the same cores as the
  server, as the targets assume; the machine is shared, so figures move by a
  few tens of percent between runs.
- **Versions**: {versions(gw_bin)}.
- **Models**: RandomForestClassifier (100 trees) and LogisticRegression on
  iris, string labels; the gateway runs {args.threads} event loops.
- **Load**: one-row requests with 16 connections (h2c: 16 streams each;
  HTTP/1.1: no pipelining); 1,000-row requests with 4 connections (h2c: 4
  streams each); the Flask apps with 8 connections over HTTP/1.1 (all they
  speak), MLServer and KServe likewise (HTTP/1.1, 8 connections, the
  one-row V2 body `{{"inputs": [{{"name": "input-0", "shape": [1, 4],
  "datatype": "FP64", "data": [...]}}]}}`, also sent to the gateway's V2
  rows). MLServer runs as shipped (one parallel inference worker). 1,000-row bodies: JSON `{{"instances": [...]}}` of 1,000 float
  `repr`s x 4 ({bodies['json1000'].stat().st_size:,} bytes), msgpack raw
  float64 block ({bodies['mp1000'].stat().st_size:,} bytes).
- **Latency**: from h2load's per-request log: time from sending a request to
  the end of its answer, under the load of that row (closed loop, so at peak
  it includes queueing). The half-of-peak row is rate-limited with `--rps`
  (16 connections x 4 streams, each paced to 1/32 of the peak).
- **Engine in-process**: `skscore.load(path).predict(X, n_threads={args.threads})`
  on the same 1,000 x 4 float64 block, time-bounded loop.

{chr(10).join(table)}

{chr(10).join(rss_table)}

{chr(10).join(ratios)}

Targets (issue 3):

{chr(10).join('- ' + ln for ln in lines)}

Reading the figures:

- The one-row h2c rows (gateway and ceiling alike) are bound by h2load, a
  single thread on the same two cores: the ceiling measures the client as
  much as h2o. The gateway's share of it is what the LR target asks.
- 1,000-row msgpack blocks: the forest spends ~2 ms per block scoring, so
  transport is noise (the gateway scores a block with as many engine
  threads as event loops are idle, and spreads connections over the loops;
  before that change, one loop took every connection and this ratio was
  ~52%). LogisticRegression scores 1,000 rows in ~9 µs in-process (one
  thread), less than it costs to move a 32 KB body and its answer through
  HTTP/2 on both ends (h2load takes about half a core at this rate), so
  that ratio is bounded by transport, not by the gateway's decoding
  (profile: the engine ~25%, copies of the body and answer ~20%, answer
  writing ~20%).
- 1,000-row JSON bodies hold 4,000 17-digit `repr` floats (80 KB), parsed
  correctly rounded (gateway/decimal.h: Eisel-Lemire, strtod for the rare
  hard case; figures in "JSON numbers" below), which is what the LR JSON row
  measures. Use msgpack blocks where throughput matters.
"""
        doc_path = ROOT / "docs" / "BENCHMARKS.md"
        text = doc_path.read_text() if doc_path.exists() else "# Benchmarks\n"
        m = re.search(r"^## Gateway\b.*?(?=^## |\Z)", text, flags=re.S | re.M)
        if m:
            text = text[: m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        doc_path.write_text(text)
        print(f"wrote the Gateway section of {doc_path}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
