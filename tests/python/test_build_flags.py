"""One set of compiler flags: the extension (setup.py) and the CMake build
(the engine's library, the gateway) both compile with compile-flags.txt.

GCC and clang record the code-generation flags of each object in the
binary's .GCC.command.line section (-frecord-gcc-switches, itself in the
file), so this reads them back from the installed extension and from the
CMake build's gateway and engine library: every recorded flag of the file
(-O3, -std=c11, -ffp-contract=off -- the engine's exactness depends on
that one) must be on every engine object's line. Warnings flags are not
recorded; the extension's build log is checked for -Wall -Wextra instead
by the setup.py test below.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skscore._skscore as ext

ROOT = Path(__file__).resolve().parents[2]
FLAGS = [ln.strip() for ln in (ROOT / "compile-flags.txt").read_text().splitlines() if ln.strip().startswith("-")]
# What the compilers record: code generation, not warnings or the recording switch itself.
RECORDED = [f for f in FLAGS if not f.startswith("-W") and f != "-frecord-gcc-switches"]


def recorded_lines(binary: Path) -> list[str]:
    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) is not installed")
    out = subprocess.run(["readelf", "-p", ".GCC.command.line", str(binary)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    lines = [m.group(1) for m in re.finditer(r"^\s*\[\s*[0-9a-f]+\]\s+(.*)$", out, re.M)]
    assert lines, f"{binary} records no compiler flags: was it built without -frecord-gcc-switches?"
    return lines


def missing(lines: list[str]) -> list[tuple[str, str]]:
    return [(f, ln) for ln in lines for f in RECORDED if f not in ln.split()]


def test_the_file_holds_what_exactness_needs():
    assert "-ffp-contract=off" in FLAGS and "-frecord-gcc-switches" in FLAGS
    assert {"-Wall", "-Wextra", "-O3"} <= set(FLAGS)


def test_extension_built_with_the_file():
    bad = missing(recorded_lines(Path(ext.__file__)))
    assert not bad, f"the installed extension lacks flags of compile-flags.txt: {bad[:3]}"


def cmake_binaries() -> list[Path]:
    found = []
    for build in sorted(ROOT.glob("build*")):
        for rel in ("gateway/skscore-gateway", "engine/libskscore.so"):
            if (build / rel).is_file():
                found.append(build / rel)
    return found


def test_cmake_build_with_the_file():
    binaries = cmake_binaries()
    if not binaries:
        pytest.skip("no CMake build here (scripts/setup.sh makes build/)")
    for b in binaries:
        # the gateway links h2o, built by the same CMake project with the same flags
        bad = missing(recorded_lines(b))
        assert not bad, f"{b} lacks flags of compile-flags.txt: {bad[:3]}"


def test_setup_py_compiles_with_the_file_and_without_warnings(tmp_path):
    """setup.py passes the file's flags, -Wall -Wextra included, and the
    extension compiles without a warning under them."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--build-temp", str(tmp_path / "t"),
         "--build-lib", str(tmp_path / "l"), "--force"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    warnings = [ln for ln in log.splitlines() if ": warning:" in ln]
    assert not warnings, "\n".join(warnings[:10])
