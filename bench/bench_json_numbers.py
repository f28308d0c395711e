"""The gateway's JSON decoder on bodies of numbers, with and without
decimal.h's Eisel-Lemire path, in one run (issue 13, "JSON numbers").

Runs build/gateway/gw_json_numbers_bench and gw_json_numbers_bench_strtod
(the same decoder built with GW_DECIMAL_STRTOD_ONLY: Clinger's exact path,
else glibc strtod) alternately, keeps each body's best time, checks that
the two builds decoded every body to the same bits (a hash of the float64s),
and prints the ratio. Issue 13's target, >= 4x on the 1,000 x 30 json.dumps
body, is against the decoder before Eisel-Lemire (docs/BENCHMARKS.md builds
it from 97e9321^); the strtod build shares this decoder's rows path, so
the ratio printed here is the number conversion's alone.

    cmake --build build --target gw_json_numbers_bench gw_json_numbers_bench_strtod
    python3 bench/bench_json_numbers.py [--rounds 5] [--build build]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from pathlib import Path


def run(binary: Path) -> dict[str, tuple[int, float, str]]:
    out = subprocess.run([str(binary)], capture_output=True, text=True, check=True, timeout=600).stdout
    rows = {}
    for line in out.splitlines():
        name, size, _n, micros, digest = line.split("\t")
        rows[name] = (int(size), float(micros), digest)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="runs of each build, alternated (default 5)")
    ap.add_argument("--build", default="build", help="the CMake build directory (default build)")
    args = ap.parse_args()
    gw = Path(args.build) / "gateway"
    fast, slow = gw / "gw_json_numbers_bench", gw / "gw_json_numbers_bench_strtod"
    for b in (fast, slow):
        if not b.is_file():
            sys.exit(f"{b} is not built: cmake --build {args.build} --target {b.name}")
    best: dict[str, dict[str, float]] = {"fast": {}, "slow": {}}
    sizes: dict[str, int] = {}
    for _ in range(max(1, args.rounds)):
        for key, binary in (("fast", fast), ("slow", slow)):
            for name, (size, micros, digest) in run(binary).items():
                sizes[name] = size
                best[key][name] = min(micros, best[key].get(name, float("inf")))
                best.setdefault("digest-" + key, {})[name] = digest  # type: ignore[assignment]
    print(f"# {platform.processor() or platform.machine()}, best of {args.rounds} runs x 7 rounds per build")
    print(f"{'body':36} {'bytes':>8} {'Eisel-Lemire':>13} {'strtod':>10} {'ratio':>6} {'MB/s':>6}")
    for name, size in sizes.items():
        f, s = best["fast"][name], best["slow"][name]
        same = best["digest-fast"][name] == best["digest-slow"][name]
        print(f"{name:36} {size:8d} {f:10.0f} us {s:7.0f} us {s / f:5.2f}x {size / f:6.0f}"
              + ("" if same else "  DIFFERENT RESULTS"))
        if not same:
            return 1
    name = "1000x30 repr floats (json.dumps)"
    ratio = best["slow"][name] / best["fast"][name]
    print(f"{'MET' if ratio >= 4 else 'MISSED'}: json.dumps body >= 4x the strtod build: {ratio:.2f}x "
          "(the decoder before Eisel-Lemire: docs/BENCHMARKS.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
