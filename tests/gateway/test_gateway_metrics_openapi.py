"""/metrics parsed by prometheus_client's own text parser, /openapi.json
checked by openapi-spec-validator, and the health endpoints."""
from __future__ import annotations

import json
import math

import pytest

from gw_util import Client


def test_metrics_parse(gateway):
    parser = pytest.importorskip("prometheus_client.parser", reason="pip install prometheus_client")
    c = Client(gateway.url)
    for _ in range(3):
        assert c.post_json("/predict", {"instances": [[5.1, 3.5, 1.4, 0.2], [6, 3, 5, 2]]})[0] == 200
    assert c.post_json("/predict", {"features": [1, 2]})[0] == 422
    assert c.request("GET", "/nope")[0] == 404
    status, text, headers = c.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    fams = list(parser.text_string_to_metric_families(text.decode()))
    families = {f.name: f for f in fams}
    # every family typed, and each family's samples together (one family per name)
    assert [f.name for f in fams if f.type == "unknown"] == []
    assert len(families) == len(fams)
    assert families["skscore_http_requests"].type == "counter"
    assert families["skscore_http_request_duration_seconds"].type == "histogram"
    assert families["skscore_rows_scored"].type == "counter"
    assert families["skscore_model_reload_failures"].type == "counter"
    assert families["skscore_model_info"].type == "gauge"
    reqs = {(s.labels["route"], s.labels["model"], s.labels["code"]): s.value
            for s in families["skscore_http_requests"].samples if s.name.endswith("_total")}
    assert reqs[("predict", "iris", "200")] >= 3
    assert reqs[("predict", "iris", "422")] >= 1
    assert any(k[0] == "other" and k[2] == "404" for k in reqs)
    rows = {s.labels["model"]: s.value for s in families["skscore_rows_scored"].samples if s.name.endswith("_total")}
    assert rows["iris"] >= 6
    # histograms: buckets cumulative, +Inf bucket == count, per (route, model)
    hist: dict = {}
    for s in families["skscore_http_request_duration_seconds"].samples:
        key = (s.labels.get("route"), s.labels.get("model"))
        hist.setdefault(key, {"buckets": [], "count": None, "sum": None})
        if s.name.endswith("_bucket"):
            le = s.labels["le"]
            hist[key]["buckets"].append((math.inf if le == "+Inf" else float(le), s.value))
        elif s.name.endswith("_count"):
            hist[key]["count"] = s.value
        elif s.name.endswith("_sum"):
            hist[key]["sum"] = s.value
    assert ("predict", "iris") in hist
    for key, h in hist.items():
        bs = sorted(h["buckets"])
        assert bs[-1][0] == math.inf and bs[-1][1] == h["count"], key
        assert all(a[1] <= b[1] for a, b in zip(bs, bs[1:])), key
        assert h["sum"] is not None and h["sum"] >= 0
    info = [s for s in families["skscore_model_info"].samples if s.labels["model"] == "iris"]
    assert len(info) == 1 and info[0].value == 1 and len(info[0].labels["checksum"]) == 64
    names = {s.name for f in families.values() for s in f.samples}
    for n in ("skscore_ready", "skscore_start_time_seconds", "skscore_build_info", "skscore_model_reloads_total",
              "skscore_model_loaded_timestamp_seconds"):
        assert n in names, n


def test_openapi_valid(gateway):
    validator = pytest.importorskip("openapi_spec_validator", reason="pip install openapi-spec-validator")
    status, body, headers = Client(gateway.url).request("GET", "/openapi.json")
    assert status == 200 and headers["content-type"] == "application/json"
    doc = json.loads(body)
    validator.validate(doc)
    assert doc["openapi"].startswith("3.")
    for p in ("/predict", "/models/{name}/predict", "/v1/models/{name}:predict", "/v2/models/{name}/infer",
              "/v2/health/ready", "/healthz", "/readyz", "/metrics"):
        assert p in doc["paths"], p


def test_health_endpoints(gateway):
    c = Client(gateway.url)
    for path, want in (("/healthz", {"status": "ok"}), ("/livez", {"status": "ok"}), ("/readyz", {"ready": True}),
                       ("/v2/health/live", {"live": True}), ("/v2/health/ready", {"ready": True})):
        status, body, headers = c.request("GET", path)
        assert status == 200 and headers["content-type"] == "application/json" and json.loads(body) == want, path
        assert headers["content-length"] == str(len(body))
    doc = json.loads(c.request("GET", "/v2")[1])
    assert doc["name"] == "skscore" and "binary_tensor_data" in doc["extensions"]
    assert json.loads(c.request("GET", "/models")[1])["default"] == "iris"
