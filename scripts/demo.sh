#!/usr/bin/env bash
# The main job: builds Orion, starts the whole stack on loopback with the embedded SQLite stores
# under ./data (registry, one orion-consensus replica, three scheduler replicas, five example
# agents with different capabilities and vote weights), with CURVE on: it makes the keys and
# the policy under ./data/keys, and the web dashboard on http://127.0.0.1:7400/. It runs the product scenarios against it
# (scripts/demo_scenarios.py: each prints a report and checks its own outcome), and stops
# everything it started.
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
  # Only the processes this script started, by PID, newest first; and scheduler replicas the
  # failover scenario started again.
  if [ -f "$RUN/schedulers.json.restarted" ]; then
    while read -r pid; do PIDS+=("$pid"); done <"$RUN/schedulers.json.restarted"
  fi
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
# A fresh demo each run: the stores of an earlier one would show its tasks and proposals too.
rm -rf "$DATA/registry" "$DATA/scheduler" "$DATA"/scheduler-? "$DATA/consensus"

# Security on (docs/protocol.md section 11): a key pair for the services, one for the agents and
# one for the operator running the scenarios, and the policy that grants each its part. Every
# socket then speaks CURVE; a peer without a key of the policy gets no answer.
KEYS=$DATA/keys
rm -rf "$KEYS" && mkdir -p "$KEYS"
for k in services agents operator dashboard; do "$BIN/orionctl" keygen "$KEYS/$k.key" >/dev/null; done
pub() { sed -n 's/^public = //p' "$KEYS/$1.key.pub"; }
# Each agent's Ed25519 vote key: the policy holds its public half, and the consensus service
# checks every vote with the policy's key, never one a proposer names.
VOTERS=(collector processor trainer reporter operator)
for a in "${VOTERS[@]}"; do "$BIN/orionctl" keygen --vote "$KEYS/vote-$a.key" >/dev/null; done
vote_keys=$(for a in "${VOTERS[@]}"; do printf '      %s: "%s"\n' "$a" "$(pub "vote-$a")"; done)
cat >"$KEYS/policy.yaml" <<POLICY
principals:
  services: {key: "$(pub services)", roles: [service]}
  operator: {key: "$(pub operator)", roles: [admin]}
  dashboard: {key: "$(pub dashboard)", roles: [operator]}
  agents:
    key: "$(pub agents)"
    roles: [agent]
    agents: [collector, processor, trainer, reporter, operator]
    capabilities: [data, compute, gpu, ml, report, text, ops, council]
    vote_keys:
$vote_keys
POLICY
SERVICE_KEYS=(--curve-key "$KEYS/services.key" --policy "$KEYS/policy.yaml")
AGENT_KEYS=(--curve-key "$KEYS/agents.key" --curve-server-key "$KEYS/services.key.pub")
# orionctl, here and in the scenarios, takes its key from the environment.
export ORION_CURVE_KEY=$KEYS/operator.key ORION_CURVE_SERVER_KEY=$KEYS/services.key.pub

echo "== starting the stack with CURVE on (logs in $RUN/, keys and policy in $KEYS/)"
start registry "$BIN/orion-registry" --data-dir "$DATA/registry" --ready-file "$RUN/registry.ready" "${SERVICE_KEYS[@]}"
wait_ready "$RUN/registry.ready" registry
# Three scheduler replicas over Raft (clients 7200/7210/7220, agents 7201/7211/7221, Raft
# 7209/7219/7229); scenario 7 kills the leader. $RUN/schedulers.json names each one's pid and
# command, so that the scenario can kill it and start it again.
PEERS=1@127.0.0.1:7209,2@127.0.0.1:7219,3@127.0.0.1:7229
echo "{" >"$RUN/schedulers.json"
for i in 1 2 3; do
  port=$((7190 + 10 * i))
  cmd=("$BIN/orion-scheduler" --id "$i" --peers "$PEERS" --bind-client "tcp://127.0.0.1:$port"
       --bind-agent "tcp://127.0.0.1:$((port + 1))" --data-dir "$DATA/scheduler-$i" --ready-file "$RUN/scheduler-$i.ready"
       --metrics-bind "127.0.0.1:$((7279 + i))" "${SERVICE_KEYS[@]}")
  start "scheduler-$i" "${cmd[@]}"
  args=$(printf '"%s",' "${cmd[@]}")
  echo "  \"$i\": {\"pid\": ${PIDS[-1]}, \"client\": \"tcp://127.0.0.1:$port\", \"log\": \"$RUN/scheduler-$i.log\", \"cmd\": [${args%,}]}$([ "$i" -lt 3 ] && echo ,)" >>"$RUN/schedulers.json"
done
echo "}" >>"$RUN/schedulers.json"
rm -f "$RUN/schedulers.json.restarted"
for i in 1 2 3; do wait_ready "$RUN/scheduler-$i.ready" "scheduler-$i"; done
start consensus "$BIN/orion-consensus" --data-dir "$DATA/consensus" --ready-file "$RUN/consensus.ready" "${SERVICE_KEYS[@]}"
wait_ready "$RUN/consensus.ready" consensus
agent() {  # id, weight, capabilities...
  local id=$1 weight=$2; shift 2
  local caps=()
  for c in "$@"; do caps+=(--cap "$c"); done
  start "agent-$id" "$BIN/orion-example-agent" --id "$id" --weight "$weight" --capacity 2 "${caps[@]}" "${AGENT_KEYS[@]}" \
    --vote-key "$KEYS/vote-$id.key"
}
# Keep in step with AGENTS in scripts/demo_scenarios.py.
agent collector 1 data council
agent processor 1 data compute council
agent trainer 3 gpu ml council
agent reporter 1 report text council
agent operator 2 ops text council

ctl() { "$BIN/orionctl" "$@" --registry "$REG"; }
for _ in $(seq 1 150); do
  up=$(ctl agents --json | python3 -c 'import json,sys; print(sum(a["state"]=="UP" for a in json.load(sys.stdin)["agents"]))')
  [ "$up" -ge 5 ] && break
  sleep 0.1
done

# The web dashboard (docs/dashboard.md) on http://127.0.0.1:7400/, acting as its own principal.
start dashboard "$BIN/orion-dashboard" --registry "$REG" --http-bind 127.0.0.1:7400 --ready-file "$RUN/dashboard.ready" \
  --curve-key "$KEYS/dashboard.key" --curve-server-key "$KEYS/services.key.pub"
wait_ready "$RUN/dashboard.ready" dashboard

status=0
python3 scripts/demo_scenarios.py --bin "$BIN" --registry "$REG" --replicas "$RUN/schedulers.json" || status=$?

echo "== Metrics: every service's /metrics parses (Prometheus's own parser) and agrees with orionctl stats"
if /usr/bin/python3 - "$RUN" "$BIN/orionctl" "$REG" <<'PY'
import json, subprocess, sys
run, orionctl, registry = sys.argv[1:4]
def completed_by_stats():
    out = subprocess.run([orionctl, "stats", "--json", "--registry", registry], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["tasks"]["by_state"].get("COMPLETED", 0)
urls = [json.load(open(f"{run}/{name}.ready"))["metrics"]
        for name in ("registry", "scheduler-1", "scheduler-2", "scheduler-3", "consensus")]
before = completed_by_stats()
pages = json.loads(subprocess.run([sys.executable, "tests/integration/scrape_metrics.py", *urls],
                                  check=True, capture_output=True, text=True).stdout)
after = completed_by_stats()
def value(page, name, **labels):
    return next((v for l, v in page.get(name, []) if all(l.get(k) == x for k, x in labels.items())), None)
leader = [u for u in urls[1:4] if value(pages[u], "orion_raft_role", role="leader") == 1]
completed = value(pages[leader[0]], "orion_scheduler_tasks", state="COMPLETED") if leader else None
print(f"    {len(pages)} pages parsed; the leader ({leader[0] if leader else 'none'}) counts {completed} COMPLETED, "
      f"orionctl stats {before} before and {after} after")
sys.exit(0 if completed is not None and before <= completed <= after else 1)
PY
then
  echo "    [ok ] the leader's task counts are orionctl stats' counts"
else
  echo "    [FAIL] /metrics did not parse or disagreed with orionctl stats"; status=1
fi

echo "== Dashboard: http://127.0.0.1:7400/ shows the agents and the scenarios' tasks"
if /usr/bin/python3 - <<'PY'
import json, sys, time, urllib.request
def get(path):
    with urllib.request.urlopen("http://127.0.0.1:7400" + path, timeout=10) as r:
        return json.load(r)
deadline = time.monotonic() + 15
while True:
    agents = [a for a in get("/api/agents")["agents"] if a.get("state") == "UP"]
    tasks = get("/api/tasks")["held"]
    if len(agents) >= 5 and tasks > 0:
        break
    if time.monotonic() > deadline:
        sys.exit(f"    {len(agents)} agents UP and {tasks} tasks shown")
    time.sleep(0.2)
print(f"    {len(agents)} agents UP, {tasks} tasks, {len(get('/api/workflows')['workflows'])} workflows, "
      f"{len(get('/api/proposals')['proposals'])} proposals shown")
PY
then
  echo "    [ok ] the dashboard shows the stack"
else
  echo "    [FAIL] the dashboard did not show the stack (see $RUN/dashboard.log)"; status=1
fi

echo "== Security: the stack answers only the policy's keys"
if env -u ORION_CURVE_KEY -u ORION_CURVE_SERVER_KEY "$BIN/orionctl" agents --registry "$REG" --call-timeout 1 >/dev/null 2>&1; then
  echo "    [FAIL] a client without a key was answered"; status=1
else
  echo "    [ok ] a client without a key gets no answer"
fi
"$BIN/orionctl" keygen "$KEYS/stranger.key" >/dev/null
if ORION_CURVE_KEY=$KEYS/stranger.key "$BIN/orionctl" agents --registry "$REG" --call-timeout 1 >/dev/null 2>&1; then
  echo "    [FAIL] a key the policy does not name was answered"; status=1
else
  echo "    [ok ] a key the policy does not name gets no answer"
fi

if [ "$KEEP" -eq 1 ]; then
  echo "The stack is running with CURVE on (PIDs ${PIDS[*]}). orionctl needs the operator's key:"
  echo "  export ORION_CURVE_KEY=$KEYS/operator.key ORION_CURVE_SERVER_KEY=$KEYS/services.key.pub"
  echo "Then try:"
  echo "  $BIN/orionctl agents"
  echo "  $BIN/orionctl submit --type echo --cap text --input '{\"x\":1}' --json"
  echo "  $BIN/orionctl propose --type deploy --consensus majority --cap council --timeout 30 --json"
  echo "  $BIN/orionctl watch"
  echo "The dashboard: http://127.0.0.1:7400/"
  echo "Stop it with: kill ${PIDS[*]}"
fi
exit "$status"
