#!/usr/bin/env bash
# Installs what skscore needs to build and test on a fresh Debian 12/13
# machine (run as root, or with sudo available), builds the C parts, and
# makes a virtual environment at .venv with the Python package installed.
#
#   scripts/setup.sh            # everything
#   SKS_SKIP_APT=1 scripts/setup.sh   # no apt-get (packages already there)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ "${SKS_SKIP_APT:-0}" != 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # msgpack-c: libmsgpack-dev on Debian 12, libmsgpack-c-dev on Debian 13.
  msgpack_dev=libmsgpack-dev
  if apt-cache show libmsgpack-c-dev >/dev/null 2>&1; then msgpack_dev=libmsgpack-c-dev; fi
  $SUDO apt-get install -y -qq --no-install-recommends \
    build-essential cmake ninja-build pkg-config git ca-certificates \
    "$msgpack_dev" libssl-dev libh2o-evloop-dev libh2o-dev-common \
    dpkg-dev xz-utils patch libyaml-dev zlib1g-dev \
    $(cat scripts/apt-packages.txt 2>/dev/null | grep -v '^#' || true) \
    clang curl nghttp2-client python3-venv >/dev/null
  # dpkg-dev .. zlib1g-dev: the gateway's libh2o is built from Debian's h2o
  # source package with our patches (scripts/h2o-source.sh, run by cmake).
  # libFuzzer's runtime ships with clang's compiler-rt of the same version.
  clang_major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
  $SUDO apt-get install -y -qq --no-install-recommends "libclang-rt-${clang_major}-dev" >/dev/null 2>&1 \
    || $SUDO apt-get install -y -qq --no-install-recommends "libclang-common-${clang_major}-dev" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r requirements-dev.txt
.venv/bin/pip install -q .

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKS_GATEWAY=ON >/dev/null
cmake --build build -j"$(nproc)"
