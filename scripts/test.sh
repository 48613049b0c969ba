#!/usr/bin/env bash
# Installs what is missing, builds, checks the compose file, and runs the whole test suite with
# ctest. Extra arguments go to ctest (e.g. scripts/test.sh -R EndToEnd).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

echo "== docker-compose config (no engine runs here: this checks the file only)"
docker-compose -f docker-compose.yml config -q

echo "== ctest"
ctest --test-dir build --output-on-failure --timeout 300 -j"${JOBS:-2}" "$@"
