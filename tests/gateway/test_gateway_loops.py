"""Connections are spread over the event loops.

Every loop's copy of the listening socket wakes on a new connection, and
the first loop awake used to take it: at startup one loop often took every
long-lived connection while the other cores idled (a 4-connection h2load
run of 1,000-row batches kept one core busy and the other at zero). Now the
accepting loop hands each new connection to the loop with the fewest open
connections, and /metrics shows the split (skscore_loop_connections).
"""
from __future__ import annotations

import json
import re
import time

import pytest

from conftest import Gateway
from gw_util import Client

ONE = {"features": [5.1, 3.5, 1.4, 0.2]}


def loop_connections(c: Client) -> dict[int, int]:
    status, body, _ = c.request("GET", "/metrics")
    assert status == 200
    return {int(m.group(1)): int(m.group(2))
            for m in re.finditer(r'^skscore_loop_connections\{loop="(\d+)"\} (\d+)$', body.decode(), re.M)}


@pytest.mark.parametrize("threads", [2, 3])
def test_connections_spread_over_loops(start_gateway, model_dir, threads):
    gw: Gateway = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--threads", str(threads)])
    clients = [Client(gw.url) for _ in range(4 * threads)]
    try:
        for c in clients:  # one at a time: each is accepted and counted before the next connects
            status, body, _ = c.post_json("/predict", ONE)
            assert (status, json.loads(body)) == (200, {"prediction": "setosa"})
        counts = loop_connections(clients[0])
        assert sorted(counts) == list(range(threads))
        assert sum(counts.values()) == len(clients)
        assert max(counts.values()) - min(counts.values()) <= 1, counts
        # every connection keeps working on whichever loop serves it
        for c in clients:
            assert c.post_json("/predict", ONE)[0] == 200
    finally:
        for c in clients[1:]:
            c.close()
    # closed connections leave the counts
    deadline = time.monotonic() + 10
    while sum(loop_connections(clients[0]).values()) != 1:
        assert time.monotonic() < deadline, loop_connections(clients[0])
        time.sleep(0.02)
    clients[0].close()


def test_one_loop(start_gateway, model_dir):
    gw: Gateway = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}", "--threads", "1"])
    c = Client(gw.url)
    assert c.post_json("/predict", ONE)[0] == 200
    assert loop_connections(c) == {0: 1}
    c.close()


def test_default_loops_follow_the_cpus_the_process_may_use(start_gateway, model_dir):
    """Without --threads, one loop per CPU the process may use (its affinity
    mask and cgroup CPU quota: the engine's sks_cpu_count), not per online
    core: a pod limited to one CPU on a 64-core node runs one loop."""
    import os

    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(mine)})  # this thread only; the child inherits it
    try:
        gw: Gateway = start_gateway(["--model", f"iris={model_dir / 'iris.skm'}"])
    finally:
        os.sched_setaffinity(0, mine)
    started = next(r for r in gw.logs if r.get("msg") == "listening")
    assert started["threads"] == 1, started
    c = Client(gw.url)
    assert c.post_json("/predict", ONE)[0] == 200
    assert loop_connections(c) == {0: 1}
    c.close()
