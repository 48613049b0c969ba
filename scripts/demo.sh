#!/usr/bin/env bash
# The main job: builds Orion, starts the stack on loopback with the embedded SQLite store under
# ./data (registry, scheduler, two example agents), submits tasks with different capabilities
# and priorities through the client API (orionctl), prints each task's id, agent, status and
# output, checks every outcome, and stops everything it started.
#
#   ./scripts/demo.sh          run and stop; exit 0 only if every check passed
#   ./scripts/demo.sh --keep   leave the stack running and print how to reach it
set -euo pipefail
cd "$(dirname "$0")/.."
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

bash scripts/build.sh >/dev/null
BIN=build/bin
DATA=./data
RUN=$DATA/run
mkdir -p "$RUN"
REG=tcp://127.0.0.1:7100
PIDS=()

stop_all() {
  # Only the processes this script started, by PID, newest first.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
if [ "$KEEP" -eq 0 ]; then trap stop_all EXIT; fi

# Waits (bounded) for a ready file a service writes once it serves.
wait_ready() {
  for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "demo: $2 did not start; see $RUN/$2.log" >&2
  exit 1
}

start() {  # name, then the command
  local name=$1; shift
  "$@" >"$RUN/$name.log" 2>&1 &
  PIDS+=($!)
}

rm -f "$RUN"/*.ready
echo "== starting the stack (logs in $RUN/)"
start registry "$BIN/orion-registry" --data-dir "$DATA/registry" --ready-file "$RUN/registry.ready"
wait_ready "$RUN/registry.ready" registry
start scheduler "$BIN/orion-scheduler" --data-dir "$DATA/scheduler" --ready-file "$RUN/scheduler.ready"
wait_ready "$RUN/scheduler.ready" scheduler
start agent-text "$BIN/orion-example-agent" --id agent-text --cap text --capacity 2 --weight 1
start agent-math "$BIN/orion-example-agent" --id agent-math --cap math --cap text --capacity 2 --weight 2

ctl() { "$BIN/orionctl" "$@" --registry "$REG"; }
json_field() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v if isinstance(v,str) else json.dumps(v))' "$1"; }

for _ in $(seq 1 100); do
  up=$(ctl agents --json | python3 -c 'import json,sys; print(sum(a["state"]=="UP" for a in json.load(sys.stdin)["agents"]))')
  [ "$up" -ge 2 ] && break
  sleep 0.1
done
echo
ctl agents
echo

echo "== submitting tasks"
declare -A WANT_STATUS WANT_OUTPUT WANT_CAP
submit() {  # name, expected status, expected output (JSON or -), required capability, then orionctl flags
  local name=$1 status=$2 output=$3 cap=$4; shift 4
  local id
  id=$(ctl submit --name "$name" --cap "$cap" "$@" --json | json_field task_id)
  WANT_STATUS[$id]=$status WANT_OUTPUT[$id]=$output WANT_CAP[$id]=$cap
  IDS+=("$id")
  printf '  %-6s %-10s %s\n' "$id" "$name" "$*"
}
IDS=()
submit greeting COMPLETED '{"msg": "hello, orion"}' text --type echo --priority high --input '{"msg":"hello, orion"}'
submit sum      COMPLETED '{"numbers": [1, 2, 3]}'  math --type echo --priority urgent --input '{"numbers":[1,2,3]}'
submit report   COMPLETED '{"slept_ms": 300}'       text --type sleep --priority low --timeout 10 --input '{"ms":300}'
submit doomed   FAILED    -                           math --type fail --priority normal --input '{"message":"failed on purpose"}'

echo
echo "== results"
printf '%-6s %-10s %-11s %-10s %s\n' TASK NAME AGENT STATUS OUTPUT/ERROR
bad=0
for id in "${IDS[@]}"; do
  ctl wait "$id" --timeout 30 --json >/dev/null 2>&1 || true
  st=$(ctl status "$id" --json)
  name=$(echo "$st" | json_field name)
  agent=$(echo "$st" | json_field assigned_agent)
  status=$(echo "$st" | json_field status)
  output=$(echo "$st" | json_field output)
  error=$(echo "$st" | json_field error)
  shown=$output; [ "$status" = COMPLETED ] || shown=$error
  printf '%-6s %-10s %-11s %-10s %s\n' "$id" "$name" "$agent" "$status" "$shown"
  if [ "$status" != "${WANT_STATUS[$id]}" ]; then echo "  ✗ expected ${WANT_STATUS[$id]}" >&2; bad=1; fi
  if [ "${WANT_OUTPUT[$id]}" != - ] && [ "$output" != "${WANT_OUTPUT[$id]}" ]; then
    echo "  ✗ expected output ${WANT_OUTPUT[$id]}" >&2; bad=1
  fi
  if [ "${WANT_CAP[$id]}" = math ] && [ "$agent" != agent-math ]; then
    echo "  ✗ a math task ran on $agent, which lacks 'math'" >&2; bad=1
  fi
done
echo

if [ "$KEEP" -eq 1 ]; then
  echo "The stack is running (PIDs ${PIDS[*]}). Try:"
  echo "  $BIN/orionctl agents"
  echo "  $BIN/orionctl submit --type echo --cap text --input '{\"x\":1}' --json"
  echo "  $BIN/orionctl watch"
  echo "Stop it with: kill ${PIDS[*]}"
fi
if [ "$bad" -ne 0 ]; then echo "demo: FAILED" >&2; exit 1; fi
echo "demo: all checks passed"
