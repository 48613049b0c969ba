#!/usr/bin/env python3
"""Fault test: a replicated scheduler across a network partition, on hosts made of network
namespaces (netns.py). Three orion-scheduler replicas run on hosts h1..h3, the registry and the
majority's clients on host "reg"; a client on the leader's own host (probe.py) stays with it.

Scenario cut    (A): the leader's host is cut off from every other host, then healed.
Scenario stop   (B): the same, and the leader is also SIGSTOPped across the cut (SIGCONT after
                     the heal), so it wakes up still believing it leads.

What must hold (docs/protocol.md 6.3.1):
  - no SUBMIT sent to the cut-off leader is acknowledged (SUBMIT_OK), and none creates a task;
  - the majority elects a leader that acknowledges SUBMITs (NOT_LEADER redirects followed);
  - once its lease has lapsed, the cut-off leader never answers a read from its old state: a
    GET_TASK for a task only the majority holds is UNAVAILABLE, NOT_LEADER or unanswered, never
    NOT_FOUND (and never TASK_INFO while cut off);
  - after the heal every replica converges: the same task count and the same state digest,
    holding every acknowledged task and nothing else; the old leader's process (same PID: a
    deposed leader restarts in place) is still running.
It prints how long the majority had no serving leader.

Usage (ctest runs it; exit 77 = skipped: not root, or no network namespaces here):
  partition_test.py --bin-dir BUILD/bin --source-dir SRC [--scenario cut|stop|all] [--runs N]
"""

import argparse
import atexit
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from netns import Net, NetnsUnavailable  # noqa: E402
from probe import Probe  # noqa: E402

SKIP = 77                 # ctest SKIP_RETURN_CODE
SCENARIO_S = 50           # the overall deadline grows by this for each scenario run (ctest's
                          # TIMEOUT, 120 s for one scenario, is above it)
REPLICAS = ("h1", "h2", "h3")
CLIENT_PORT, AGENT_PORT, RAFT_PORT = 7200, 7201, 7209
REGISTRY_PORT, EVENTS_PUB_PORT, EVENTS_SUB_PORT = 7100, 7101, 7102
PRE_TASKS = 3             # acknowledged before the cut
MAJORITY_TASKS = 10       # acknowledged by the majority during the cut
CUT_SUBMITS = 5           # sent to the cut-off leader, twice (at the cut, and once a new leader serves)
READ_PROBE_MS = 1500      # how long GET_TASK is asked of the cut-off leader once its lease lapsed
READ_PACE_S = 0.01       # between two of those reads
REDIRECT_PAUSE_S = 0.05   # protocol 6.3.1: pause before retrying when no leader is known


class Failure(Exception):
    pass


class Deadline(Exception):
    pass


def wait_until(what, cond, timeout_s, every_s=0.02):
    """cond() until it returns a true value (returned), polled every every_s; Failure after
    timeout_s naming `what`."""
    end = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= end:
            raise Failure("timed out after %.1f s waiting for %s" % (timeout_s, what))
        time.sleep(every_s)


class Cluster:
    """The registry and three scheduler replicas on the hosts of `net`, each a process started
    with `ip netns exec` and logging to its own file; stop() ends them by PID (SIGCONT first, in
    case one is stopped; SIGTERM; SIGKILL after 3 s)."""

    def __init__(self, net, bin_dir, sdk_dir, work):
        self.net, self.bin_dir, self.sdk_dir, self.work = net, bin_dir, sdk_dir, work
        self.procs = {}   # name -> Popen
        self.logs = {}    # name -> log path
        self.probes = {}  # host -> Probe
        reg = net.addr["reg"]
        self.registry = "tcp://%s:%d" % (reg, REGISTRY_PORT)
        self.client = {h: "tcp://%s:%d" % (net.addr[h], CLIENT_PORT) for h in REPLICAS}
        self.peers = ",".join("%d@%s:%d" % (i + 1, net.addr[h], RAFT_PORT) for i, h in enumerate(REPLICAS))

    def _spawn(self, name, host, argv):
        path = os.path.join(self.work, name + ".log")
        self.logs[name] = path
        with open(path, "ab") as log:
            # stdbuf: line-buffered logs, so a failure report shows their tails up to the moment.
            argv = (["stdbuf", "-oL", "-eL"] if shutil.which("stdbuf") else []) + argv
            self.procs[name] = subprocess.Popen(self.net.exec_argv(host, argv), stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)

    def _wait_ready(self, name, ready):
        def done():
            if self.procs[name].poll() is not None:
                raise Failure("%s exited with %s before it was ready" % (name, self.procs[name].returncode))
            return os.path.exists(ready) and os.path.getsize(ready) > 0
        wait_until(name + " ready file", done, 10)

    def start(self):
        reg = self.net.addr["reg"]
        ready = os.path.join(self.work, "registry.ready")
        self._spawn("registry", "reg", [os.path.join(self.bin_dir, "orion-registry"),
                                        "--bind", self.registry,
                                        "--bind-events-pub", "tcp://%s:%d" % (reg, EVENTS_PUB_PORT),
                                        "--bind-events-sub", "tcp://%s:%d" % (reg, EVENTS_SUB_PORT),
                                        "--heartbeat-ms", "200", "--data-dir", os.path.join(self.work, "registry"),
                                        "--ready-file", ready])
        self._wait_ready("registry", ready)
        for i, h in enumerate(REPLICAS):
            a = self.net.addr[h]
            self._spawn(h, h, [os.path.join(self.bin_dir, "orion-scheduler"),
                               "--bind-client", self.client[h],
                               "--bind-agent", "tcp://%s:%d" % (a, AGENT_PORT),
                               "--registry", self.registry, "--heartbeat-ms", "200",
                               "--data-dir", os.path.join(self.work, "data-" + h),
                               "--ready-file", os.path.join(self.work, h + ".ready"),
                               "--id", str(i + 1), "--peers", self.peers])
        for h in REPLICAS:
            self._wait_ready(h, os.path.join(self.work, h + ".ready"))
        for host in ("reg",) + REPLICAS:
            self.probes[host] = Probe(self.net, host, self.sdk_dir, os.path.join(self.work, "probe-%s.log" % host))

    def pid(self, name):
        return self.procs[name].pid

    def running(self, name):
        return self.procs[name].poll() is None

    def stop(self):
        for p in self.probes.values():
            p.close()
        self.probes = {}
        live = [p for p in self.procs.values() if p.poll() is None]
        for p in live:
            for sig in (signal.SIGCONT, signal.SIGTERM):
                try:
                    os.kill(p.pid, sig)
                except ProcessLookupError:
                    pass
        for p in live:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)

    def log_tails(self, lines=40):
        out = []
        for name, path in sorted(self.logs.items()):
            try:
                with open(path, "rb") as f:
                    tail = f.read().decode(errors="replace").splitlines()[-lines:]
            except OSError as e:
                tail = ["(unreadable: %s)" % e]
            state = "running" if self.procs[name].poll() is None else "exited %s" % self.procs[name].returncode
            out.append("---- %s (pid %d, %s) ----\n%s" % (name, self.procs[name].pid, state, "\n".join(tail)))
        return "\n".join(out)


# ---- requests ---------------------------------------------------------------------------------

def P():
    from orion_sdk import protocol
    return protocol


def submit_request(rid, name, i):
    p = P()
    spec = p.task_spec("echo", input={"i": i}, name=name, capabilities=["text"])
    return {"type": int(p.MsgType.SUBMIT), "rid": rid, "body": p.submit_body(spec)}


def get_task_request(rid, task_id):
    p = P()
    return {"type": int(p.MsgType.GET_TASK), "rid": rid, "body": p.get_task_body(task_id)}


def describe(reply):
    p = P()
    if reply is None:
        return "no answer"
    if reply["type"] == p.MsgType.ERROR:
        return "ERROR %s %r" % (error_code(reply).name, reply["body"].get("message", ""))
    try:
        return "%s %s" % (p.MsgType(reply["type"]).name, reply["body"])
    except ValueError:
        return "type %d %s" % (reply["type"], reply["body"])


def short(reply):
    """The reply's type, or its error code's name; "none" for no reply."""
    p = P()
    if reply is None:
        return "none"
    code = error_code(reply)
    return code.name if code is not None else p.MsgType(reply["type"]).name


def error_code(reply):
    p = P()
    if reply is None or reply["type"] != p.MsgType.ERROR:
        return None
    code = reply["body"].get("code", 0)
    return p.ErrorCode(code) if code in p.ErrorCode.__members__.values() else p.ErrorCode.UNKNOWN


def replica_info(probe, endpoint, digest=False, timeout_ms=300):
    p = P()
    r = probe.ask_one(endpoint, p.MsgType.GET_REPLICA, "info-%08x" % random.getrandbits(32),
                      {"digest": True} if digest else {}, timeout_ms)
    if r is None or r["type"] != p.MsgType.REPLICA_INFO:
        return None
    return r["body"]


def find_leader(probe, endpoints, timeout_s, min_term=0):
    """(host, info) of the replica among `endpoints` (host -> endpoint) that serves as leader at
    a term above min_term (REPLICA_INFO role "leader"), once one does."""
    def look():
        for h, e in endpoints.items():
            i = replica_info(probe, e)
            if i and i["role"] == "leader" and i["term"] > min_term:
                return h, i
        return None
    return wait_until("a serving leader among %s" % sorted(endpoints), look, timeout_s)


def submit_following(probe, endpoints, request, timeout_s):
    """SUBMIT `request` from probe's host, starting at endpoints[0]: follows NOT_LEADER to the
    leader it names, moves to the next endpoint when one does not answer or none is named, and
    resends the same request id each time. Returns (task_id, redirects followed)."""
    p = P()
    end = time.monotonic() + timeout_s
    at, redirects, seen = endpoints[0], 0, []
    k = 0
    while time.monotonic() < end:
        r = probe.ask(at, [request], 800)
        r = next((x for x in r if x["rid"] == request["rid"]), None)
        seen.append("%s: %s" % (at, describe(r)))
        if r is not None and r["type"] == p.MsgType.SUBMIT_OK:
            return r["body"]["task_id"], redirects
        code = error_code(r)
        if code == p.ErrorCode.NOT_LEADER and r["body"].get("leader"):
            at = r["body"]["leader"]
            redirects += 1
            continue
        if r is not None and code not in (p.ErrorCode.NOT_LEADER, p.ErrorCode.UNAVAILABLE):
            raise Failure("SUBMIT %s refused: %s" % (request["rid"], describe(r)))
        k += 1
        at = endpoints[k % len(endpoints)]
        time.sleep(REDIRECT_PAUSE_S)
    raise Failure("SUBMIT %s never acknowledged within %.1f s:\n  %s" % (request["rid"], timeout_s, "\n  ".join(seen[-8:])))


# ---- the scenario -----------------------------------------------------------------------------

def run_scenario(net, cluster, name, stop_leader):
    """One cut of the serving leader's host (and, when stop_leader, a SIGSTOP of its process)
    across which the majority keeps serving; asserts the module docstring's list."""
    p = P()
    reg = cluster.probes["reg"]
    old, info = find_leader(reg, cluster.client, 10)
    old_term = info["term"]
    print("[%s] leader before the cut: %s (term %d, pid %d)" % (name, old, old_term, cluster.pid(old)), flush=True)

    acked = {}  # task_id -> name: every SUBMIT_OK seen
    for i in range(PRE_TASKS):
        tid, _ = submit_following(reg, [cluster.client[old]], submit_request("%s-pre-%d" % (name, i), "pre-%d" % i, i), 5)
        acked[tid] = "pre-%d" % i

    # The cut. The client on the leader's host keeps one DEALER to it, across the cut and heal.
    near = cluster.probes[old]
    near.open("cut", cluster.client[old])
    if stop_leader:
        os.kill(cluster.pid(old), signal.SIGSTOP)
    t_cut = time.monotonic()
    net.cut(old)
    cut_rids = ["%s-cut-%d" % (name, i) for i in range(2 * CUT_SUBMITS)]
    near.send("cut", [submit_request(rid, "cut-%d" % i, 1000 + i) for i, rid in enumerate(cut_rids[:CUT_SUBMITS])])

    majority = {h: cluster.client[h] for h in REPLICAS if h != old}
    new, new_info = find_leader(reg, majority, 10, min_term=old_term)
    no_leader_ms = (time.monotonic() - t_cut) * 1000
    print("[%s] new leader %s at term %d: the majority had no serving leader for %.0f ms"
          % (name, new, new_info["term"], no_leader_ms), flush=True)

    # Submits on the majority side, starting at the replica that does not lead (NOT_LEADER).
    other = next(h for h in majority if h != new)
    redirects = 0
    fresh = []
    for i in range(MAJORITY_TASKS):
        tid, n = submit_following(reg, [cluster.client[other], cluster.client[new]],
                                  submit_request("%s-maj-%d" % (name, i), "maj-%d" % i, i), 5)
        acked[tid] = "maj-%d" % i
        fresh.append(tid)
        redirects += n
    if redirects == 0:
        raise Failure("no NOT_LEADER redirect was followed: %s never answered NOT_LEADER naming %s" % (other, new))
    near.send("cut", [submit_request(rid, "cut-%d" % (CUT_SUBMITS + i), 2000 + i)
                      for i, rid in enumerate(cut_rids[CUT_SUBMITS:])])

    # Reads of the majority's tasks on the cut-off leader, once its lease has lapsed.
    read_rids = []
    bad_reads = []
    if not stop_leader:
        # The lease has lapsed once the old leader refuses (UNAVAILABLE, or NOT_LEADER after it
        # stepped down and restarted) or reports that it no longer leads.
        def lapsed():
            r = near.ask_one(cluster.client[old], p.MsgType.GET_TASK, "lapse-%08x" % random.getrandbits(32),
                             p.get_task_body(fresh[0]), 300)
            if error_code(r) in (p.ErrorCode.UNAVAILABLE, p.ErrorCode.NOT_LEADER):
                return True
            if r is not None:
                bad_reads.append("lease probe: " + describe(r))
            i = replica_info(near, cluster.client[old])
            return i is not None and i["role"] != "leader"
        wait_until("the cut-off leader's lease to lapse", lapsed, 5)
        end = time.monotonic() + READ_PROBE_MS / 1000.0
        k = 0
        while time.monotonic() < end:
            rid = "%s-read-%d" % (name, k)
            r = near.ask_one(cluster.client[old], p.MsgType.GET_TASK, rid, p.get_task_body(fresh[k % len(fresh)]), 200)
            if r is not None and error_code(r) not in (p.ErrorCode.UNAVAILABLE, p.ErrorCode.NOT_LEADER):
                bad_reads.append("%s while cut off: %s" % (rid, describe(r)))
            k += 1
            time.sleep(READ_PACE_S)
        print("[%s] %d reads asked of the cut-off leader" % (name, k), flush=True)
    else:
        # The stopped leader reads these when it wakes, healed, still believing it leads.
        read_rids = ["%s-read-%d" % (name, i) for i in range(len(fresh))]
        near.send("cut", [get_task_request(rid, tid) for rid, tid in zip(read_rids, fresh)])

    cut_replies = near.collect("cut", 0)
    net.heal(old)
    if stop_leader:
        os.kill(cluster.pid(old), signal.SIGCONT)
    print("[%s] healed after %.0f ms cut" % (name, (time.monotonic() - t_cut) * 1000), flush=True)

    # Convergence: every replica answers with the same task count and digest.
    want_tasks = len(acked)
    last = {}

    def converged():
        # While the old leader catches up, a read of a task it does not hold yet is refused
        # (or, were it elected again, answered with that task): never NOT_FOUND.
        rid = "%s-after-%08x" % (name, random.getrandbits(32))
        r = near.ask_one(cluster.client[old], p.MsgType.GET_TASK, rid, p.get_task_body(fresh[-1]), 200)
        if r is not None and error_code(r) not in (p.ErrorCode.UNAVAILABLE, p.ErrorCode.NOT_LEADER) and not (
                r["type"] == p.MsgType.TASK_INFO and r["body"]["task"]["task_id"] == fresh[-1]):
            bad_reads.append("%s after the heal: %s" % (rid, describe(r)))
        for h in REPLICAS:
            last[h] = replica_info(reg, cluster.client[h], digest=True)
        infos = list(last.values())
        return (all(i is not None for i in infos) and len({i["tasks"] for i in infos}) == 1
                and len({i["digest"] for i in infos}) == 1 and sum(i["role"] == "leader" for i in infos) == 1)
    try:
        wait_until("all replicas to converge", converged, 15, every_s=0.05)
    except Failure as e:
        raise Failure("%s; last REPLICA_INFO: %s" % (e, last))
    cut_replies += near.collect("cut", 300)
    t_converged = (time.monotonic() - t_cut) * 1000

    # What the cut-off side was told.
    by_rid = {}
    for r in cut_replies:
        by_rid.setdefault(r["rid"], []).append(r)
    for rid in cut_rids:
        for r in by_rid.get(rid, []):
            if r["type"] == p.MsgType.SUBMIT_OK or error_code(r) not in (p.ErrorCode.UNAVAILABLE, p.ErrorCode.NOT_LEADER):
                raise Failure("SUBMIT %s to the cut-off leader was answered %s" % (rid, describe(r)))
    for rid in read_rids:
        for r in by_rid.get(rid, []):
            if error_code(r) not in (p.ErrorCode.UNAVAILABLE, p.ErrorCode.NOT_LEADER):
                bad_reads.append("%s sent while stopped and cut off: %s" % (rid, describe(r)))
    if bad_reads:
        raise Failure("the cut-off leader served reads from its old state:\n  " + "\n  ".join(bad_reads))
    if read_rids:
        print("[%s] reads sent to the stopped leader: %s" % (name, sorted({describe(r) for rid in read_rids
                                                                       for r in by_rid.get(rid, [None])})), flush=True)
    told = ["%s=%s" % (rid.rsplit("-", 1)[1], ",".join(short(r) for r in by_rid.get(rid, [None]))) for rid in cut_rids]
    print("[%s] cut-off side's SUBMITs, none acknowledged: %s" % (name, " ".join(told)), flush=True)

    # Every replica holds exactly the acknowledged tasks.
    tasks = {h: last[h]["tasks"] for h in REPLICAS}
    if any(n != want_tasks for n in tasks.values()):
        raise Failure("replicas hold %s tasks, %d were acknowledged (a cut-off SUBMIT created one, or one was lost)"
                      % (tasks, want_tasks))
    leader = next(h for h in REPLICAS if last[h]["role"] == "leader")
    listed = leader_list(reg, cluster.client[leader])
    if set(listed) != set(acked):
        raise Failure("the leader lists %s, acknowledged were %s" % (sorted(listed.items()), sorted(acked.items())))
    for tid, tname in acked.items():
        r = reg.ask_one(cluster.client[leader], p.MsgType.GET_TASK, "check-" + tid[:40], p.get_task_body(tid), 1000)
        if r is None or r["type"] != p.MsgType.TASK_INFO or r["body"]["task"]["task_id"] != tid:
            raise Failure("acknowledged task %s (%s) on the leader %s: %s" % (tid, tname, leader, describe(r)))
    if not cluster.running(old):
        raise Failure("the old leader's process %d is gone (a deposed leader restarts in place)" % cluster.pid(old))
    print("[%s] PASS: %d tasks, digest %s on all 3 replicas %.0f ms after the cut; leader now %s"
          % (name, want_tasks, last[leader]["digest"][:16], t_converged, leader), flush=True)


def leader_list(probe, endpoint):
    p = P()
    r = probe.ask_one(endpoint, p.MsgType.LIST_TASKS, "list-%08x" % random.getrandbits(32), {"limit": 10000}, 2000)
    if r is None or r["type"] != p.MsgType.TASK_LIST:
        raise Failure("LIST_TASKS on the leader: %s" % describe(r))
    return {t["task_id"]: t.get("name", "") for t in r["body"]["tasks"]}


# ---- main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--scenario", choices=("cut", "stop", "all"), default="all")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    a = ap.parse_args()
    sdk_dir = os.path.join(a.source_dir, "sdk", "python")
    sys.path.insert(0, sdk_dir)
    import zmq  # noqa: F401  (python3-zmq: fail here, loudly, rather than in a probe)

    if os.geteuid() != 0:
        print("SKIP: network namespaces need root (euid %d)" % os.geteuid(), flush=True)
        return SKIP
    if shutil.which("ip") is None:
        print("SKIP: ip(8) (iproute2) is not installed", flush=True)
        return SKIP
    for b in ("orion-registry", "orion-scheduler"):
        if not os.access(os.path.join(a.bin_dir, b), os.X_OK):
            raise SystemExit("FAIL: %s not found in %s (build it first)" % (b, a.bin_dir))

    net = Net(["reg", *REPLICAS])
    try:
        net.probe()
    except NetnsUnavailable as e:
        print("SKIP: cannot add a network namespace here: %s" % e, flush=True)
        return SKIP

    scenarios = [("cut", False), ("stop", True)]
    if a.scenario != "all":
        scenarios = [s for s in scenarios if s[0] == a.scenario]
    overall_s = SCENARIO_S * len(scenarios) * a.runs

    # Past the overall deadline, or terminated: fail through the finally below, which cleans up.
    def interrupted(signum, frame):
        raise Deadline("signal %d: the fault test ran past %d s or was terminated" % (signum, overall_s))
    signal.signal(signal.SIGALRM, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    signal.alarm(overall_s)
    work = tempfile.mkdtemp(prefix="orion-fault-")
    cluster = None
    ok = False
    # The finally below cleans up; atexit again, should anything leave main() another way.
    atexit.register(net.destroy)
    atexit.register(lambda: cluster and cluster.stop())
    try:
        net.create()
        print("hosts: %s on %s" % (net.addr, net.hub), flush=True)
        for run in range(a.runs):
            for name, stop in scenarios:
                d = os.path.join(work, "%s-%d" % (name, run))
                os.makedirs(d)
                cluster = Cluster(net, a.bin_dir, sdk_dir, d)
                started = time.monotonic()
                try:
                    cluster.start()
                    run_scenario(net, cluster, name, stop)
                except BaseException:
                    print("FAIL [%s run %d]:\n%s" % (name, run, traceback.format_exc()), flush=True)
                    print(net.describe(), flush=True)
                    cluster.stop()  # first: what they logged last is in their files once they exit
                    print(cluster.log_tails(), flush=True)
                    raise
                finally:
                    cluster.stop()
                # The next scenario starts on whole links again.
                for h in REPLICAS:
                    net.heal(h)
                print("[%s run %d] %.1f s" % (name, run, time.monotonic() - started), flush=True)
        ok = True
    except (Failure, Deadline, RuntimeError):
        return 1
    finally:
        signal.alarm(0)
        if cluster:
            cluster.stop()
        net.destroy()
        if ok and not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept: %s" % work, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
