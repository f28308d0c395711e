"""Building and running the skscore-gateway image with podman, for the
container and manifest tests.

What works on these machines (docs/DEPLOY.md, "Testing the image"): no
registry, so the Dockerfile's FROM images are made with debootstrap
(make-base-image.sh); podman with the runc runtime (crun fails under cgroups
hybrid mode) and explicit ulimits. Everything skips, saying why, where
podman, runc or debootstrap cannot be used.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
IMAGE = os.environ.get("SKS_TEST_IMAGE", "localhost/skscore-gateway:test")
BUILD_IMAGE = IMAGE + "-build"
BASE_IMAGES = ("docker.io/library/debian:bookworm-slim", "docker.io/library/debian:bookworm")
UID = 10001
ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
BUILD_FLAGS = ["--runtime", "runc", *ULIMITS]
RUN_FLAGS = ULIMITS  # runc comes from podman_env()'s containers.conf
BUILD_TIMEOUT = int(os.environ.get("SKS_IMAGE_BUILD_TIMEOUT", "900"))


def podman(*args, check=True, timeout=120, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, env=podman_env(), **kw
    )
    if check and out.returncode != 0:
        raise AssertionError(
            f"podman {' '.join(args)} failed ({out.returncode}):\n{out.stderr[-4000:]}"
        )
    return out


@cache
def podman_env() -> dict:
    """containers.conf for the commands that take no --runtime/--ulimit
    flags (podman kube play): runc and the ulimits runc needs here."""
    conf = Path(os.environ.get("TMPDIR", "/tmp")) / f"skscore-containers-{os.getuid()}.conf"
    conf.write_text(
        '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
        '[engine]\nruntime = "runc"\n'
    )
    return dict(os.environ, CONTAINERS_CONF=str(conf))


def require_podman() -> None:
    """Skip (with the reason) unless podman and runc can run containers here."""
    missing = [t for t in ("podman", "runc") if shutil.which(t) is None]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not installed (apt-get install podman runc debootstrap)"
        )
    if os.geteuid() != 0:
        pytest.skip("the image tests run podman as root (rootless podman needs subuid setup)")
    info = subprocess.run(
        ["podman", "info", "--format", "json"], capture_output=True, text=True, timeout=60
    )
    if info.returncode != 0:
        pytest.skip(f"podman cannot run here: {info.stderr.strip()[-300:]}")


def ensure_base_images() -> None:
    have = {i for i in BASE_IMAGES if podman("image", "exists", i, check=False).returncode == 0}
    if have == set(BASE_IMAGES):
        return
    if shutil.which("debootstrap") is None:
        pytest.skip(
            f"base images {sorted(set(BASE_IMAGES) - have)} missing and debootstrap not installed"
        )
    out = subprocess.run(
        [str(HERE / "make-base-image.sh"), "bookworm"],
        capture_output=True,
        text=True,
        timeout=900,
        env=podman_env(),
    )
    if out.returncode != 0:
        pytest.skip(
            f"could not make the Debian base image with debootstrap: {out.stderr.strip()[-500:]}"
        )


_built: dict[str, float] = {}


def build_image() -> str:
    """Builds the Dockerfile (once per session; podman's layer cache makes
    rebuilds cheap) and its build stage; returns the image name."""
    require_podman()
    if IMAGE in _built:
        return IMAGE
    ensure_base_images()
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    t0 = time.monotonic()
    common = [
        "build",
        *BUILD_FLAGS,
        "--pull=never",
        "--build-arg",
        f"REVISION={rev or 'unknown'}",
        "--layers",
    ]
    podman(*common, "-t", IMAGE, str(ROOT), timeout=BUILD_TIMEOUT)
    podman(*common, "--target", "build", "-t", BUILD_IMAGE, str(ROOT), timeout=BUILD_TIMEOUT)
    _built[IMAGE] = time.monotonic() - t0
    _revision[IMAGE] = rev or "unknown"
    return IMAGE


_revision: dict[str, str] = {}


def build_seconds() -> float:
    return _built.get(IMAGE, 0.0)


def built_revision() -> str:
    """The REVISION build arg the session's build_image() passed."""
    return _revision[IMAGE]


def make_models(outdir: Path) -> Path:
    """Demo model files (iris.skm, ...) written by sks_mkmodel from the image's build stage."""
    outdir.mkdir(parents=True, exist_ok=True)
    os.chmod(outdir, 0o777)
    podman(
        "run",
        "--rm",
        *RUN_FLAGS,
        "--network",
        "none",
        "-v",
        f"{outdir}:/out",
        "--entrypoint",
        "/build/gateway/sks_mkmodel",
        BUILD_IMAGE,
        "/out",
    )
    for f in outdir.iterdir():
        os.chmod(f, 0o644)
    return outdir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s: {last}")


def curl(url: str, *args: str, data: dict | None = None) -> tuple[str, dict | str]:
    """(HTTP version curl used, decoded body) — curl speaks h2c by prior knowledge when asked."""
    cmd = ["curl", "-sS", "--max-time", "10", "-w", "\n%{http_version} %{http_code}", *args]
    if data is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(data)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    body, _, tail = out.stdout.rpartition("\n")
    version, code = tail.split()
    assert code == "200", f"{url}: HTTP {code}: {body}"
    try:
        return version, json.loads(body)
    except ValueError:
        return version, body
