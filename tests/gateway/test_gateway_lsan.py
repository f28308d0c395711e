"""Leak checking of the gateway (ASan build): what gateway/lsan.supp hides.

The ASan gateway runs in the tests with detect_leaks=1 and the suppression
file gateway/lsan.supp, which names h2o's recycling allocator alone
(h2o_mem_alloc_recycle: per-thread free lists never emptied at exit). This
test runs the server without the file, over HTTP/1.1 and HTTP/2, and checks
that every leak LSan then reports was allocated through that allocator, and
that with the file the exit is clean: the suppression hides those and
nothing else.
"""
from __future__ import annotations

import json
import re

from conftest import SANITIZER_ENV, Gateway, asan_binary, curl, sanitizer_reports
from gw_util import Client

ONE = json.dumps({"features": [5.1, 3.5, 1.4, 0.2]}).encode()


def run(model_dir, env: dict[str, str]) -> tuple[int, list[str]]:
    gw = Gateway(["--threads", "2", "--reload-interval", "0", "--model", f"iris={model_dir / 'iris.skm'}"],
                 env=env, binary=asan_binary(), timeout=30)
    try:
        c = Client(gw.url)
        for _ in range(50):
            assert c.request("POST", "/predict", ONE, {"Content-Type": "application/json"})[0] == 200
        c.close()
        for _ in range(5):
            status, _, _ = curl("--http2-prior-knowledge", "-H", "Content-Type: application/json",
                                "--data-binary", ONE.decode(), gw.url + "/predict")
            assert status == 200
    finally:
        rc = gw.stop()
    lines = [r.get("line", "") for r in gw.logs if r.get("msg") == "<not JSON>"]
    assert not [ln for ln in sanitizer_reports(gw) if "LeakSanitizer" not in ln and "leaked" not in ln], lines[:40]
    return rc, lines


def test_lsan_suppression_covers_h2o_recycling_only(model_dir):
    env = dict(SANITIZER_ENV)
    env["LSAN_OPTIONS"] = "print_suppressions=0"  # no suppressions file
    rc, lines = run(model_dir, env)
    text = "".join(lines)
    # One stack per leak: from its "leak of" line to the next blank line.
    stacks = re.findall(r"(?:Direct|Indirect) leak of \d+ byte\(s\).*?\n\n", text, re.S)
    assert stacks, text[-2000:]  # h2o's free lists do hold memory at exit
    assert rc != 0
    for s in stacks:
        assert "h2o_mem_alloc_recycle" in s, s
    # ... and with the file, nothing is reported and the exit is clean.
    rc, lines = run(model_dir, SANITIZER_ENV)
    assert rc == 0 and not any("LeakSanitizer" in ln for ln in lines), lines[-40:]
