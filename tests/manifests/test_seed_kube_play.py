"""docs/DEPLOY.md, "Coming from the seed's Flask app", done as a seed user
does it: a joblib file of a fitted model is converted with the section's
command, an image is built from the section's Dockerfile (its FROM line
pointed at the locally built gateway image), and the seed's own
deployment.yaml and service.yaml (tests/manifests/seed/, see ORIGIN.md) run
under `podman kube play` with `image:` changed, as the user changes it. The
seed's request, `POST /predict {"features": [...]}` with a JSON
Content-Type, must answer what the estimator predicts.

Differences from a cluster, made here and nowhere else: podman 4.3 publishes
every containerPort on the host (0.0.0.0:5000 here) and runs each replica
as a pod on one host, so the test publishes the container's port 5000 on a
free loopback port (hostIP/hostPort) and plays one replica instead of two;
the Service is checked against the Deployment (selector, targetPort) rather
than routed. Skipped, saying why, without podman and runc.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from k8s_render import ROOT, selects

sys.path.insert(0, str(ROOT / "tests" / "container"))
sys.path.insert(0, str(ROOT / "tests" / "docs"))
from container_images import BUILD_FLAGS, build_image, free_port, podman, wait_http
from snippets import blocks

SEED = Path(__file__).parent / "seed"
DEPLOY = ROOT / "docs" / "DEPLOY.md"
# The seed document sits in ../shared/seed/ beside the repository (or, from a
# worktree one level deeper, ../../shared/seed/); SKS_SEED_DIR overrides.
SEED_DOC_DIRS = (
    [Path(os.environ["SKS_SEED_DIR"])]
    if os.environ.get("SKS_SEED_DIR")
    else [ROOT.parent / "shared" / "seed", ROOT.parent.parent / "shared" / "seed"]
)
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]


def section_blocks():
    """The blocks of DEPLOY.md marked as run by this file, by language."""
    mine = [b for b in blocks(DEPLOY) if b.run_by == "tests/manifests/test_seed_kube_play.py"]
    by_lang = {b.lang: b for b in mine}
    assert set(by_lang) == {"sh", "dockerfile"} and len(mine) == 2, [b.where for b in mine]
    return by_lang["sh"], by_lang["dockerfile"]


def seed_docs() -> tuple[dict, dict]:
    dep = yaml.safe_load((SEED / "deployment.yaml").read_text())
    svc = yaml.safe_load((SEED / "service.yaml").read_text())
    return dep, svc


def test_seed_copies_are_the_seed_documents_lines():
    """Every line of the copies, stripped, is the seed document's, in order
    (the document lost the indentation, nothing else)."""
    docs = [d for folder in SEED_DOC_DIRS if folder.is_dir() for d in sorted(folder.glob("*.txt"))]
    if not docs:
        pytest.skip(f"the seed document is not in {[str(d) for d in SEED_DOC_DIRS]} (SKS_SEED_DIR)")
    text = "\n".join(d.read_text() for d in docs)
    doc_lines = [ln.strip() for ln in text.splitlines()]
    for name in ("deployment.yaml", "service.yaml"):
        ours = [ln.strip() for ln in (SEED / name).read_text().splitlines()]
        start = doc_lines.index(ours[0])
        assert doc_lines[start : start + len(ours)] == ours, name


def test_seed_service_reaches_the_deployments_port():
    dep, svc = seed_docs()
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert selects(svc["spec"]["selector"], labels)
    ports = [
        p["containerPort"]
        for c in dep["spec"]["template"]["spec"]["containers"]
        for p in c["ports"]
    ]
    assert [p["targetPort"] for p in svc["spec"]["ports"]] == ports == [5000]


@pytest.fixture(scope="module")
def gateway_image():
    return build_image()


def test_seed_manifests_serve_the_converted_model(gateway_image, tmp_path):
    pytest.importorskip("joblib", reason="pip install joblib")
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    convert, dockerfile = section_blocks()
    # The seed user's artifact: a fitted model in a joblib file.
    iris = load_iris()
    est = RandomForestClassifier(n_estimators=20, random_state=0)
    est.fit(iris.data, iris.target_names[iris.target])
    joblib.dump(est, tmp_path / "model.joblib")

    # 1. Convert, with the section's command (python3: the one running the tests).
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    out = subprocess.run(
        convert.text, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, f"{convert.where}:\n{out.stderr[-3000:]}"
    assert (tmp_path / "model.skm").stat().st_size > 0

    # 2. The section's Dockerfile, FROM the locally built gateway image.
    text, n = re.subn(r"(?m)^FROM\s+\S+", f"FROM {gateway_image}", dockerfile.text)
    assert n == 1, dockerfile.where
    (tmp_path / "Dockerfile").write_text(text + "\n")
    tag = f"localhost/my-ml-model:skscore-{uuid.uuid4().hex[:8]}"
    podman("build", *BUILD_FLAGS, "--pull=never", "-t", tag, str(tmp_path), timeout=600)

    # 3. The seed's manifests with only image: changed.
    dep, svc = seed_docs()
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["my-ml-model:v1"]
    containers[0]["image"] = tag
    # podman stands in for the cluster: one replica, port 5000 on a free loopback port.
    port = free_port()
    assert dep["spec"]["replicas"] == 2
    dep["spec"]["replicas"] = 1
    containers[0]["ports"][0].update(hostPort=port, hostIP="127.0.0.1")
    play = tmp_path / "seed.yaml"
    play.write_text(yaml.safe_dump_all([dep, svc], sort_keys=False))
    try:
        out = podman("kube", "play", str(play), check=False, timeout=300)
        assert out.returncode == 0, f"podman kube play failed:\n{out.stderr[-3000:]}"
        url = f"http://127.0.0.1:{port}/predict"
        try:
            wait_http(f"http://127.0.0.1:{port}/readyz", timeout=60)
        except AssertionError as e:
            logs = podman("pod", "logs", f"{dep['metadata']['name']}-pod-0", check=False)
            raise AssertionError(f"{e}\n{(logs.stdout + logs.stderr)[-3000:]}") from e
        for row in ROWS:
            req = urllib.request.Request(
                url,
                data=json.dumps({"features": row}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(req, timeout=10) as r:
                answer = json.load(r)
            assert answer == {"prediction": str(est.predict([row])[0])}, (row, answer)
    finally:
        podman("kube", "down", str(play), check=False, timeout=120)
        podman("rmi", "-f", tag, check=False, timeout=120)
