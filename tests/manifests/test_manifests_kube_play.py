"""The rendered Deployments' pods, run with `podman kube play` and called over
HTTP: the dev overlay (model from a volume) and a canary track (model
downloaded by the initContainer, checksum checked). The image is the
Dockerfile's, built by tests/container's helper.

Differences from a cluster, all made here and nowhere else: the image is
the locally built one (imagePullPolicy Never); the dev pod publishes its
port on a loopback hostPort; the canary pod uses the host network and
restartPolicy Never (podman restarts init containers otherwise), its
initContainer image is a local Debian image with curl, and MODEL_URL points
at a loopback HTTP server. Skipped, saying why, without podman and runc.
"""

from __future__ import annotations

import copy
import hashlib
import http.server
import json
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from k8s_render import ROOT, one, render

sys.path.insert(0, str(ROOT / "tests" / "container"))
from container_images import (
    BUILD_FLAGS,
    build_image,
    curl,
    free_port,
    make_models,
    podman,
    wait_http,
)

FETCH_IMAGE = "localhost/skscore-test-fetch:test"
SETOSA = [5.1, 3.5, 1.4, 0.2]


@pytest.fixture(scope="module")
def image():
    return build_image()


@pytest.fixture(scope="module")
def iris(image, tmp_path_factory) -> Path:
    return make_models(tmp_path_factory.mktemp("models")) / "iris.skm"


def pod_yaml(objs, deployment: str) -> tuple[dict, dict]:
    dep = copy.deepcopy(one(objs, "Deployment", deployment))
    cm_name = dep["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"]
    return dep, copy.deepcopy(one(objs, "ConfigMap", cm_name))


def play(tmp_path: Path, docs: list[dict], name: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    out = podman("kube", "play", str(path), check=False, timeout=300)
    return path, out


def down(path: Path, pod: str):
    podman("kube", "down", str(path), check=False, timeout=120)
    podman("pod", "rm", "-f", pod, check=False, timeout=120)


def pod_logs(pod: str) -> str:
    out = podman("pod", "logs", pod, check=False)
    return (out.stdout + out.stderr)[-3000:]


def check_security(container: str):
    info = json.loads(podman("inspect", container).stdout)[0]
    assert info["Config"]["User"].split(":")[0] == "10001", info["Config"]["User"]
    host = info["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert not host.get("CapAdd") and not info["EffectiveCaps"], info["EffectiveCaps"]
    assert any("no-new-privileges" in o for o in host.get("SecurityOpt") or []), host.get(
        "SecurityOpt"
    )


def test_dev_overlay_pod_runs_and_scores(image, iris, tmp_path):
    dep, cm = pod_yaml(render("overlays/dev"), "skscore")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert c["imagePullPolicy"] == "Never"
    c["image"] = image
    port = free_port()
    c["ports"][0].update(hostPort=port, hostIP="127.0.0.1")
    # The PVC becomes a podman named volume holding the model file.
    claim = next(
        v for v in dep["spec"]["template"]["spec"]["volumes"] if "persistentVolumeClaim" in v
    )
    volume = claim["persistentVolumeClaim"]["claimName"]
    podman("volume", "rm", "-f", volume, check=False)
    podman("volume", "create", volume)
    mount = podman("volume", "inspect", volume, "--format", "{{.Mountpoint}}").stdout.strip()
    (Path(mount) / "model.skm").write_bytes(iris.read_bytes())
    (Path(mount) / "model.skm").chmod(0o644)
    for k in ("namespace",):
        dep["metadata"].pop(k, None)
        cm["metadata"].pop(k, None)
    path, out = play(tmp_path, [cm, dep], "dev")
    pod = dep["metadata"]["name"] + "-pod-0"
    try:
        assert out.returncode == 0, out.stderr
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(url + "/readyz", timeout=60)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{pod_logs(pod)}") from e
        # The probe endpoints and the scoring routes, over HTTP/1.1 and h2c.
        for path_ in ("/healthz", "/readyz", "/metrics"):
            curl(url + path_)
        for flag, want in (("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")):
            assert curl(url + "/predict", flag, data={"features": SETOSA}) == (
                want,
                {"prediction": "setosa"},
            )
        # The settings reached the gateway: the ConfigMap's limits, and the
        # thread count from the CPU limit through the downward API (500m -> 1).
        logs = pod_logs(pod)
        assert f'"max_rows":{cm["data"]["SKS_MAX_ROWS"]}' in logs, logs
        assert '"threads":1' in logs, logs
        check_security(f"{pod}-{c['name']}")
    finally:
        down(path, pod)
        podman("volume", "rm", "-f", volume, check=False)


@pytest.fixture(scope="module")
def fetch_image(image, tmp_path_factory):
    """Stands in for the component's curl image: Debian slim + curl."""
    if podman("image", "exists", FETCH_IMAGE, check=False).returncode != 0:
        ctx = tmp_path_factory.mktemp("fetch")
        (ctx / "Dockerfile").write_text(
            "FROM docker.io/library/debian:bookworm-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends curl "
            "&& rm -rf /var/lib/apt/lists/*\n"
        )
        podman("build", *BUILD_FLAGS, "--pull=never", "-t", FETCH_IMAGE, str(ctx), timeout=600)
    return FETCH_IMAGE


class _ModelServer:
    def __init__(self, files: dict[str, bytes]):
        files_ = files

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = files_.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("checksum_ok", [True, False], ids=["checksum-ok", "checksum-bad"])
def test_canary_pod_downloads_its_model(image, iris, fetch_image, tmp_path, checksum_ok):
    dep, cm = pod_yaml(render("overlays/canary"), "skscore-stable")
    spec = dep["spec"]["template"]["spec"]
    (init,) = spec["initContainers"]
    assert init["image"].startswith("docker.io/curlimages/curl:")
    init["image"], init["imagePullPolicy"] = fetch_image, "Never"
    spec["containers"][0]["image"], spec["containers"][0]["imagePullPolicy"] = image, "Never"
    spec["hostNetwork"] = True
    # podman 4.3 applies the pod's restartPolicy (a Deployment's Always) to
    # init containers too, restarting a finished download forever.
    spec["restartPolicy"] = "Never"
    dep["spec"]["replicas"] = 1  # podman plays one pod, but kube down looks for each replica
    port = free_port()
    # podman refuses port mappings with the host network: the port is PORT's.
    gw = spec["containers"][0]
    gw.pop("ports")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        gw[probe]["httpGet"]["port"] = port
    data = iris.read_bytes()
    server = _ModelServer({"/iris/1.0.0/model.skm": data})
    cm["data"]["PORT"] = str(port)
    cm["data"]["SKS_HOST"] = "127.0.0.1"
    cm["data"]["MODEL_URL"] = f"http://127.0.0.1:{server.port}/iris/1.0.0/model.skm"
    cm["data"]["MODEL_SHA256"] = hashlib.sha256(data if checksum_ok else b"other").hexdigest()
    for o in (dep, cm):
        o["metadata"].pop("namespace", None)
    path, out = play(tmp_path, [cm, dep], "canary")
    pod = dep["metadata"]["name"] + "-pod-0"
    try:
        url = f"http://127.0.0.1:{port}"
        if checksum_ok:
            assert out.returncode == 0, out.stderr
            try:
                wait_http(url + "/readyz", timeout=60)
            except AssertionError as e:
                raise AssertionError(f"{e}\n{pod_logs(pod)}") from e
            assert curl(url + "/predict", "--http2-prior-knowledge", data={"features": SETOSA}) == (
                "2",
                {"prediction": "setosa"},
            )
            check_security(f"{pod}-{spec['containers'][0]['name']}")
        else:
            # The initContainer fails: the gateway never starts.
            time.sleep(2)
            logs = pod_logs(pod) + out.stderr
            assert "checksum did NOT match" in logs, logs
            with pytest.raises(AssertionError):
                wait_http(url + "/healthz", timeout=3)
    finally:
        down(path, pod)
        server.close()
