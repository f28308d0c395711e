"""The Dockerfile: builds with podman on a debootstrap base, runs read-only
as a non-root UID with no capabilities, scores over HTTP/1.1 and HTTP/2, and
exits 0 on SIGTERM. The model arrives from a volume and baked into a derived
image (the initContainer way is run by tests/manifests with podman kube play).
The runtime image is FROM scratch (the binary, its libraries, a few /etc
files), so nothing here runs a shell inside it: its files are read from
`podman export`, its process from the host's /proc.

    pytest tests/container -s      # -s shows the image size report
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest
from container_images import (
    RUN_FLAGS,
    UID,
    build_image,
    build_seconds,
    built_revision,
    curl,
    free_port,
    make_models,
    podman,
    podman_env,
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


def run_hardened(image: str, *extra: str, env: dict | None = None, host_network: bool = False) -> Running:
    """podman run -d as a restricted pod would (read-only, no capabilities,
    UID 10001, no new privileges) on a free port: published on 127.0.0.1,
    or with host_network the gateway itself listens there (PORT)."""
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
    ]
    args += ["--network", "host", "-e", f"PORT={port}"] if host_network else ["-p", f"127.0.0.1:{port}:8080"]
    for k, v in (env or {}).items():
        args += ["-e", f"{k}={v}"]
    podman(*args, *extra, image)
    return Running(name, port)


def start(image: str, *extra: str, env: dict | None = None) -> Running:
    run = run_hardened(image, *extra, env=env)
    name = run.name
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
    # The labels follow the build args even when every layer comes from the
    # cache (podman's cache ignores build-arg values in LABEL steps; the
    # Dockerfile copies them in as a file just before LABEL).
    assert labels["org.opencontainers.image.revision"] == built_revision() != "unknown"
    assert "MODEL_PATH" not in " ".join(cfg.get("Env") or []), (
        "the base image must not name a model"
    )


def image_files(image: str) -> tuple[dict[str, tarfile.TarInfo], dict[str, str]]:
    """The image's filesystem, path -> tar member, and the text of
    /etc/passwd and /etc/group (podman create + export:
    the image has no shell to look around with)."""
    name = f"skscore-files-{uuid.uuid4().hex[:8]}"
    podman("create", "--name", name, image)
    try:
        out = subprocess.run(
            ["podman", "export", name],
            capture_output=True,
            timeout=120,
            env=podman_env(),
            check=True,
        )
    finally:
        podman("rm", "-f", name, check=False)
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        members = {m.name.removeprefix("./").rstrip("/"): m for m in tar.getmembers()}
        texts = {
            path: tar.extractfile(m).read().decode()
            for path, m in members.items()
            if path in ("etc/passwd", "etc/group", "usr/share/skscore-gateway/image-info")
        }
    return members, texts


def test_image_holds_only_runtime_pieces(image):
    """Every shared library resolves (the image's own loader lists them), and
    the image holds the binary, its libraries, their Debian copyright files
    and package records, and a few /etc files: no shell, no compiler, no
    header, no package manager."""
    listed = podman(
        "run",
        "--rm",
        *RUN_FLAGS,
        "--network",
        "none",
        "--read-only",
        "--user",
        str(UID),
        "--entrypoint",
        "/lib64/ld-linux-x86-64.so.2",
        image,
        "--list",
        "/usr/local/bin/skscore-gateway",
    ).stdout
    assert "not found" not in listed, listed
    for lib in ("libssl.so.3", "libcrypto.so.3", "libc.so.6"):
        assert lib in listed, listed
    # libh2o is linked in (built from Debian's source with our patches).
    assert "libh2o" not in listed, listed

    members, texts = image_files(image)
    paths = set(members)
    assert members["usr/local/bin/skscore-gateway"].isfile()
    forbidden = [
        p
        for p in paths
        if p.startswith(("usr/include", "bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/libexec"))
        or p.endswith((".h", ".a", "/gcc", "/cc", "/cmake", "/make", "/pkg-config", "/sh"))
        or (
            p.split("/")[-1] in ("apt", "apt-get", "dpkg", "bash", "busybox")
            and not members[p].isdir()
        )
    ]
    assert not forbidden, sorted(forbidden)
    # A copyright file and a dpkg record (for image scanners) per shipped package.
    docs = {p.split("/")[3] for p in paths if p.startswith("usr/share/doc/") and p.count("/") == 4}
    status = {p.split("/")[-1] for p in paths if p.startswith("var/lib/dpkg/status.d/")}
    assert {"libc6", "libssl3"} <= docs, docs
    assert docs == status, (docs, status)
    for pkg in docs:
        assert members[f"usr/share/doc/{pkg}/copyright"].size > 0, pkg
    # Every file outside those is one we expect.
    expected_dirs = ("usr/lib/x86_64-linux-gnu/", "usr/share/doc/", "var/lib/dpkg/status.d/")
    other = {p for p in paths if not members[p].isdir() and not p.startswith(expected_dirs)}
    assert other <= {
        "usr/local/bin/skscore-gateway",
        "usr/lib64/ld-linux-x86-64.so.2",
        "lib",
        "lib64",
        "etc/passwd",
        "etc/group",
        "etc/nsswitch.conf",
        "etc/os-release",
        "usr/share/skscore-gateway/image-info",
        "usr/share/skscore-gateway/h2o-copyright",
        # podman's export adds the mount points it manages.
        "etc/hosts",
        "etc/hostname",
        "etc/resolv.conf",
        "run/.containerenv",
    }, sorted(other)
    libs = [p for p in paths if p.startswith("usr/lib/x86_64-linux-gnu/")]
    assert all(".so" in p for p in libs), libs
    # The UID/GID, a world-writable sticky /tmp for an emptyDir, /models.
    assert f"skscore:x:{UID}:{UID}:" in texts["etc/passwd"], texts["etc/passwd"]
    assert f"skscore:x:{UID}:" in texts["etc/group"], texts["etc/group"]
    assert members["tmp"].isdir() and members["tmp"].mode & 0o7777 == 0o1777, oct(
        members["tmp"].mode
    )
    assert members["models"].isdir()
    assert f"revision={built_revision()}\n" in texts["usr/share/skscore-gateway/image-info"]


def test_image_size(image, record_property):
    size = int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())
    gz = subprocess.run(
        f"podman save {image} | gzip -1 | wc -c",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        env=podman_env(),
    )
    gz_mb = int(gz.stdout.strip()) / 1e6 if gz.returncode == 0 else float("nan")
    report = (
        f"image {image}: {size / 1e6:.1f} MB unpacked ({gz_mb:.1f} MB gzipped, podman save "
        f"| gzip -1); target < {TARGET_MB} MB unpacked; build {build_seconds():.0f} s"
    )
    print("\n" + report)
    record_property("image_size", report)
    assert size < TARGET_MB * 1e6, report


def container_proc(name: str) -> tuple[str, str]:
    """(/proc/PID/status, /proc/PID/mountinfo) of the container's PID 1, read
    from the host (the image has no shell to run a probe in)."""
    pid = podman("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
    proc = Path("/proc") / pid
    return (proc / "status").read_text(), (proc / "mountinfo").read_text()


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
        status, mountinfo = container_proc(run.name)
        fields = dict(line.split(":", 1) for line in status.splitlines())
        assert fields["Uid"].split()[:2] == [str(UID)] * 2, fields["Uid"]
        assert fields["Gid"].split()[:2] == [str(UID)] * 2, fields["Gid"]
        assert int(fields["CapEff"], 16) == 0 and int(fields["CapPrm"], 16) == 0, status
        (root,) = [line.split() for line in mountinfo.splitlines() if line.split()[4] == "/"]
        assert "ro" in root[5].split(","), root
    finally:
        logs = stop_and_check_clean_exit(run)
    assert '"msg":"draining"' in logs and '"msg":"stopped"' in logs, logs[-2000:]


def test_tls_and_listen_hostname(image, models, tmp_path):
    """What a bare image could lack: OpenSSL works with no openssl.cnf (TLS,
    ALPN h2), and a listen address given as a host name resolves through
    /etc/nsswitch.conf and the runtime's /etc/hosts."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command (to make a test certificate) is not installed")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    tmp_path.chmod(0o755)
    for f in ("key.pem", "cert.pem"):
        (tmp_path / f).chmod(0o644)
    run = run_hardened(
        image, "-v", f"{models}:/models:ro", "-v", f"{tmp_path}:/tls:ro", host_network=True,
        env={"MODEL_PATH": "/models/iris.skm", "SKS_HOST": "localhost", "SKS_TLS_CERT": "/tls/cert.pem",
             "SKS_TLS_KEY": "/tls/key.pem"},
    )
    name, port = run.name, run.port
    try:
        url = f"https://localhost:{port}/predict"
        deadline = time.monotonic() + 30
        while True:
            try:
                v, body = curl(url, "-k", "--http2", data={"features": SETOSA})
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    logs = podman("logs", name, check=False)
                    raise AssertionError(f"no TLS answer:\n{logs.stdout}{logs.stderr}") from None
                time.sleep(0.3)
        assert (v, body) == ("2", {"prediction": "setosa"})
    finally:
        logs = stop_and_check_clean_exit(run)
    assert '"host":"localhost"' in logs and '"tls":true' in logs, logs[-2000:]


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
