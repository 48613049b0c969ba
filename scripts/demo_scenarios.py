#!/usr/bin/env python3
"""The product scenarios of Orion's demo, run against a live stack through orionctl.

scripts/demo.sh starts the stack and calls this; it can also be pointed at any running stack:

    python3 scripts/demo_scenarios.py --bin build/bin --registry tcp://127.0.0.1:7100

Each scenario prints a short report, checks its own outcome, and the script exits 1 if any
check failed (every scenario still runs, so one report shows everything that went wrong).
The stack must have the agents scripts/demo.sh starts (see AGENTS below).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

# The agents scripts/demo.sh starts: id -> (capabilities, vote weight). Every one has the
# capability "council": the council's live agents vote on proposals and gated tasks.
AGENTS = {
    "collector": (["data", "council"], 1),
    "processor": (["data", "compute", "council"], 1),
    "trainer": (["gpu", "ml", "council"], 3),
    "reporter": (["report", "text", "council"], 1),
    "operator": (["ops", "text", "council"], 2),
}
ALL_YES = {a: "yes" for a in AGENTS}


class Demo:
    def __init__(self, bin_dir, registry, replicas=None):
        self.bin = bin_dir
        self.registry = registry
        self.replicas = replicas  # a JSON file: scheduler replica id -> pid, command, log
        self.failures = []

    # ---- plumbing ---------------------------------------------------------------------------
    def ctl(self, *args, check=True):
        """Runs orionctl with --json; returns the parsed output (or the raw text)."""
        cmd = [f"{self.bin}/orionctl", *args, "--json", "--registry", self.registry]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"orionctl {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        try:
            return json.loads(r.stdout) if r.stdout.strip() else None
        except json.JSONDecodeError:
            return r.stdout

    def submit(self, **flags):
        args = ["submit"]
        for k, v in flags.items():
            for item in (v if isinstance(v, list) else [v]):
                args += [f"--{k.replace('_', '-')}", item if isinstance(item, str) else json.dumps(item)]
        return self.ctl(*args)["task_id"]

    def wait(self, task_id, timeout=60):
        self.ctl("wait", task_id, "--timeout", str(timeout), check=False)
        return self.ctl("status", task_id)

    def check(self, ok, what):
        mark = "ok " if ok else "FAIL"
        print(f"    [{mark}] {what}")
        if not ok:
            self.failures.append(what)

    @staticmethod
    def heading(n, title):
        print(f"\n== Scenario {n}: {title}")

    @staticmethod
    def task_line(v):
        shown = v["output"] if v["state"] == "COMPLETED" else v["error"]
        print(f"    {v['task_id']:<6} {v['name']:<18} {v['priority']:<8} agent={v['assigned_agent'] or '-':<10} "
              f"{v['state']:<10} {json.dumps(shown)[:90]}")

    def council_ready(self, timeout=30):
        """Every agent hears proposals once its bus subscription is in place: wait until a
        unanimous proposal that every agent must vote yes on is approved."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = self.ctl("propose", "--type", "warm-up", "--consensus", "unanimous", "--cap", "council",
                         "--data", json.dumps({"votes": ALL_YES}), "--timeout", "2")
            d = self.ctl("decision", p["proposal_id"], "--wait", "3")
            if d["outcome"] == "APPROVED":
                return True
        return False

    # ---- the scenarios ----------------------------------------------------------------------
    def basic(self):
        self.heading(1, "basic orchestration: 3 tasks, different priorities and capabilities")
        want = {  # name -> (type, capability, priority, input, the agents that may run it)
            "ingest-batch": ("echo", "data", "high", {"rows": 1200}, {"collector", "processor"}),
            "train-model": ("echo", "gpu", "urgent", {"epochs": 3}, {"trainer"}),
            "weekly-report": ("sleep", "report", "low", {"ms": 200}, {"reporter"}),
        }
        ids = {name: self.submit(name=name, type=t, cap=cap, priority=p, input=inp, timeout="30")
               for name, (t, cap, p, inp, _) in want.items()}
        for name, tid in ids.items():
            v = self.wait(tid)
            self.task_line(v)
            t, cap, p, inp, capable = want[name]
            self.check(v["state"] == "COMPLETED", f"{name} COMPLETED")
            self.check(v["assigned_agent"] in capable, f"{name} ran on a '{cap}' agent ({v['assigned_agent']})")
            if t == "echo":
                self.check(v["output"] == inp, f"{name} output is its input")

    def gated(self):
        self.heading(2, "consensus-gated tasks: UNANIMOUS approves one, MAJORITY rejects another")
        approved = self.submit(name="deploy-release", type="echo", cap="ops", priority="critical",
                               input={"release": "2.4.0"}, require_consensus="unanimous",
                               consensus_cap="council", consensus_timeout="20",
                               consensus_data={"votes": ALL_YES, "why": "release 2.4.0"})
        no = dict(ALL_YES, collector="no", processor="no", reporter="no")
        rejected = self.submit(name="drop-database", type="echo", cap="ops", priority="critical",
                               input={"db": "prod"}, require_consensus="majority", consensus_cap="council",
                               consensus_timeout="20", consensus_data={"votes": no})
        for tid, want, kind in ((approved, "COMPLETED", "UNANIMOUS"), (rejected, "CANCELLED", "MAJORITY")):
            v = self.wait(tid)
            self.task_line(v)
            gate = v.get("consensus", {})
            if gate.get("proposal_id"):
                d = self.ctl("decision", gate["proposal_id"])
                votes = ", ".join(f"{x['agent_id']}={x['vote']}" for x in d["votes"])
                print(f"           {kind} {gate['proposal_id']}: {d['outcome']} (yes {d['yes_weight']:g} / "
                      f"no {d['no_weight']:g}); votes: {votes}")
            self.check(v["state"] == want, f"{v['name']} under {kind} ended {want}")
        v = self.ctl("status", rejected)
        self.check("REJECTED" in v["error"] and v["assigned_agent"] == "", "the rejected task never ran")

    def dependencies(self):
        self.heading(3, "dependencies: collection -> processing -> training -> reporting")
        steps = [("collect-data", "data", {"source": "s3://bucket/raw", "rows": 1200}),
                 ("process-data", "compute", {"normalize": True}),
                 ("train-model", "ml", {"model": "gbdt"}),
                 ("write-report", "report", {"format": "pdf"})]
        ids, prev = [], None
        for name, cap, inp in steps:
            flags = dict(name=name, type="merge", cap=cap, input=inp, timeout="30")
            if prev:
                flags["depends_on"] = prev
            prev = self.submit(**flags)
            ids.append(prev)
        views = [self.wait(t) for t in ids]
        for v in views:
            self.task_line(v)
        self.check(all(v["state"] == "COMPLETED" for v in views), "all four COMPLETED")
        ordered = all(views[i]["started_ms"] >= views[i - 1]["finished_ms"] for i in range(1, len(views)))
        self.check(ordered, "each started only after the one before it finished")
        flows = all(views[i]["output"]["from"].get(ids[i - 1]) == views[i - 1]["output"] for i in range(1, len(views)))
        self.check(flows, "each step received the output of the step before it")
        # The report holds the whole chain: the collector's input, three hops back.
        out = views[-1]["output"]
        for _ in range(3):
            out = next(iter(out["from"].values()))
        self.check(out["input"] == steps[0][2], "the collected data reached the report")

    def workflow(self):
        self.heading(4, "a six-step ML pipeline workflow with consensus approval, over several agents")
        # examples/workflows/ml_pipeline_gated.yaml, on the demo agents' capabilities.
        steps = [("data-collection", "data", [], {"table": "events", "rows": 120000}),
                 ("preprocessing", "compute", ["data-collection"], {"rows": "${steps.data-collection.output.rows}"}),
                 ("feature-engineering", "ml", ["preprocessing"], {"features": ["recency", "frequency"]}),
                 ("model-training", "gpu", ["feature-engineering"],
                  {"model": "gbm", "features": "${steps.feature-engineering.output.features}"}),
                 ("model-evaluation", "report", ["model-training"],
                  {"model": "${steps.model-training.output.model}", "auc": 0.91}),
                 ("model-deployment", "ops", ["model-evaluation"],
                  {"model": "${steps.model-training.output.model}", "auc": "${steps.model-evaluation.output.auc}"})]
        doc = {"name": "ml-pipeline",
               "consensus": {"type": "unanimous", "capability": "council", "timeout": 20,
                             "data": {"votes": ALL_YES, "why": "train and deploy gbm"}},
               "steps": [{"name": n, "type": "echo", "capabilities": [c], "depends_on": d, "input": i, "timeout": 30}
                         for n, c, d, i in steps]}
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"orion-demo-workflow-{os.getpid()}.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        try:
            run = self.ctl("workflow", "run", path)
        finally:
            os.remove(path)
        wid = run["workflow_id"]
        self.ctl("workflow", "wait", wid, "--timeout", "60", check=False)
        w = self.ctl("workflow", "status", wid)
        gate = w.get("gate") or {}
        print(f"    {wid} {w['name']} {w['state']} {w['progress']:.0f}%  gate: UNANIMOUS "
              f"{gate.get('proposal_id', '-')} {gate.get('outcome') or 'undecided'}")
        for st in w["steps"]:
            print(f"      {st['name']:<20} {st['task_id']:<6} {st['state']:<10} agent={st['agent'] or '-'}")
        self.check(w["state"] == "COMPLETED", "the workflow COMPLETED")
        self.check(gate.get("outcome") == "APPROVED", "it waited for, and got, a UNANIMOUS approval")
        agents = {st["agent"] for st in w["steps"]}
        self.check(len(agents) >= 4, f"its steps ran on {len(agents)} different agents")
        deploy = self.ctl("status", run["tasks"]["model-deployment"])
        self.check(deploy["output"] == {"model": "gbm", "auc": 0.91}, "outputs flowed from step to step")

    def decisions(self):
        self.heading(5, "distributed decisions: MAJORITY, WEIGHTED, UNANIMOUS")
        cases = [  # consensus, votes, expected outcome
            ("majority", dict(ALL_YES, collector="no", processor="no"), "APPROVED"),  # 3 of 5 yes
            ("weighted", dict(ALL_YES, collector="no", processor="no", reporter="no", operator="no"),
             "REJECTED"),  # yes weight 3 (trainer) of 8
            ("unanimous", dict(ALL_YES, reporter="no"), "REJECTED"),
        ]
        for kind, votes, want in cases:
            p = self.ctl("propose", "--type", f"choose-{kind}", "--consensus", kind, "--cap", "council",
                         "--data", json.dumps({"votes": votes}), "--timeout", "20")
            d = self.ctl("decision", p["proposal_id"], "--wait", "20")
            shown = ", ".join(f"{v['agent_id']}={v['vote']}(w{v['weight']:g})" for v in d["votes"])
            print(f"    {p['proposal_id']:<5} {kind.upper():<9} {d['outcome']:<9} yes {d['yes_weight']:g} / "
                  f"no {d['no_weight']:g} of {d['eligible_weight']:g}: {shown}")
            self.check(d["outcome"] == want, f"{kind} decided {want}")

    def statistics(self):
        self.heading(6, "system statistics")
        # One task no agent can serve, so the report has a bottleneck to show.
        stuck = self.submit(name="quantum-sim", type="echo", cap="quantum", input={"qubits": 64})
        report = subprocess.run([f"{self.bin}/orionctl", "stats", "--registry", self.registry],
                                capture_output=True, text=True, timeout=60)
        print("".join("    " + line + "\n" for line in report.stdout.splitlines()), end="")
        st = self.ctl("stats")
        by_state = st["tasks"]["by_state"]
        self.check(st["tasks"]["total"] >= 10 and by_state.get("COMPLETED", 0) >= 8,
                   f"tasks counted by state ({by_state})")
        self.check(st["agents"]["by_state"].get("UP") == len(AGENTS), "every agent UP")
        outcomes = (st.get("proposals") or {}).get("by_outcome", {})
        self.check(outcomes.get("APPROVED", 0) >= 2 and outcomes.get("REJECTED", 0) >= 3,
                   f"proposals counted by outcome ({outcomes})")
        kinds = {(b["kind"], tuple(b.get("capabilities", []))) for b in st["bottlenecks"]}
        self.check(("missing_capability", ("quantum",)) in kinds, "the task nobody can run is named a bottleneck")
        self.ctl("cancel", stuck, "--reason", "demo over")

    def failover(self):
        self.heading(7, "failover: the scheduler leader is killed (SIGKILL) while a workflow runs")
        if not self.replicas:
            self.check(False, "the stack runs 3 scheduler replicas (--replicas FILE not given)")
            return
        with open(self.replicas) as f:
            replicas = json.load(f)  # id -> {"pid": .., "cmd": [...], "log": ..}
        caps = ["data", "compute", "ml", "report"]
        doc = {"name": "nightly-etl",
               "steps": [{"name": f"stage-{i + 1}", "type": "sleep", "capabilities": [c],
                          "depends_on": [f"stage-{i}"] if i else [], "input": {"ms": 1500}, "timeout": 60}
                         for i, c in enumerate(caps)]}
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"orion-demo-failover-{os.getpid()}.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        try:
            run = self.ctl("workflow", "run", path)
        finally:
            os.remove(path)
        wid = run["workflow_id"]
        first = run["tasks"]["stage-1"]
        deadline = time.time() + 20
        while time.time() < deadline and self.ctl("status", first)["state"] not in ("ASSIGNED", "RUNNING"):
            time.sleep(0.05)
        leader = self.scheduler_leader(replicas)
        self.check(leader is not None, "a scheduler replica leads")
        if leader is None:
            return
        os.kill(replicas[str(leader)]["pid"], signal.SIGKILL)
        killed_at = time.monotonic()
        print(f"    killed scheduler replica {leader} (pid {replicas[str(leader)]['pid']}) while {first} ran")
        new, deadline = None, time.time() + 15
        while new is None and time.time() < deadline:
            new = self.scheduler_leader(replicas, exclude=leader)
            if new is None:
                time.sleep(0.02)
        without = (time.monotonic() - killed_at) * 1000
        self.check(new is not None, f"replica {new} leads within {without:.0f} ms of the kill")
        # Back as a follower, with its data (demo.sh stops it with the rest).
        r = replicas[str(leader)]
        with open(r["log"], "a") as log:
            p = subprocess.Popen(r["cmd"], stdout=log, stderr=subprocess.STDOUT)
        with open(self.replicas + ".restarted", "a") as f:
            f.write(f"{p.pid}\n")
        self.ctl("workflow", "wait", wid, "--timeout", "60", check=False)
        w = self.ctl("workflow", "status", wid)
        print(f"    {wid} {w['name']} {w['state']}; the cluster had no leader for {without:.0f} ms")
        # Attempt numbers are no count of runs: a new leader's first assignment of a task skips
        # one (protocol.md 6.4). The history says how often each step was assigned.
        assigned = {}
        for st in w["steps"]:
            v = self.ctl("status", st["task_id"])
            assigned[st["name"]] = sum(1 for h in v.get("history", []) if h.get("state") == "ASSIGNED")
            print(f"      {st['name']:<10} {st['task_id']:<6} {st['state']:<10} agent={st['agent'] or '-':<10} "
                  f"attempt {v['attempt']}, assigned {assigned[st['name']]}x")
        self.check(w["state"] == "COMPLETED", "the workflow COMPLETED across the failover")
        self.check(all(n == 1 for n in assigned.values()), "no step ran twice (each step assigned once across the failover)")
        # The event history is replicated state: the new leader answers for what the killed one
        # published (protocol.md section 16).
        r = subprocess.run([f"{self.bin}/orionctl", "watch", "--since", "scheduler", "--topic", "workflow.", "--json",
                            "--timeout", "2", "--registry", self.registry], capture_output=True, text=True, timeout=60)
        mine = [e for e in (json.loads(line) for line in r.stdout.splitlines() if line.strip())
                if e.get("data", {}).get("workflow_id") == wid]
        epochs = {e["epoch"] for e in mine}
        topics = {e["topic"] for e in mine}
        print(f"    watch --since scheduler: {len(mine)} events of {wid} from {len(epochs)} leader epochs")
        self.check({"workflow.started", "workflow.completed"} <= topics and len(epochs) >= 2,
                   "the event history holds the workflow's events from before and after the kill")

    def scheduler_leader(self, replicas, exclude=None):
        """The id of the scheduler replica that leads, asking each one (GET_REPLICA)."""
        for rid, r in replicas.items():
            if int(rid) == exclude:
                continue
            info = self.ctl("replica", "info", "--endpoint", r["client"], "--call-timeout", "0.3", check=False)
            if isinstance(info, dict) and info.get("role") == "leader":
                return int(rid)
        return None

    def run(self):
        print("== Agents")
        table = subprocess.run([f"{self.bin}/orionctl", "agents", "--registry", self.registry],
                               capture_output=True, text=True, timeout=60)
        print("".join("    " + line + "\n" for line in table.stdout.splitlines()), end="")
        if not self.council_ready():
            self.failures.append("the agents never all voted on a warm-up proposal")
        for scenario in (self.basic, self.gated, self.dependencies, self.workflow, self.decisions, self.statistics,
                         self.failover):
            try:
                scenario()
            except Exception as e:  # a report of what broke, then the next scenario
                self.check(False, f"{scenario.__name__}: {e}")
        print()
        if self.failures:
            print(f"demo: {len(self.failures)} check(s) FAILED:", file=sys.stderr)
            for f in self.failures:
                print(f"  - {f}", file=sys.stderr)
            return 1
        print("demo: all checks passed")
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--registry", default="tcp://127.0.0.1:7100")
    ap.add_argument("--replicas", help="JSON file naming each scheduler replica's pid and command (scenario 7)")
    args = ap.parse_args()
    return Demo(args.bin, args.registry, args.replicas).run()


if __name__ == "__main__":
    sys.exit(main())
