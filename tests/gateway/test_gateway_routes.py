"""The route table (gateway/routes.c) is the one list of what the gateway
answers: `skscore-gateway --list-routes` prints it, openapi.json must
document exactly those (method, path) pairs, and every listed route must
really be answered -- by its method with something other than "no route",
by another method with 405 and the table's Allow, and for a model nobody
serves with 404 naming the model. The metrics label each request with the
table's label.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import gateway_binary
from gw_util import Client

ONE_ROW = {"features": [5.1, 3.5, 1.4, 0.2]}


def table() -> list[dict]:
    out = subprocess.run([str(gateway_binary()), "--list-routes"], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(set(r) == {"method", "path", "route"} for r in rows)
    return rows


def test_openapi_lists_exactly_the_table(gateway):
    status, body, _ = Client(gateway.url).request("GET", "/openapi.json")
    assert status == 200
    documented = {(m.upper(), p) for p, ops in json.loads(body)["paths"].items() for m in ops
                  if m in ("get", "post", "put", "delete", "patch", "head")}
    served = {(r["method"], r["path"]) for r in table()}
    assert documented - served == set(), "openapi.json documents routes the gateway does not have"
    assert served - documented == set(), "routes missing from openapi.json"


def body_for(r: dict) -> bytes:
    if "/v2/" in r["path"]:
        return json.dumps({"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64",
                                       "data": ONE_ROW["features"]}]}).encode()
    if ":predict" in r["path"] or ":explain" in r["path"]:
        return json.dumps({"instances": [ONE_ROW["features"]]}).encode()
    return json.dumps(ONE_ROW).encode()


def metric(c: Client, route: str) -> int:
    text = c.request("GET", "/metrics")[1].decode()
    return sum(int(m.group(1)) for m in re.finditer(
        r'^skscore_http_requests_total\{route="%s",[^}]*\} (\d+)$' % re.escape(route), text, re.M))


@pytest.mark.parametrize("r", table(), ids=lambda r: f'{r["method"]} {r["path"]}')
def test_every_route_is_answered(gateway, r):
    c = Client(gateway.url)
    path = r["path"].replace("{name}", "iris")
    hdr = {"Content-Type": "application/json"}
    before = metric(c, r["route"])
    status, body, _ = c.request(r["method"], path, body_for(r) if r["method"] == "POST" else None, hdr)
    assert status == 200, (path, body[:300])
    # a scrape counts itself once it is answered: the "before" one adds to metrics too
    assert metric(c, r["route"]) == before + (2 if r["route"] == "metrics" else 1), r
    other = "GET" if r["method"] == "POST" else "POST"
    status, body, headers = c.request(other, path, b"{}" if other == "POST" else None, hdr)
    assert status == 405 and headers["allow"] == r["method"], (other, path, status)
    if "{name}" in r["path"]:
        status, body, _ = c.request(r["method"], r["path"].replace("{name}", "no-such-model"),
                                    body_for(r) if r["method"] == "POST" else None, hdr)
        assert status == 404 and "no-such-model" in json.loads(body)["error"], (path, body)


@pytest.mark.parametrize("path", ["/v1/models/a:b", "/v1/models/iris:b:predict", "/v2/models//infer",
                                  "/v2/models/iris/versions/2/infer", "/v2/models/iris/", "/predict/",
                                  "/models/iris/predict/x", "/nope"])
def test_near_misses_have_no_route(gateway, path):
    status, body, _ = Client(gateway.url).request("GET", path)
    assert status == 404 and json.loads(body)["error"].startswith("no route for GET"), (path, body)
