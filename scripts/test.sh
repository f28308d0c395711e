#!/usr/bin/env bash
# Sets up (scripts/setup.sh --test: the demo's packages plus the test tools)
# and runs every test: the engine's C tests, the same under ASan+UBSan, short
# libFuzzer runs of every fuzz target, and pytest (Python package, gateway
# with real clients, container image, manifests, notebooks, the docs'
# snippets, and tests/fresh: the README's set-up on bare Debian 12 and 13
# containers, ~5 minutes).
#
#   scripts/test.sh                     # everything
#   SKS_FUZZ_SECONDS=10 scripts/test.sh # shorter fuzz runs
#   SKS_FRESH=0 scripts/test.sh         # without the fresh-machine tier
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh --test

echo "== engine and gateway C tests (ctest)"
(cd build && ctest --output-on-failure)

echo "== the same under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DSKS_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
# Leak checking on, less h2o's recycling allocator (gateway/lsan.supp); the
# gateway tests under ASan (tests/gateway/conftest.py) use the same file.
export LSAN_OPTIONS="suppressions=$root/gateway/lsan.supp:print_suppressions=0"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure)

echo "== fuzzing (libFuzzer, ASan+UBSan), ${SKS_FUZZ_SECONDS:-30} s per target"
CC=clang cmake -S . -B build-fuzz -DSKS_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$corpus/load"
build-fuzz/engine/fuzz/make_seeds "$corpus/load"
for target in $(find build-fuzz -type f -name 'fuzz_*' -perm -u+x | sort); do
  name=$(basename "$target")
  mkdir -p "$corpus/$name"
  seeds=""
  [ "$name" = fuzz_load ] && seeds="$corpus/load"
  for d in engine/fuzz/corpus/$name gateway/fuzz/corpus/$name; do [ -d "$d" ] && seeds="$seeds $d"; done
  echo "-- $name"
  "$target" -max_total_time="${SKS_FUZZ_SECONDS:-30}" -rss_limit_mb=2048 -print_final_stats=0 \
    "$corpus/$name" $seeds 2>&1 | tail -n 2
done

echo "== pytest"
export SKSCORE_GATEWAY="$root/build/gateway/skscore-gateway"
export SKSCORE_GATEWAY_ASAN="$root/build-asan/gateway/skscore-gateway"
.venv/bin/python -m pytest -q -rs tests    # -rs: each skip with its reason
