#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into ./build-fuzz and runs each for
# ORION_FUZZ_SECONDS (default 10) from its seed corpus: ctest label `fuzz`. A crash fails the
# run and leaves its input in build-fuzz/tests/fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
# -O1 with line tables: fast enough to fuzz, and a crash report names the line.
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" \
  -DCMAKE_CXX_COMPILER=clang++ -DORION_FUZZ=ON \
  -DORION_FUZZ_SECONDS="${ORION_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}" --target fuzzers
ctest --test-dir build-fuzz --output-on-failure -L fuzz -j"${JOBS:-2}"
