"""manifests/: every kustomization renders, validates strictly against the
Kubernetes JSON schemas (and the published KServe / Gateway API CRD schemas),
and holds together across objects. No cluster is needed.

    pytest tests/manifests
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from k8s_render import (
    MANIFESTS,
    all_containers,
    gateway_counters,
    gateway_env_names,
    gateway_get_paths,
    kustomizations,
    of_kind,
    one,
    overlays,
    pod_template,
    render,
    selects,
)

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate",
    reason="pip install kubernetes-validate (strict Kubernetes schema validation)",
)

CRD_DIR = Path(__file__).parent / "crd-schemas"
KUSTOMIZATIONS = kustomizations()
OVERLAYS = overlays()


def test_every_overlay_is_found():
    assert set(OVERLAYS) == {
        "overlays/canary",
        "overlays/canary-ingress-nginx",
        "overlays/dev",
        "overlays/production",
    }
    assert {"base", "kserve"} <= set(KUSTOMIZATIONS)


# --------------------------------------------------------------- validation


def k8s_version() -> str:
    """The newest Kubernetes version kubernetes-validate bundles schemas for."""
    return kubernetes_validate.utils.latest_version()


def _strictify(schema):
    """Unknown fields are errors, as server-side strict field validation makes them."""
    if isinstance(schema, dict):
        s = {k: _strictify(v) for k, v in schema.items()}
        if s.get("x-kubernetes-int-or-string"):
            s.pop("type", None)
            s.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
        if (
            s.get("type") == "object"
            and "properties" in s
            and "additionalProperties" not in s
            and not s.get("x-kubernetes-preserve-unknown-fields")
        ):
            s["additionalProperties"] = False
        if s.get("nullable"):
            t = s.get("type")
            if isinstance(t, str):
                s["type"] = [t, "null"]
        return s
    if isinstance(schema, list):
        return [_strictify(x) for x in schema]
    return schema


@cache
def crd_schemas() -> dict:
    """(apiVersion, kind) -> a strict JSON schema, from crd-schemas/*.json.gz."""
    out = {}
    for f in sorted(CRD_DIR.glob("*.json.gz")):
        doc = json.loads(gzip.open(f).read())
        schema = _strictify(doc["openAPIV3Schema"])
        # metadata is the apiserver's ObjectMeta, not described by CRDs.
        schema["properties"]["metadata"] = {"type": "object"}
        out[(f"{doc['group']}/{doc['version']}", doc["kind"])] = schema
    return out


def validate_object(obj: dict) -> str | None:
    """None when obj is valid, else the reason."""
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key in crd_schemas():
        errors = sorted(
            jsonschema.Draft7Validator(crd_schemas()[key]).iter_errors(obj),
            key=lambda e: list(e.absolute_path),
        )
        if errors:
            return "; ".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
            )
        return None
    try:
        kubernetes_validate.validate(obj, k8s_version(), strict=True)
    except kubernetes_validate.utils.SchemaNotFoundError:
        return (
            f"no schema for {key} in Kubernetes {k8s_version()} "
            "(removed API, misspelled kind, or a CRD we do not carry)"
        )
    except kubernetes_validate.utils.ValidationError as e:
        return f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
    return None


@pytest.mark.parametrize("kdir", KUSTOMIZATIONS)
def test_renders_and_validates_strictly(kdir):
    objs = render(kdir)
    assert objs, f"{kdir} rendered nothing"
    problems = []
    for o in objs:
        why = validate_object(o)
        if why:
            problems.append(f"{o['kind']}/{o['metadata']['name']}: {why}")
    assert not problems, f"{kdir} against Kubernetes {k8s_version()} (strict):\n" + "\n".join(
        problems
    )


def test_validation_catches_misspelled_fields():
    """The validator itself: a misspelled field fails, in core kinds and CRDs alike."""
    dep = copy.deepcopy(one(render("base"), "Deployment", "skscore"))
    dep["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {
        "httpGet": {"path": "/readyz", "port": 8080}
    }
    assert "readinesProbe" in (validate_object(dep) or "")
    sr = copy.deepcopy(one(render("kserve"), "ServingRuntime", "skscore"))
    sr["spec"]["protocolVersion"] = ["v1"]
    assert "protocolVersion" in (validate_object(sr) or "")
    route = copy.deepcopy(one(render("overlays/canary"), "HTTPRoute", "skscore"))
    route["spec"]["rules"][0]["backendRefs"][0]["weigth"] = 5
    assert "weigth" in (validate_object(route) or "")


# --------------------------------------------------------- cross-object checks


def _workloads(objs):
    return of_kind(objs, "Deployment")


def _pods_selected(objs, selector):
    return [
        d
        for d in _workloads(objs)
        if selects(selector, pod_template(d)["metadata"].get("labels") or {})
    ]


@pytest.mark.parametrize("kdir", [k for k in KUSTOMIZATIONS if k != "kserve"])
def test_cross_object_references(kdir):
    objs = render(kdir)
    deployments = _workloads(objs)
    assert deployments, f"{kdir}: no Deployment"
    configmaps = {o["metadata"]["name"]: o for o in of_kind(objs, "ConfigMap")}
    probe_paths = gateway_get_paths()

    for d in deployments:
        name = d["metadata"]["name"]
        tpl = pod_template(d)
        labels = tpl["metadata"]["labels"]
        assert selects(d["spec"]["selector"], labels), (
            f"{name}: selector does not match its template labels"
        )
        # Another Deployment's pods must not be selected by this one.
        for other in deployments:
            if other is not d:
                assert not selects(
                    d["spec"]["selector"], pod_template(other)["metadata"]["labels"]
                ), f"{name} selects {other['metadata']['name']}'s pods"
        spec = tpl["spec"]
        gw = spec["containers"][0]
        port_names = {p["name"]: p["containerPort"] for p in gw["ports"]}
        # Probes: on the gateway's real endpoints and a declared port.
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert probe in gw, f"{name}: no {probe}"
            get = gw[probe]["httpGet"]
            assert get["path"] in probe_paths, (
                f"{name}: {probe} path {get['path']} is not a gateway route"
            )
            assert get["port"] in port_names or get["port"] in port_names.values(), (
                f"{name}: {probe} port"
            )
        assert gw["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert gw["livenessProbe"]["httpGet"]["path"] == "/healthz"
        # Prometheus scrape annotations point at the serving port and /metrics.
        ann = tpl["metadata"].get("annotations") or {}
        assert ann.get("prometheus.io/scrape") == "true"
        assert int(ann["prometheus.io/port"]) == port_names["http"]
        assert ann["prometheus.io/path"] == "/metrics" and "/metrics" in probe_paths
        # Settings: the ConfigMap exists in the output and every key is a
        # variable the gateway (or the model download) reads.
        env_names = set()
        for c in all_containers(spec):
            for ef in c.get("envFrom") or []:
                cm = ef["configMapRef"]["name"]
                assert cm in configmaps, f"{name}: envFrom ConfigMap {cm} is not in the output"
                env_names |= set(configmaps[cm]["data"])
            env_names |= {e["name"] for e in c.get("env") or []}
        init_only = {"MODEL_URL", "MODEL_SHA256"}
        unknown = {n for n in env_names if n not in gateway_env_names() and n not in init_only}
        assert not unknown, f"{name}: variables the gateway does not read: {sorted(unknown)}"
        cm_data = {}
        for ef in gw.get("envFrom") or []:
            cm_data.update(configmaps[ef["configMapRef"]["name"]]["data"])
        assert int(cm_data["PORT"]) == port_names["http"]
        # Draining fits in the grace period: preStop sleep + drain timeout < grace.
        pre = gw["lifecycle"]["preStop"]
        sleep = pre["sleep"]["seconds"] if "sleep" in pre else int(pre["exec"]["command"][-1])
        drain = float(cm_data.get("SKS_DRAIN_TIMEOUT", 20))
        assert spec["terminationGracePeriodSeconds"] > sleep + drain, (
            f"{name}: grace period too short"
        )
        # Restricted Pod Security Standard, read-only root with a writable /tmp.
        psc = spec["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["seccompProfile"]["type"] == "RuntimeDefault"
        assert isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0
        assert spec.get("automountServiceAccountToken") is False
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for c in all_containers(spec):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, c["name"]
            assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add"), c[
                "name"
            ]
            assert sc["readOnlyRootFilesystem"] is True, c["name"]
            assert not sc.get("privileged"), c["name"]
            assert c["resources"].get("requests") and c["resources"].get("limits"), (
                f"{c['name']}: resources"
            )
            for m in c.get("volumeMounts") or []:
                assert m["name"] in volumes, f"{c['name']} mounts undeclared volume {m['name']}"
        tmp = [m for m in gw["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{name}: no emptyDir at /tmp"
        # The model is where MODEL_PATH says: baked into the image, or a volume at its directory.
        model_dir = str(Path(cm_data["MODEL_PATH"]).parent)
        model_mounts = [m for m in gw["volumeMounts"] if m["mountPath"] == model_dir]
        init = {c["name"]: c for c in spec.get("initContainers") or []}
        if "fetch-model" in init:
            assert model_mounts and "emptyDir" in volumes[model_mounts[0]["name"]]
            assert any(m["mountPath"] == model_dir for m in init["fetch-model"]["volumeMounts"])
            assert cm_data.get("MODEL_URL", "").startswith(("https://", "http://")), (
                f"{name}: MODEL_URL unset"
            )
            assert cm_data["MODEL_PATH"] == model_dir + "/model.skm"
        # Topology spread selects this Deployment's own pods.
        tsc = spec["topologySpreadConstraints"]
        assert any(t["topologyKey"] == "kubernetes.io/hostname" for t in tsc)
        for t in tsc:
            assert selects(t["labelSelector"], labels), (
                f"{name}: topology spread selects other pods"
            )

    for svc in of_kind(objs, "Service"):
        sel = svc["spec"]["selector"]
        targets = _pods_selected(objs, sel)
        assert len(targets) == 1, (
            f"Service {svc['metadata']['name']} selects {len(targets)} Deployments"
        )
        gw = pod_template(targets[0])["spec"]["containers"][0]
        names = {p["name"] for p in gw["ports"]}
        for p in svc["spec"]["ports"]:
            assert p["targetPort"] in names, (
                f"Service targetPort {p['targetPort']} is not a container port name"
            )
            assert p.get("appProtocol") == "kubernetes.io/h2c"

    for hpa in of_kind(objs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        target = one(objs, ref["kind"], ref["name"])
        assert ref["apiVersion"] == target["apiVersion"]
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        if "replicas" in target["spec"]:
            assert (
                hpa["spec"]["minReplicas"]
                <= target["spec"]["replicas"]
                <= hpa["spec"]["maxReplicas"]
            )
        kinds = {m["type"] for m in hpa["spec"]["metrics"]}
        assert kinds == {"Resource", "Pods"}
        for m in hpa["spec"]["metrics"]:
            if m["type"] == "Pods":
                assert m["pods"]["metric"]["name"] in adapter_metric_names()
        # The HPA scales the Deployment whose resources it measures.
        assert pod_template(target)["spec"]["containers"][0]["resources"]["requests"]["cpu"]

    for pdb in of_kind(objs, "PodDisruptionBudget"):
        spec = pdb["spec"]
        assert ("minAvailable" in spec) != ("maxUnavailable" in spec)
        targets = _pods_selected(objs, spec["selector"])
        assert len(targets) == 1, (
            f"PDB {pdb['metadata']['name']} selects {len(targets)} Deployments"
        )
        replicas = targets[0]["spec"].get("replicas", 1)
        if "minAvailable" in spec:
            assert int(spec["minAvailable"]) < replicas, "PDB would block every eviction"
        else:
            assert replicas > 1 or kdir == "overlays/dev"

    for np in of_kind(objs, "NetworkPolicy"):
        targets = _pods_selected(objs, np["spec"]["podSelector"])
        assert len(targets) == 1, (
            f"NetworkPolicy {np['metadata']['name']} selects {len(targets)} Deployments"
        )
        gw = pod_template(targets[0])["spec"]["containers"][0]
        names = {p["name"] for p in gw["ports"]}
        for rule in np["spec"]["ingress"]:
            for p in rule["ports"]:
                assert p["port"] in names
        # The download needs egress; the gateway alone needs none.
        has_init = bool(pod_template(targets[0])["spec"].get("initContainers"))
        assert bool(np["spec"]["egress"]) == has_init

    # Every Deployment is covered by exactly one of each companion object.
    for d in deployments:
        labels = pod_template(d)["metadata"]["labels"]
        for kind, path in (
            ("Service", ("spec", "selector")),
            ("NetworkPolicy", ("spec", "podSelector")),
        ):
            n = sum(1 for o in of_kind(objs, kind) if selects(o[path[0]][path[1]], labels))
            assert n == 1, f"{d['metadata']['name']}: {n} {kind}s"
        hpas = [
            h
            for h in of_kind(objs, "HorizontalPodAutoscaler")
            if h["spec"]["scaleTargetRef"]["name"] == d["metadata"]["name"]
        ]
        assert len(hpas) == 1

    for route in of_kind(objs, "HTTPRoute"):
        services = {s["metadata"]["name"]: s for s in of_kind(objs, "Service")}
        for rule in route["spec"]["rules"]:
            refs = rule["backendRefs"]
            assert len(refs) >= 2 and all(r.get("weight", 1) > 0 for r in refs)
            for r in refs:
                assert r.get("kind", "Service") == "Service" and r["name"] in services, r
                assert r["port"] in {p["port"] for p in services[r["name"]]["spec"]["ports"]}

    ingresses = of_kind(objs, "Ingress")
    if ingresses:
        services = {s["metadata"]["name"]: s for s in of_kind(objs, "Service")}
        hosts = set()
        canaries = [
            i
            for i in ingresses
            if i["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/canary")
            == "true"
        ]
        assert len(canaries) == 1 and len(ingresses) == 2
        assert (
            0
            < int(
                canaries[0]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"]
            )
            < 100
        )
        backends = set()
        for ing in ingresses:
            for rule in ing["spec"]["rules"]:
                hosts.add(rule["host"])
                for path in rule["http"]["paths"]:
                    b = path["backend"]["service"]
                    assert b["name"] in services
                    assert b["port"]["name"] in {
                        p["name"] for p in services[b["name"]]["spec"]["ports"]
                    }
                    backends.add(b["name"])
        assert len(hosts) == 1 and len(backends) == 2, (
            "canary and main Ingress must share a host, split backends"
        )


@cache
def adapter_metric_names() -> frozenset[str]:
    """The custom metrics manifests/prometheus-adapter/rules.yaml makes of gateway counters."""
    cm = yaml.safe_load((MANIFESTS / "prometheus-adapter" / "rules.yaml").read_text())
    rules = yaml.safe_load(cm["data"]["config.yaml"])["rules"]
    names = set()
    for rule in rules:
        series = re.match(r"\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", rule["seriesQuery"]).group(1)
        assert series in gateway_counters(), (
            f"adapter rule reads {series}, which the gateway does not export"
        )
        m = re.match(rule["name"]["matches"], series)
        assert m, (rule["name"]["matches"], series)
        as_ = re.sub(r"\$\{(\d+)\}", lambda g, m=m: m.group(int(g.group(1))), rule["name"]["as"])
        names.add(as_)
        # Scoring routes only: the route label values must be the gateway's.
        routes = re.search(r'route=~"([^"]+)"', rule["metricsQuery"]).group(1).split("|")
        # the gateway's route labels: GW_ROUTE_LABELS in its headers (gateway/gw/metrics.h)
        headers = "".join(h.read_text() for h in sorted((MANIFESTS.parent / "gateway").rglob("*.h")))
        labels = set(re.findall(r'X\(\w+, "(\w+)"\)', headers))
        assert "predict" in labels and "other" in labels, labels
        for r in routes:
            assert r in labels, f"route label {r} is not one the gateway uses"
    return frozenset(names)


def test_adapter_rule_serves_the_hpa_metric():
    assert "skscore_http_requests_per_second" in adapter_metric_names()


# ------------------------------------------------------ overlays really differ


def _deployment(objs, name="skscore"):
    return one(objs, "Deployment", name)


def _config(objs, dep):
    cm = pod_template(dep)["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"]
    return one(objs, "ConfigMap", cm)["data"]


def _resolve(obj, pointer):
    cur = obj
    for part in pointer.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        cur = cur[int(part)] if isinstance(cur, list) else cur[part]
    return cur


def _applied(expected, actual) -> bool:
    """Patch value found in the output, allowing kustomize's rewrites of
    names (nameSuffix, ConfigMap hash: "skscore-gateway" -> "skscore-gateway-canary-t6kf...")."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _applied(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(map(_applied, expected, actual))
        )
    if isinstance(expected, str) and isinstance(actual, str):
        return actual == expected or actual.startswith(expected + "-")
    return expected == actual


def _kustomization(kdir):
    return yaml.safe_load((MANIFESTS / kdir / "kustomization.yaml").read_text())


def _component(cdir):
    return yaml.safe_load((cdir / "kustomization.yaml").read_text())


def _changes(kdir):
    k = _kustomization(kdir)
    fields = ("patches", "images", "replicas", "components", "configMapGenerator")
    return any(k.get(f) for f in fields)


@pytest.mark.parametrize("kdir", [k for k in KUSTOMIZATIONS if _changes(k)])
def test_every_patch_changed_the_output(kdir):
    """kustomize silently skips a patch whose target matches nothing: check each
    JSON patch, images, replicas and merged ConfigMap entry in the rendered output."""
    k = _kustomization(kdir)
    objs = render(kdir)
    suffix = k.get("nameSuffix", "")
    # Patches of this kustomization and of the components it uses (their
    # targets are named before this kustomization's own suffix is added).
    patch_sets = [(k.get("patches") or [], suffix)]
    merges = list(k.get("configMapGenerator") or [])
    for c in k.get("components") or []:
        ck = _component((MANIFESTS / kdir / c).resolve())
        patch_sets.append((ck.get("patches") or [], suffix))
        merges += ck.get("configMapGenerator") or []
    checked = 0
    for patches, sfx in patch_sets:
        for p in patches:
            t = p["target"]
            targets = [
                o
                for o in objs
                if o["kind"] == t["kind"] and o["metadata"]["name"] == t["name"] + sfx
            ]
            ops = yaml.safe_load(p["patch"])
            if isinstance(ops, dict) and ops.get("$patch") == "delete":
                assert not targets, f"{kdir}: {t['kind']}/{t['name']} should have been deleted"
                checked += 1
                continue
            assert targets, f"{kdir}: patch target {t} matches nothing in the output"
            for op in ops:
                path = op["path"]
                if op["op"] in ("add", "replace"):
                    if path.endswith("/-"):
                        found = _resolve(targets[0], path[:-2])
                        assert any(_applied(op["value"], x) for x in found), (
                            f"{kdir}: {path} not applied"
                        )
                    else:
                        assert _applied(op["value"], _resolve(targets[0], path)), (
                            f"{kdir}: {path} not applied"
                        )
                    checked += 1
    images = {c["image"] for d in _workloads(objs) for c in all_containers(pod_template(d)["spec"])}
    for img in k.get("images") or []:
        want = img.get("newName", img["name"]) + (":" + img["newTag"] if "newTag" in img else "")
        assert want in images, (
            f"{kdir}: images entry {img['name']} -> {want} matched nothing ({images})"
        )
        checked += 1
    for r in k.get("replicas") or []:
        assert _deployment(objs, r["name"] + suffix)["spec"]["replicas"] == r["count"]
        checked += 1
    for gen in merges:
        if gen.get("behavior") != "merge":
            continue
        data = one(
            objs, "ConfigMap", next(o["metadata"]["name"] for o in of_kind(objs, "ConfigMap"))
        )["data"]
        for lit in gen.get("literals") or []:
            key, value = lit.split("=", 1)
            assert data.get(key) == value, f"{kdir}: {key}={value} did not reach the ConfigMap"
            checked += 1
    assert checked


def test_dev_overlay():
    base, dev = render("base"), render("overlays/dev")
    b, d = _deployment(base), _deployment(dev)
    assert d["spec"]["replicas"] == 1 and b["spec"]["replicas"] == 2
    assert d["metadata"]["namespace"] == "skscore-dev"
    bl = pod_template(b)["spec"]["containers"][0]["resources"]["limits"]
    dl = pod_template(d)["spec"]["containers"][0]["resources"]["limits"]
    assert dl != bl
    assert _config(dev, d)["SKS_LOG_LEVEL"] == "debug"
    # Model delivery 2: a read-only volume at the model's directory.
    spec = pod_template(d)["spec"]
    pvc = one(dev, "PersistentVolumeClaim", "skscore-models")
    vols = {v["name"]: v for v in spec["volumes"]}
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == "/models")
    assert (
        mount["readOnly"]
        and vols[mount["name"]]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    )


def test_production_overlay():
    base, prod = render("base"), render("overlays/production")
    b, p = _deployment(base), _deployment(prod)
    assert p["spec"]["replicas"] == 3
    hpa = one(prod, "HorizontalPodAutoscaler", "skscore")
    assert hpa["spec"]["minReplicas"] == 3 and hpa["spec"]["maxReplicas"] > 3
    spec = pod_template(p)["spec"]
    assert spec["containers"][0]["image"] != pod_template(b)["spec"]["containers"][0]["image"]
    zones = [
        t
        for t in spec["topologySpreadConstraints"]
        if t["topologyKey"] == "topology.kubernetes.io/zone"
    ]
    assert zones and zones[0]["whenUnsatisfiable"] == "DoNotSchedule"
    # Model delivery 1: baked into the image, nothing mounted over /models.
    assert not any(m["mountPath"] == "/models" for m in spec["containers"][0]["volumeMounts"])


@pytest.mark.parametrize("variant", ["overlays/canary", "overlays/canary-ingress-nginx"])
def test_canary_overlays_split_two_model_versions(variant):
    objs = render(variant)
    stable, canary = _deployment(objs, "skscore-stable"), _deployment(objs, "skscore-canary")
    urls = {_config(objs, stable)["MODEL_URL"], _config(objs, canary)["MODEL_URL"]}
    assert len(urls) == 2, "both tracks download the same model"
    versions = {
        pod_template(x)["metadata"]["labels"]["skscore.io/model-version"] for x in (stable, canary)
    }
    assert versions == {"1.0.0", "1.1.0"}
    assert canary["spec"]["replicas"] == 1
    # Model delivery 3: an initContainer fills an emptyDir.
    for d in (stable, canary):
        assert [c["name"] for c in pod_template(d)["spec"]["initContainers"]] == ["fetch-model"]
    svc_stable, svc_canary = (
        one(objs, "Service", "skscore-stable"),
        one(objs, "Service", "skscore-canary"),
    )
    assert _pods_selected(objs, svc_stable["spec"]["selector"]) == [stable]
    assert _pods_selected(objs, svc_canary["spec"]["selector"]) == [canary]
    if variant == "overlays/canary":
        route = one(objs, "HTTPRoute", "skscore")
        weights = {r["name"]: r["weight"] for r in route["spec"]["rules"][0]["backendRefs"]}
        assert weights == {"skscore-stable": 90, "skscore-canary": 10}


def test_kserve_runtime_and_inference_service_agree():
    objs = render("kserve")
    sr = one(objs, "ServingRuntime", "skscore")
    isvc = one(objs, "InferenceService", "iris")
    model = isvc["spec"]["predictor"]["model"]
    assert model["runtime"] == sr["metadata"]["name"]
    formats = {f["name"] for f in sr["spec"]["supportedModelFormats"]}
    assert model["modelFormat"]["name"] in formats
    assert model["protocolVersion"] in sr["spec"]["protocolVersions"]
    assert set(sr["spec"]["protocolVersions"]) == {"v1", "v2"}
    assert model["storageUri"].endswith(".skm")
    (c,) = sr["spec"]["containers"]
    assert c["name"] == "kserve-container"
    # The gateway is told where KServe's storage initializer puts the file,
    # under the InferenceService's name (so /v1/models/<name>:predict routes).
    assert "--model={{.Name}}=/mnt/models/model.skm" in c["args"]
    flags = {a.split("=", 1)[0] for a in c["args"]}
    src = (MANIFESTS.parent / "gateway" / "main.c").read_text()
    for f in flags:
        assert f'{{"{f[2:]}",' in src, f"{f} is not a gateway flag"
    port = c["ports"][0]["containerPort"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert (
            c[probe]["httpGet"]["path"] in gateway_get_paths()
            and c[probe]["httpGet"]["port"] == port
        )
    sc = c["securityContext"]
    assert (
        sc["runAsNonRoot"]
        and sc["readOnlyRootFilesystem"]
        and sc["capabilities"]["drop"] == ["ALL"]
    )
    assert sr["spec"]["annotations"]["prometheus.kserve.io/port"] == str(port)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_creates_its_namespace_once(overlay):
    """`kubectl apply -k` on a new cluster: the overlay's objects name a
    namespace, and the overlay creates it (once, even when it builds on the
    base twice, as the canary tracks do)."""
    objs = render(overlay)
    namespaces = of_kind(objs, "Namespace")
    assert len(namespaces) == 1, f"{overlay}: {len(namespaces)} Namespace objects"
    name = namespaces[0]["metadata"]["name"]
    used = {o["metadata"].get("namespace") for o in objs if o["kind"] != "Namespace"}
    assert used == {name}, f"{overlay}: objects in {sorted(map(str, used))}, Namespace {name}"
