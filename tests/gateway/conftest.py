"""Fixtures for the gateway's end-to-end tests: the real skscore-gateway
binary, started on 127.0.0.1 port 0 (the bound port is read back from its
"listening" log line), serving model files.

The binary comes from $SKSCORE_GATEWAY, else the first build directory
(build-gw*, build*) holding gateway/skscore-gateway. Model files come from
the Python package when it can export (skscore + scikit-learn), else from
the C helper gateway/sks_mkmodel (built with the gateway), which writes
small models through the engine's sks_desc_save.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from gw_util import stop_process

ROOT = Path(__file__).resolve().parents[2]


def _find_build_file(name: str) -> Path | None:
    for pattern in ("build-gw*", "build*"):
        for d in sorted(glob.glob(str(ROOT / pattern))):
            p = Path(d) / "gateway" / name
            if p.is_file() and os.access(p, os.X_OK):
                return p
    return None


def gateway_binary() -> Path:
    env = os.environ.get("SKSCORE_GATEWAY")
    if env:
        return Path(env)
    p = _find_build_file("skscore-gateway")
    if p is None:
        pytest.skip("skscore-gateway is not built (cmake --build build-gw) and SKSCORE_GATEWAY is unset")
    return p


def helper_binary(name: str) -> Path:
    if os.environ.get("SKSCORE_GATEWAY"):
        p = Path(os.environ["SKSCORE_GATEWAY"]).parent / name
        if p.is_file():
            return p
    p = _find_build_file(name)
    if p is None:
        pytest.skip(f"{name} is not built")
    return p


class Gateway:
    """A running skscore-gateway; stderr (JSON log lines) is collected."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, timeout: float = 10.0,
                 binary: Path | None = None):
        cmd = [str(binary or gateway_binary()), "--host", "127.0.0.1", "--port", "0", *args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env)
        self.logs: list[dict] = []
        self._listening = threading.Event()
        self._reader = threading.Thread(target=self._read_logs, daemon=True)
        self._reader.start()
        if not self._listening.wait(timeout):
            self.stop()
            raise RuntimeError(f"gateway did not start: {self.logs}")
        self.port = next(r["port"] for r in self.logs if r.get("msg") == "listening")
        self.url = f"http://127.0.0.1:{self.port}"

    def _read_logs(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                rec = json.loads(line)
            except ValueError:
                rec = {"msg": "<not JSON>", "line": line.decode(errors="replace")}
            self.logs.append(rec)
            if rec.get("msg") == "listening":
                self._listening.set()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 30.0) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> int | None:
        rc = stop_process(self.proc, 15)
        self._reader.join(2)
        return rc


# How an ASan+UBSan build of the gateway (cmake -DSKS_SANITIZE=ON) runs here:
# the first report ends it; leaks are checked at exit, less h2o 2.2.5's
# per-thread recycle pools, which are never freed (gateway/lsan.supp,
# docs/GATEWAY.md). scripts/test.sh exports the same LSAN_OPTIONS.
LSAN_SUPPRESSIONS = ROOT / "gateway" / "lsan.supp"
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
                 "LSAN_OPTIONS": f"suppressions={LSAN_SUPPRESSIONS}:print_suppressions=0",
                 "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer", "SUMMARY: UndefinedBehavior",
                   "SUMMARY: AddressSanitizer")


def asan_binary() -> Path:
    """The ASan+UBSan build $SKSCORE_GATEWAY_ASAN names (CI sets it); skips
    the calling test when it is unset."""
    asan = os.environ.get("SKSCORE_GATEWAY_ASAN")
    if not asan:
        pytest.skip("SKSCORE_GATEWAY_ASAN is unset (an ASan+UBSan build: cmake -DSKS_SANITIZE=ON)")
    if not Path(asan).is_file():
        pytest.fail(f"SKSCORE_GATEWAY_ASAN={asan} does not exist")
    return Path(asan)


def sanitizer_reports(gw: Gateway) -> list[str]:
    """The sanitizer report lines in a gateway's stderr."""
    lines = [r.get("line", "") for r in gw.logs if r.get("msg") == "<not JSON>"]
    return [ln for ln in lines if any(mark in ln for mark in SANITIZER_MARKS)]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """Model files: iris.skm (tree, string labels, named features), reg.skm
    (linear regression), logreg.skm (binary, int labels), flags.skm (bool
    labels), flabel.skm (float labels)."""
    d = tmp_path_factory.mktemp("models")
    subprocess.run([str(helper_binary("sks_mkmodel")), str(d)], check=True)
    return d


@pytest.fixture(scope="session")
def gateway(model_dir):
    """One gateway for the read-only tests: iris is the default model."""
    gw = Gateway(
        ["--threads", "2", "--reload-interval", "0"]
        + [f"--model={n}={model_dir / (n + '.skm')}" for n in ("reg", "logreg", "flags", "flabel")],
        env={"MODEL_PATH": str(model_dir / "iris.skm")},
    )
    yield gw
    rc = gw.stop()
    assert rc == 0, gw.logs[-5:]


@pytest.fixture
def start_gateway():
    """Factory for tests that need their own gateway (signals, reload)."""
    started: list[Gateway] = []

    def start(args: list[str], env: dict[str, str] | None = None, binary: Path | None = None,
              timeout: float = 10.0) -> Gateway:
        gw = Gateway(args, env, timeout=timeout, binary=binary)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


def curl(*args: str, timeout: float = 20) -> tuple[int, bytes, dict[str, str]]:
    """Runs curl; returns (status, body, lower-cased response headers)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = subprocess.run(
        ["curl", "-sS", "-D", "-", "-o", "/dev/stdout", *args], capture_output=True, timeout=timeout, check=True
    ).stdout
    # With -D - headers come first; with HTTP/1.1 Upgrade there are two blocks.
    status, headers = 0, {}
    rest = out
    while rest.startswith(b"HTTP/"):
        head, _, rest = rest.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            headers[k.strip().lower().decode()] = v.strip().decode()
    return status, rest, headers
