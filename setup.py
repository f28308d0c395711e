"""Builds the skscore package: the pure-Python package in pybind/skscore and
the extension skscore._skscore, compiled from pybind/ext/*.c and the
engine's sources (engine/src/*.c), linked with msgpack-c, libcrypto,
pthread and libm. The engine's sources are compiled in, not shipped."""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
import sysconfig

import numpy as np
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def pkg_config(*names: str) -> tuple[list[str], list[str], list[str]]:
    """(include dirs, library dirs, libraries) of the first package
    pkg-config knows among names; empty lists when none is known."""
    for name in names:
        try:
            cflags = subprocess.run(
                ["pkg-config", "--cflags-only-I", name], check=True, capture_output=True, text=True
            ).stdout
            libs = subprocess.run(
                ["pkg-config", "--libs", name], check=True, capture_output=True, text=True
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        incs = [f[2:] for f in shlex.split(cflags) if f.startswith("-I")]
        lib_dirs = [f[2:] for f in shlex.split(libs) if f.startswith("-L")]
        lib_names = [f[2:] for f in shlex.split(libs) if f.startswith("-l")]
        return incs, lib_dirs, lib_names
    return [], [], []


def msgpack_flags() -> tuple[list[str], list[str], list[str]]:
    # msgpack-c: pkg-config "msgpack-c" (Debian 13, -lmsgpack-c) or
    # "msgpack" (Debian 12, -lmsgpackc).
    incs, lib_dirs, libs = pkg_config("msgpack-c", "msgpack")
    if not libs:
        import ctypes.util

        libs = ["msgpack-c"] if ctypes.util.find_library("msgpack-c") else ["msgpackc"]
    return incs, lib_dirs, libs


def crypto_flags() -> tuple[list[str], list[str], list[str]]:
    incs, lib_dirs, libs = pkg_config("libcrypto")
    return incs, lib_dirs, libs or ["crypto"]


def compile_flags() -> list[str]:
    """The flags CMake's build uses too, from compile-flags.txt (one per
    line, '#' comments): -O3, -Wall -Wextra, and -ffp-contract=off, on
    which the engine's exactness depends."""
    path = os.path.join(ROOT, "compile-flags.txt")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise SystemExit(f"setup.py: cannot read {path} ({e.strerror}); build from the repository root") from None
    return [line.strip() for line in lines if line.strip().startswith("-")]


engine_sources = sorted(glob.glob("engine/src/*.c", root_dir=ROOT))
if not engine_sources:
    raise SystemExit("setup.py: engine/src/*.c not found; build from the repository root")

mp_inc, mp_libdirs, mp_libs = msgpack_flags()
cr_inc, cr_libdirs, cr_libs = crypto_flags()

extension = Extension(
    "skscore._skscore",
    sources=[*sorted(glob.glob("pybind/ext/*.c", root_dir=ROOT)), *engine_sources],
    # compile-flags.txt too: a changed flag rebuilds the extension in a tree built before
    depends=["engine/include/skscore.h", "pybind/ext/ext.h", "compile-flags.txt",
             *sorted(glob.glob("engine/src/*.h", root_dir=ROOT))],
    include_dirs=["engine/include", "pybind/ext", np.get_include(), *mp_inc, *cr_inc],
    library_dirs=[*mp_libdirs, *cr_libdirs],
    libraries=[*mp_libs, *cr_libs, "pthread", "m"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    # After Python's own CFLAGS, so these win (-O3 over -O2).
    extra_compile_args=compile_flags(),
)


class BuildExt(build_ext):
    """build_ext that says what to install when Python's headers are missing
    (a clean Debian has no Python.h until python3-dev is installed)."""

    def run(self):
        include = sysconfig.get_paths()["include"]
        if not os.path.exists(os.path.join(include, "Python.h")):
            version = sysconfig.get_python_version()
            raise SystemExit(
                f"setup.py: Python.h is not in {include}: this Python has no C headers. "
                f"Install them (Debian/Ubuntu: apt-get install python3-dev, or "
                f"python{version}-dev for python{version}), or run scripts/setup.sh, "
                "which installs every build dependency."
            )
        super().run()


setup(
    cmdclass={"build_ext": BuildExt},
    package_dir={"": "pybind"},
    packages=["skscore", "skscore.exporters"],
    package_data={"skscore": ["py.typed", "*.pyi"]},
    include_package_data=False,
    ext_modules=[extension],
)
