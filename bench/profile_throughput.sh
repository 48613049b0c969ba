#!/bin/sh
# Where the CPU of `throughput_tasks_per_s` goes: perf samples every CPU while orion-bench runs
# the figure, then prints the share of each process (comm) and, for the scheduler, agents and
# ZeroMQ I/O threads, the libraries and the functions that take it. orion-scheduler restarts
# itself for its heap (docs/internals/replication.md, "Huge pages"), so its comm is "exe".
#
#   bench/profile_throughput.sh [build/bin] [perf.data]
#
# Needs perf (Debian: linux-perf) and root or kernel.perf_event_paranoid <= 0. Other processes
# on the machine show up under their own names: run it on a quiet machine.
set -eu
BIN=${1:-build/bin}
DATA=${2:-/tmp/orion-throughput.perf}
FIGURES=throughput_tasks_per_s,throughput_cpu_us_per_task,throughput_cpu_us_per_task_scheduler,throughput_cpu_us_per_task_agent,throughput_cpu_us_per_task_client
perf record -q -a -F 999 -o "$DATA" -- "$BIN/orion-bench" scheduler --only "$FIGURES" 2>/dev/null
report() {
  perf report -i "$DATA" --no-children --sort "$1" --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -"$2" | cut -c1-150
}
echo "== share of all samples, by process"
report comm 12
echo "== by process and library"
report comm,dso 25
echo "== by process and function"
report comm,sym 40
