#!/usr/bin/env bash
# Installs the Debian packages Orion builds and runs with, when any is missing. Idempotent and
# quiet: on a machine that has them all it only checks.
set -euo pipefail

PACKAGES=(
  g++ cmake make pkg-config ccache
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libcxxopts-dev libspdlog-dev nlohmann-json3-dev
  libsqlite3-dev libgtest-dev libgmock-dev libraft-dev libuv1-dev libsodium-dev libyaml-cpp-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev  # the services' HTTP endpoint
  libhowardhinnant-date-dev tzdata  # schedules: cron in a time zone (date/tz.h over /usr/share/zoneinfo)
  docker-compose python3 python3-zmq python3-msgpack python3-prometheus-client
  python3-venv python3-pip  # the Python SDK's install test (pip install ./sdk/python)
  clang libclang-rt-14-dev  # the libFuzzer targets (scripts/fuzz.sh)
  chromium python3-websocket  # the dashboard's page tested in a headless browser
  dpkg-dev file  # cpack -G DEB: dpkg-shlibdeps finds the services' Depends
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
