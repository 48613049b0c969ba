#!/usr/bin/env bash
# Configures and builds Orion into ./build (executables in build/bin). Warnings are errors in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# Paths relative to the checkout in ccache's keys: another clone of the same sources hits it.
# (and without the directory in the hash, which -g would otherwise add).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DORION_WERROR="$werror" >/dev/null
cmake --build build -j"${JOBS:-2}"
