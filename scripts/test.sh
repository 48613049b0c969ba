#!/usr/bin/env bash
# Installs what is missing, builds, checks the compose file, runs the whole test suite with
# ctest, then the demo (scripts/demo.sh), whose exit code counts. Extra arguments go to ctest
# (e.g. scripts/test.sh -R EndToEnd) and skip the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

echo "== docker-compose.yml (no engine runs here: the file as docker-compose reads it, and its ports, health and peers)"
/usr/bin/python3 scripts/check_compose.py docker-compose.yml

echo "== ctest"
ctest --test-dir build --output-on-failure --timeout 300 -j"${JOBS:-2}" "$@"

# The main job too, once, unless a subset of tests was asked for: its exit code is checked.
if [ "$#" -eq 0 ]; then
  echo "== demo (scripts/demo.sh)"
  bash scripts/demo.sh
fi
