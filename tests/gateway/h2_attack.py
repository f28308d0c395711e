"""Hostile HTTP/2 clients for tests/gateway/test_gateway_hostile_h2.py: raw
frames over a plain socket (h2c, prior knowledge), so the tests can send what
no well-behaved library would (HPACK references to a large table entry,
floods of CONTINUATION or RST_STREAM frames, zero windows, header blocks
dripped a few bytes at a time), plus what they measure: the gateway's RSS,
and the latency a well-behaved client sees meanwhile.

Loopback only; every loop here is bounded in time and count.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

from gw_util import Client, status_bytes

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
(
    DATA,
    HEADERS,
    PRIORITY,
    RST_STREAM,
    SETTINGS,
    PUSH_PROMISE,
    PING,
    GOAWAY,
    WINDOW_UPDATE,
    CONTINUATION,
) = range(10)
END_STREAM, END_HEADERS = 0x1, 0x4
ENHANCE_YOUR_CALM = 11
SETTINGS_INITIAL_WINDOW_SIZE = 4


def frame(ftype: int, flags: int, sid: int, payload: bytes = b"") -> bytes:
    return (
        struct.pack(">I", len(payload))[1:]
        + bytes([ftype, flags])
        + struct.pack(">I", sid)
        + payload
    )


def hpack_int(value: int, prefix_bits: int, first: int = 0) -> bytes:
    top = (1 << prefix_bits) - 1
    if value < top:
        return bytes([first | value])
    out = [first | top]
    value -= top
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_str(s: bytes) -> bytes:
    return hpack_int(len(s), 7) + s


def request_block(method: str, path: str, extra: bytes = b"", content_type: bool = False) -> bytes:
    """A header block from the static table and literals only (no change to
    the dynamic table), then `extra`."""
    block = bytes([0x82 if method == "GET" else 0x83, 0x86])  # :method, :scheme http
    block += b"\x04" + hpack_str(path.encode())  # :path, literal without indexing
    block += b"\x01" + hpack_str(b"127.0.0.1")  # :authority
    if content_type:
        block += b"\x0f\x10" + hpack_str(b"application/json")  # content-type (static 31)
    return block + extra


def big_entry(size: int = 4000) -> bytes:
    """A literal header with incremental indexing: becomes dynamic entry 62
    (one byte, 0xbe, refers to it afterwards)."""
    return b"\x40" + hpack_str(b"x-amp") + hpack_str(b"a" * size)


class RawH2:
    """One h2c connection speaking raw frames; a reader thread collects the
    server's frames and notes when the connection ends."""

    def __init__(self, port: int, settings: dict[int, int] | None = None, window_update: int = 0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(120)  # recv: longer than any bound tested; close() ends it sooner
        payload = b"".join(struct.pack(">HI", k, v) for k, v in (settings or {}).items())
        first = PREFACE + frame(SETTINGS, 0, 0, payload)
        if window_update:
            first += frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", window_update))
        self.frames: list[tuple[int, int, int, bytes]] = []
        self.goaway: tuple[int, bytes] | None = None  # (error code, debug data)
        self.closed_at: float | None = None
        self.bytes_in = 0
        self.read_error: str | None = None
        self.started = time.monotonic()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.send(first)

    def _read(self) -> None:
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                self.bytes_in += len(chunk)
                buf += chunk
                while len(buf) >= 9:
                    n = int.from_bytes(buf[:3], "big")
                    if len(buf) < 9 + n:
                        break
                    ftype, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                    payload = buf[9 : 9 + n]
                    buf = buf[9 + n :]
                    if ftype == GOAWAY and self.goaway is None:
                        self.goaway = (int.from_bytes(payload[4:8], "big"), payload[8:])
                    if ftype != DATA:  # keep headers and control frames only
                        self.frames.append((ftype, flags, sid, payload))
        except OSError as e:
            self.read_error = repr(e)
        self.closed_at = time.monotonic()

    def send(self, data: bytes) -> bool:
        """False once the server has closed the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def ack_settings(self) -> None:
        self.send(frame(SETTINGS, 0x1, 0))

    def wait_closed(self, timeout: float) -> float | None:
        """When (time.monotonic) the connection ended, or None if it is
        still open after timeout seconds."""
        self._reader.join(timeout)
        return None if self.closed_at is None else self.closed_at

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
        self._reader.join(2)


def rss_bytes(pid: int) -> int:
    return status_bytes(pid, "VmRSS")


class RssSampler:
    """Samples a process's RSS every 20 ms in a thread; .peak and .samples."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.samples = pid, rss_bytes(pid), []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 300
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                r = rss_bytes(self.pid)
            except OSError:
                return
            self.samples.append(r)
            self.peak = max(self.peak, r)
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop.set()
        self._t.join(2)
        return self.peak


class GoodClient:
    """A well-behaved client on its own keep-alive connection, predicting one
    row in a loop until stopped; records every status and latency."""

    def __init__(self, url: str, body: bytes):
        self.url, self.body = url, body
        self.statuses: list[int] = []
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._c = Client(url, timeout=10)
        self._c.request(
            "POST", "/predict", body, {"Content-Type": "application/json"}
        )  # connected first
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 300
        while not self._stop.is_set() and time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                status, _, _ = self._c.request(
                    "POST", "/predict", self.body, {"Content-Type": "application/json"}
                )
            except Exception as e:
                self.errors.append(repr(e))
                status = 0
            self.latencies.append(time.perf_counter() - t0)
            self.statuses.append(status)
            time.sleep(0.002)

    def stop(self) -> dict:
        self._stop.set()
        self._t.join(15)
        self._c.close()
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("inf")
        return {
            "n": len(lat),
            "non_200": sum(1 for s in self.statuses if s != 200),
            "p99_ms": p99 * 1000,
            "p50_ms": lat[len(lat) // 2] * 1000 if lat else float("inf"),
            "errors": self.errors[:3],
        }
