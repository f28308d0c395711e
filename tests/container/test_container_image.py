"""The Dockerfile: builds with podman on a debootstrap base, runs read-only
as a non-root UID with no capabilities, scores over HTTP/1.1 and HTTP/2, and
exits 0 on SIGTERM. The model arrives from a volume and baked into a derived
image (the initContainer way is run by tests/manifests with podman kube play).

    pytest tests/container -s      # -s shows the image size report
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
from container_images import (
    RUN_FLAGS,
    UID,
    build_image,
    build_seconds,
    curl,
    free_port,
    make_models,
    podman,
    wait_http,
)

SETOSA = [5.1, 3.5, 1.4, 0.2]
VIRGINICA = [6.7, 3.0, 5.2, 2.3]
TARGET_MB = 60


@pytest.fixture(scope="module")
def image():
    return build_image()


@pytest.fixture(scope="module")
def models(image, tmp_path_factory):
    return make_models(tmp_path_factory.mktemp("models"))


class Running:
    def __init__(self, name: str, port: int):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"


def start(image: str, *extra: str, env: dict | None = None) -> Running:
    name = f"skscore-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    args = [
        "run",
        "-d",
        "--name",
        name,
        *RUN_FLAGS,
        "--read-only",
        "--cap-drop",
        "ALL",
        "--user",
        str(UID),
        "--security-opt",
        "no-new-privileges",
        "-p",
        f"127.0.0.1:{port}:8080",
    ]
    for k, v in (env or {}).items():
        args += ["-e", f"{k}={v}"]
    podman(*args, *extra, image)
    run = Running(name, port)
    try:
        wait_http(run.url + "/readyz")
    except AssertionError as e:
        logs = podman("logs", name, check=False)
        podman("rm", "-f", name, check=False)
        raise AssertionError(f"container did not become ready:\n{logs.stdout}{logs.stderr}") from e
    return run


def stop_and_check_clean_exit(run: Running) -> str:
    t0 = time.monotonic()
    podman("kill", "--signal", "TERM", run.name)
    code = podman("wait", run.name, timeout=60).stdout.strip()
    took = time.monotonic() - t0
    logs = podman("logs", run.name, check=False)
    podman("rm", "-f", run.name, check=False)
    assert code == "0", f"exit code {code} after SIGTERM:\n{logs.stderr[-2000:]}"
    assert took < 15, f"took {took:.1f} s to exit after SIGTERM"
    return logs.stdout + logs.stderr


def scores(run: Running, model: str = "iris"):
    for version_flag, want in (("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")):
        v, body = curl(run.url + "/predict", version_flag, data={"features": SETOSA})
        assert (v, body) == (want, {"prediction": "setosa"})
        v, body = curl(
            run.url + f"/v1/models/{model}:predict",
            version_flag,
            data={"instances": [SETOSA, VIRGINICA]},
        )
        assert (v, body) == (want, {"predictions": ["setosa", "virginica"]})
        v, body = curl(
            run.url + f"/v2/models/{model}/infer",
            version_flag,
            data={
                "inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": SETOSA}]
            },
        )
        assert (
            v == want and body["model_name"] == model and body["outputs"][0]["data"] == ["setosa"]
        )


def test_image_metadata(image):
    info = json.loads(podman("image", "inspect", image).stdout)[0]
    cfg = info["Config"]
    assert cfg["User"] == f"{UID}:{UID}"
    assert "8080/tcp" in cfg["ExposedPorts"]
    assert cfg["Entrypoint"] == ["/usr/local/bin/skscore-gateway"]
    assert not cfg.get("Healthcheck"), "Kubernetes probes replace HEALTHCHECK"
    labels = cfg["Labels"]
    for key in ("version", "revision", "source", "title"):
        assert labels.get(f"org.opencontainers.image.{key}"), key
    assert labels["org.opencontainers.image.revision"] != "unknown"
    assert "MODEL_PATH" not in " ".join(cfg.get("Env") or []), (
        "the base image must not name a model"
    )


def test_image_holds_only_runtime_pieces(image):
    """Every shared library resolves, and no compiler or header came along."""
    out = podman(
        "run",
        "--rm",
        *RUN_FLAGS,
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        "ldd /usr/local/bin/skscore-gateway; "
        "echo tools: $(command -v gcc cc cmake make pkg-config); "
        "echo headers: $(ls /usr/include/h2o.h /usr/include/msgpack.h 2>/dev/null); id -u",
    )
    lines = out.stdout.strip().splitlines()
    assert not [line for line in lines if "not found" in line], out.stdout
    assert "libh2o-evloop.so" in out.stdout
    assert "tools:" in lines, out.stdout
    assert "headers:" in lines, out.stdout
    assert lines[-1] == str(UID)


def test_image_size(image, record_property):
    size = int(json.loads(podman("image", "inspect", image).stdout)[0]["Size"])
    base = int(
        json.loads(podman("image", "inspect", "docker.io/library/debian:bookworm-slim").stdout)[0][
            "Size"
        ]
    )
    gz = subprocess.run(
        f"podman save {image} | gzip -1 | wc -c",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        env=__import__("container_images").podman_env(),
    )
    gz_mb = int(gz.stdout.strip()) / 1e6 if gz.returncode == 0 else float("nan")
    report = (
        f"image {image}: {size / 1e6:.1f} MB unpacked ({gz_mb:.1f} MB gzipped), of which the "
        f"debian:bookworm-slim base is {base / 1e6:.1f} MB and skscore's layers "
        f"{(size - base) / 1e6:.1f} MB; "
        f"target < {TARGET_MB} MB; build {build_seconds():.0f} s"
    )
    print("\n" + report)
    record_property("image_size", report)
    # What we add on top of the base: the runtime libraries and one binary.
    assert size - base < 15e6, report
    assert gz_mb < TARGET_MB, report


def test_model_from_volume_read_only_nonroot_h1_h2_sigterm(image, models):
    run = start(image, "-v", f"{models}:/models:ro", env={"MODEL_PATH": "/models/iris.skm"})
    try:
        scores(run)
        assert curl(run.url + "/healthz", "--http2-prior-knowledge") == ("2", {"status": "ok"})
        metrics = curl(run.url + "/metrics")[1]
        assert 'skscore_http_requests_total{route="predict",model="iris",code="200"} 2' in metrics
        # It really runs as the UID, with no capabilities, on a read-only root.
        top = podman("top", run.name, "user", "capeff", check=False).stdout
        assert str(UID) in top or "skscore" in top, top
        probe = podman(
            "exec",
            run.name,
            "/bin/sh",
            "-c",
            "touch /x 2>&1; grep CapEff /proc/1/status",
            check=False,
        )
        assert "Read-only file system" in probe.stdout and "0000000000000000" in probe.stdout, (
            probe.stdout
        )
    finally:
        logs = stop_and_check_clean_exit(run)
    assert '"msg":"draining"' in logs and '"msg":"stopped"' in logs, logs[-2000:]


def test_model_baked_into_derived_image(image, models, tmp_path):
    """The two-line derived image docs/DEPLOY.md shows."""
    (tmp_path / "model.skm").write_bytes((models / "iris.skm").read_bytes())
    (tmp_path / "Dockerfile").write_text(
        f"FROM {image}\nCOPY model.skm /models/model.skm\nENV MODEL_PATH=/models/model.skm\n"
    )
    tag = f"{image}-iris"
    from container_images import BUILD_FLAGS

    podman("build", *BUILD_FLAGS, "--pull=never", "-t", tag, str(tmp_path), timeout=300)
    try:
        run = start(tag)
        try:
            # MODEL_PATH's model is named after its file stem.
            scores(run, model="model")
        finally:
            stop_and_check_clean_exit(run)
    finally:
        podman("rmi", "-f", tag, check=False)


def test_sigterm_finishes_in_flight_requests(image, models):
    """Requests under way when SIGTERM lands still get their answers."""
    run = start(image, "-v", f"{models}:/models:ro", env={"MODEL_PATH": "/models/iris.skm"})
    body = json.dumps({"instances": [SETOSA] * 5000})
    procs = [
        subprocess.Popen(
            [
                "curl",
                "-sS",
                "--max-time",
                "20",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--http2-prior-knowledge",
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                body,
                f"{run.url}/v1/models/iris:predict",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    time.sleep(0.05)
    stop_and_check_clean_exit(run)
    results = [(p.communicate(timeout=30)[0], p.returncode) for p in procs]
    # Each request either completed (200) or was never accepted (curl exit 7:
    # connection refused once the listener closed) -- none cut off midway.
    assert all(code == "200" or rc == 7 for code, rc in results), results
    assert any(code == "200" for code, _ in results), results
