"""The model servers a user would pick instead of skscore-gateway, for
bench/bench_gateway.py: MLServer (with mlserver-sklearn) and a KServe
Python model server (a ``kserve.Model`` loading the joblib file, as KServe's
own sklearnserver does), each serving the same fitted estimator from the
same joblib file over the Open Inference Protocol (V2) REST API.

Each peer lives in its own virtual environment under
``$SKSCORE_BENCH_CACHE/peers`` (default ``~/.cache/skscore-bench/peers``),
made on first use with pip, with scikit-learn, numpy, scipy and joblib
pinned to the versions of the running Python (a pickled estimator only
loads under the version that wrote it). A peer that cannot be installed or
started is reported and left out; the benchmark goes on without it.

Servers are started on free loopback ports and stopped by their own PID
(and their process group: MLServer starts worker processes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "gateway"))
from gw_util import free_port  # noqa: E402

MLSERVER_VERSION = "1.7.1"
KSERVE_VERSION = "0.21.0"

CACHE = Path(os.environ.get("SKSCORE_BENCH_CACHE", Path.home() / ".cache" / "skscore-bench")) / "peers"

KSERVE_APP = '''"""A KServe Python model server for a scikit-learn estimator in a joblib
file, shaped as KServe's sklearnserver: load() unpickles, predict() runs
estimator.predict on the V1 instances or the V2 input tensor (string
labels encoded to bytes, which kserve's BYTES output needs)."""
import sys

import joblib
import numpy as np
from kserve import Model, ModelServer
from kserve.utils.utils import get_predict_input, get_predict_response


class SKLearnModel(Model):
    def __init__(self, name, path):
        super().__init__(name)
        self.path = path
        self.load()

    def load(self):
        self._model = joblib.load(self.path)
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        instances = get_predict_input(payload)
        result = self._model.predict(instances)
        if result.dtype.kind == "U":  # string labels: BYTES wants bytes
            result = np.char.encode(result, "utf-8")
        return get_predict_response(payload, result, self.name)


if __name__ == "__main__":
    name, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ModelServer(http_port=port, grpc_port=int(sys.argv[4]), enable_grpc=False, workers=1).start(
        [SKLearnModel(name, path)])
'''


def _pins() -> list[str]:
    return [f"{d}=={version(d)}" for d in ("scikit-learn", "numpy", "scipy", "joblib")]


def ensure_venv(name: str, packages: list[str], log) -> Path | None:
    """The peer's Python, installing it on first use; None (said on log)
    when pip cannot install it here."""
    env_dir = CACHE / name
    stamp = env_dir / "installed.txt"
    want = "\n".join(packages + _pins())
    py = env_dir / "bin" / "python"
    if stamp.exists() and stamp.read_text() == want and py.exists():
        return py
    log(f"peers: installing {name} into {env_dir} (once; a few minutes)")
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(env_dir)], check=True, timeout=300,
                       capture_output=True)
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", *packages, *_pins()], capture_output=True,
                           text=True, timeout=1800)
    except (subprocess.SubprocessError, OSError) as e:
        log(f"peers: {name} could not be installed: {e}")
        return None
    if r.returncode != 0:
        log(f"peers: {name} could not be installed: {r.stderr.strip()[-800:]}")
        return None
    stamp.write_text(want)
    return py


def _ready(url: str, timeout: float, proc: subprocess.Popen) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


def tree_rss_kib(pid: int) -> int:
    """VmRSS of a process and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for ln in Path(f"/proc/{p}/status").read_text().splitlines():
                if ln.startswith("VmRSS:"):
                    total += int(ln.split()[1])
        except OSError:
            pass
    return total


class Peer:
    """A peer server we started, in its own process group."""

    def __init__(self, label: str, cmd: list[str], cwd: Path, ready_path: str, port: int, env: dict | None = None):
        self.label = label
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = cwd / "server.log"
        self._log = open(self.log_path, "w")  # closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
                                     start_new_session=True)
        if not _ready(self.url + ready_path, 120, self.proc):
            self.stop()
            tail = self.log_path.read_text()[-1500:]
            raise RuntimeError(f"{label} did not become ready:\n{tail}")

    def rss_kib(self) -> int:
        return tree_rss_kib(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: the server and its workers
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def start_mlserver(joblib_path: Path, name: str, workdir: Path, log) -> Peer | None:
    # uvloop 0.22 made asyncio.get_event_loop() raise outside a running loop,
    # which MLServer 1.7.1's parallel inference workers call at start: with a
    # newer uvloop every worker dies and no model loads.
    py = ensure_venv("mlserver", [f"mlserver=={MLSERVER_VERSION}", f"mlserver-sklearn=={MLSERVER_VERSION}",
                                  "uvloop<0.22"], log)
    if py is None:
        return None
    root = workdir / "mlserver"
    model_dir = root / name
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "model.joblib").write_bytes(joblib_path.read_bytes())
    (model_dir / "model-settings.json").write_text(json.dumps(
        {"name": name, "implementation": "mlserver_sklearn.SKLearnModel",
         "parameters": {"uri": "./model.joblib"}}))
    port = free_port()
    # Defaults otherwise (one parallel inference worker, as shipped); gRPC and
    # metrics on their own free ports.
    (root / "settings.json").write_text(json.dumps(
        {"http_port": port, "grpc_port": free_port(), "metrics_port": free_port(), "host": "127.0.0.1"}))
    try:
        return Peer(f"MLServer {MLSERVER_VERSION} (mlserver-sklearn)", [str(py.with_name("mlserver")), "start", "."],
                    root, f"/v2/models/{name}/ready", port)
    except RuntimeError as e:
        log(f"peers: {e}")
        return None


def start_kserve(joblib_path: Path, name: str, workdir: Path, log) -> Peer | None:
    py = ensure_venv("kserve", [f"kserve=={KSERVE_VERSION}"], log)
    if py is None:
        return None
    root = workdir / "kserve"
    root.mkdir(parents=True, exist_ok=True)
    (root / "server.py").write_text(KSERVE_APP)
    port = free_port()
    try:
        return Peer(f"KServe {KSERVE_VERSION} Python model server (kserve.Model, joblib)",
                    [str(py), "server.py", name, str(joblib_path), str(port), str(free_port())], root,
                    f"/v2/models/{name}/ready", port)
    except RuntimeError as e:
        log(f"peers: {e}")
        return None


def peer_versions() -> str:
    out = []
    for name, dists in (("mlserver", ("mlserver", "mlserver-sklearn")), ("kserve", ("kserve", "fastapi", "uvicorn"))):
        py = CACHE / name / "bin" / "python"
        if not py.exists():
            continue
        code = ("from importlib.metadata import version as v;"
                f"print(', '.join(d + ' ' + v(d) for d in {list(dists)!r}))")
        r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            out.append(r.stdout.strip())
    return "; ".join(out)
