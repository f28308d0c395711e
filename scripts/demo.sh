#!/usr/bin/env bash
# Sets up (scripts/setup.sh), trains and exports the demo model (an iris
# random forest), validates the file against the estimator, and serves it
# with skscore-gateway on port ${PORT:-8080} until Ctrl-C.
#
#   scripts/demo.sh
#   curl -s localhost:8080/predict -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
#
# SKS_DEMO_SECONDS=N stops the server after N seconds (used by tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
.venv/bin/python scripts/demo_model.py out/iris.skm

port=${PORT:-8080}
build/gateway/skscore-gateway --model iris=out/iris.skm --port "$port" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
echo
echo "skscore-gateway is serving out/iris.skm on port $port. Try:"
echo "  curl -s localhost:$port/predict -d '{\"features\": [5.1, 3.5, 1.4, 0.2]}'"
echo -n "  -> "
# Exactly the command printed above (and the README's), with no JSON header.
curl -s "localhost:$port/predict" -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
echo
echo "  curl -s --http2-prior-knowledge localhost:$port/v2/models/iris"
echo "Ctrl-C stops it (graceful drain)."
if [ -n "${SKS_DEMO_SECONDS:-}" ]; then
  sleep "$SKS_DEMO_SECONDS"
  kill -TERM "$pid"
fi
wait "$pid"
