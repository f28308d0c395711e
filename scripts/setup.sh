#!/usr/bin/env bash
# Installs what skscore needs on a fresh Debian 12/13 machine (run as root,
# or with sudo available), makes a virtual environment at .venv with the
# Python package installed, and builds the C parts (engine, gateway) into
# build/.
#
#   scripts/setup.sh                  # what building and serving need (the demo):
#                                     #   scripts/apt-packages.txt, skscore[sklearn,pandas]
#   scripts/setup.sh --test           # and what the tests need (scripts/test.sh):
#                                     #   scripts/apt-packages-test.txt, requirements-dev.txt
#   SKS_SKIP_APT=1 scripts/setup.sh   # no apt-get (packages already there)
#   PYTHON=python3.12 scripts/setup.sh  # the venv's interpreter (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
case "${1:-}" in
  --test) with_tests=1 ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

packages() { grep -v '^\s*#' "$1" | grep -v '^\s*$'; }

if [ "${SKS_SKIP_APT:-0}" != 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # msgpack-c: libmsgpack-dev on Debian 12, libmsgpack-c-dev on Debian 13.
  msgpack_dev=libmsgpack-dev
  if apt-cache show libmsgpack-c-dev >/dev/null 2>&1; then msgpack_dev=libmsgpack-c-dev; fi
  # Say which packages this release lacks, rather than apt's "Unable to locate".
  missing=""
  for p in $(packages scripts/apt-packages.txt); do
    apt-cache show "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "scripts/setup.sh: apt finds no package(s):$missing (in $(. /etc/os-release; echo "$PRETTY_NAME"))." >&2
    exit 1
  fi
  # shellcheck disable=SC2046
  $SUDO apt-get install -y -qq --no-install-recommends \
    "$msgpack_dev" $(packages scripts/apt-packages.txt) >/dev/null
  if [ "$with_tests" = 1 ]; then
    # shellcheck disable=SC2046
    $SUDO apt-get install -y -qq --no-install-recommends \
      $(packages scripts/apt-packages-test.txt) >/dev/null
    # libFuzzer's runtime ships with clang's compiler-rt of the same version.
    clang_major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
    $SUDO apt-get install -y -qq --no-install-recommends "libclang-rt-${clang_major}-dev" >/dev/null 2>&1 \
      || $SUDO apt-get install -y -qq --no-install-recommends "libclang-common-${clang_major}-dev" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip
if [ "$with_tests" = 1 ]; then
  .venv/bin/pip install -q -r requirements-dev.txt
fi
.venv/bin/pip install -q ".[sklearn,pandas]"

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKS_GATEWAY=ON >/dev/null
cmake --build build -j"$(nproc)"
