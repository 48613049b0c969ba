"""The Orion client for Python: submit tasks, read their status, wait for them. The twin of
sdk/cpp/client.h, configured with the registry's address alone (it learns the scheduler's).

    from orion_sdk import Client, TaskState

    with Client("tcp://127.0.0.1:7100") as client:
        task_id = client.submit("echo", {"hello": "world"}, capabilities=["text"], priority="high")
        view = client.wait(task_id, timeout_ms=10_000)
        if view.state == TaskState.COMPLETED:
            print(view.output)

        pid = client.make_distributed_decision("deploy", {"v": 2}, "majority", 30_000, capability="deploy")
        decided = client.wait_decision(pid, timeout_ms=30_000)   # decided["outcome"] == Outcome.APPROVED

Every call is a request with a fresh request id that follows the leader by itself (leader.py,
docs/protocol.md 6.1): NOT_LEADER naming the leader is resent there at once; NOT_LEADER without
one, UNAVAILABLE or no reply within request_timeout_ms pauses briefly, asks the registries again
and resends. Every try carries the same request id, so a retried submit never makes two tasks.
After call_timeout_ms the call raises OrionError UNAVAILABLE naming the endpoints it tried, its
tries and the last error. `registry` may be a comma-separated list (or a list) of registries: a
silent one is skipped for the next. An ERROR reply or a reply that does not decode raises
OrionError (its .code says what to do next). A Client is not thread-safe: use one per thread.
"""

import secrets
import time

import zmq

from . import consensus_messages as cm
from . import messages as msgs
from . import limits as lm
from . import protocol as p
from . import schedules as sc
from . import workflow as wf
from .decisions import ConsensusClient, resolve_voters
from .leader import LeaderFollower, Registries
from .protocol import ErrorCode, MsgType, OrionError, TaskState


def _monotonic_ms():
    return int(time.monotonic() * 1000)


class TaskView:
    """A task as the scheduler reports it (TASK_INFO). Attributes: every key of the TaskView
    record in docs/protocol.md section 5.1 (task_id, state, type, name, input, output, error,
    reason, attempt, assigned_agent, progress, failures, history, ...); state is a TaskState and
    priority a Priority. to_dict() gives them as plain values, with enum names for state and
    priority, ready for json.dumps (bytes values are left as they are)."""

    def __init__(self, fields):
        self.__dict__.update(fields)

    @property
    def terminal(self):
        return self.state.terminal

    def to_dict(self):
        out = {}
        for k, v in self.__dict__.items():
            if k in ("state", "priority", "effective_priority"):
                v = v.name
            elif k == "history":
                v = [dict(h, state=h["state"].name) for h in v]
            out[k] = v
        return out

    def __repr__(self):
        return "TaskView(%s %s attempt=%d)" % (self.task_id, self.state.name, self.attempt)


class Client:
    """registry: the registries' endpoints (one, a comma-separated list, or a list).
    request_timeout_ms: one try at one endpoint. call_timeout_ms: one call, every try, redirect
    and pause included (plus a long poll's wait). consensus_replicas: client endpoints of the
    consensus replicas, tried in turn instead of asking the registry (a follower redirects)."""

    def __init__(self, registry="tcp://127.0.0.1:7100", request_timeout_ms=3000, call_timeout_ms=10_000,
                 consensus_replicas=()):
        self.request_timeout_ms = int(request_timeout_ms)
        self.call_timeout_ms = int(call_timeout_ms)
        self._consensus_replicas = list(consensus_replicas)
        self._ctx = zmq.Context()
        self._registries = Registries(self._ctx, registry, try_timeout_ms=self.request_timeout_ms,
                                      call_timeout_ms=self.call_timeout_ms)
        self._scheduler = LeaderFollower(self._ctx, "scheduler", self._locate_scheduler,
                                         try_timeout_ms=self.request_timeout_ms, call_timeout_ms=self.call_timeout_ms)
        self._consensus = None  # a ConsensusClient, made on first use

    def close(self):
        self._registries.close()
        self._scheduler.close()
        if self._consensus is not None:
            self._consensus.close()
        self._ctx.term()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- the one request/reply ----

    def call(self, to_scheduler, msg_type, body, timeout_ms):
        """One request that follows the leader: the reply Envelope. `to_scheduler` selects the
        scheduler's client socket, otherwise the registries. timeout_ms is one try (more than
        request_timeout_ms for a request the server holds: the difference is added to the call's
        bound too). An ERROR reply raises its OrionError."""
        request = p.Envelope(msg_type, secrets.token_hex(8), p.encode_value(body))
        hold_ms = max(0, int(timeout_ms) - self.request_timeout_ms)
        follower = self._scheduler if to_scheduler else self._registries.follower
        return follower.call(request, hold_ms=hold_ms)

    def _locate_scheduler(self, budget_ms):
        return self._registries.discover(min(budget_ms, self.call_timeout_ms))["scheduler_client"]

    # ---- the API ----

    def discover(self):
        """Where the services are: {scheduler_client, scheduler_agent, events_pub, events_sub,
        consensus}; "" = not known yet."""
        return self._registries.discover()

    def agents(self):
        """Every agent the registry knows, as dicts (AgentView: agent_id, state "UP"/"DOWN",
        capabilities, capacity, load, ...)."""
        r = self.call(False, MsgType.LIST_AGENTS, {}, self.request_timeout_ms)
        return p.parse_agent_list(r.body)

    def submit(self, task_type, input=None, **options):
        """Submits one task; returns its id once the scheduler has stored it durably.

        options: name, capabilities, priority (1..5 or "low".."urgent"), timeout_ms, metadata,
        retries, retry (dict: kind "fixed"/"exponential", initial_ms, max_ms, multiplier, jitter),
        depends_on, preferred_agents, excluded_agents, idempotency_key, unschedulable_timeout_ms,
        consensus (run only once the agents approve: "unanimous", or a dict {type, capability,
        voters, timeout_ms, data}; the view's `gate` then shows the proposal and its outcome),
        result_ttl_ms (keep the ended task this long, then it expires and its id answers
        NOT_FOUND "has expired"; -1, the default, = the scheduler's retention), delay_ms (not
        dispatched before this long after the scheduler accepted it; at most 366 days) or
        not_before_ms (not before this wall-clock time, epoch ms; a datetime is taken too),
        on_exhausted ("fail" or "park": PARKED once the retries are spent; absent = the
        namespace's default), limit_keys (up to 8 keys; the task starts only while every key's
        limit allows: see set_limit) and namespace (default "default": listing, statistics and
        fair share go by it).
        A bad field raises OrionError INVALID_ARGUMENT naming it, before anything is sent."""
        if "retry" in options and options["retry"] is not None:
            options["retry"] = p.retry_policy(**options["retry"])
        at = options.get("not_before_ms")
        if hasattr(at, "timestamp"):  # a datetime (naive ones are local time, as Python reads them)
            options["not_before_ms"] = int(round(at.timestamp() * 1000))
        spec = p.task_spec(task_type, input, **options)
        p.parse_task_spec(spec)  # refuse here what the scheduler would refuse
        r = self.call(True, MsgType.SUBMIT, p.submit_body(spec), self.request_timeout_ms)
        return p.parse_submit_ok(r.body)["task_id"]

    def status(self, task_id):
        """The task as it is now: a TaskView. NOT_FOUND for an unknown id."""
        r = self.call(True, MsgType.GET_TASK, p.get_task_body(task_id), self.request_timeout_ms)
        return TaskView(p.parse_task_info(r.body))

    def wait(self, task_id, timeout_ms=30_000):
        """Returns when the task is terminal or timeout_ms has passed (then with its current,
        non-terminal state: check view.terminal)."""
        deadline = _monotonic_ms() + timeout_ms
        while True:
            # Long-poll in slices so a lost scheduler is noticed within one slice.
            slice_ms = max(0, min(deadline - _monotonic_ms(), 10_000))
            r = self.call(True, MsgType.WAIT_TASK, p.wait_task_body(task_id, slice_ms),
                          slice_ms + self.request_timeout_ms)
            view = TaskView(p.parse_task_info(r.body))
            if view.terminal or _monotonic_ms() >= deadline:
                return view

    def agent_stats(self):
        """Every agent's performance as the scheduler saw it (AGENT_STATS): dicts with agent_id,
        attached, draining, load, capacity, done, failed, timed_out, success_rate, mean_ms,
        p95_ms, score."""
        r = self.call(True, MsgType.AGENT_STATS, {}, self.request_timeout_ms)
        return p.parse_agent_stats_ok(r.body)

    def cancel(self, task_id, reason=""):
        """Cancels the task and, transitively, its dependants: {task_id, state (TaskState after
        the cancel), also_ended}. A task already terminal is unchanged."""
        r = self.call(True, MsgType.CANCEL, p.cancel_body(task_id, reason), self.request_timeout_ms)
        return p.parse_cancel_ok(r.body)

    # ---- dead letters: PARKED tasks (protocol.md 8.2) ----

    def list_tasks(self, states=(), types=(), namespace="", limit=100, after=""):
        """One page of tasks in id order, filtered (states: TaskState values; types; namespace,
        "" = every one), as TaskViews, and the `after` of the next page ("" at the end)."""
        body = {"states": [int(s) for s in states], "types": list(types), "limit": int(limit), "after": after}
        if namespace:
            body["namespace"] = p.check_namespace(namespace)
        r = self.call(True, MsgType.LIST_TASKS, body, self.request_timeout_ms)
        tasks = r.body.get("tasks") if isinstance(r.body, dict) else None
        if not isinstance(tasks, list):
            raise OrionError(ErrorCode.MALFORMED, "TASK_LIST without its tasks")
        return [TaskView(p.parse_task_view(v)) for v in tasks], p.read_str(r.body, "next")

    def parked(self, task_type="", limit=100, after="", namespace=""):
        """One page of PARKED tasks (their retries spent, their spec on_exhausted "park"), as
        TaskViews in id order, and the `after` of the next page ("" at the end)."""
        body = {"states": [int(TaskState.PARKED)], "limit": int(limit), "after": after}
        if namespace:
            body["namespace"] = p.check_namespace(namespace)
        if task_type:
            body["types"] = [task_type]
        r = self.call(True, MsgType.LIST_TASKS, body, self.request_timeout_ms)
        tasks = r.body.get("tasks") if isinstance(r.body, dict) else None
        if not isinstance(tasks, list):
            raise OrionError(ErrorCode.MALFORMED, "TASK_LIST without its tasks")
        return [TaskView(p.parse_task_view(v)) for v in tasks], p.read_str(r.body, "next")

    def retry_parked(self, task_ids=(), task_type=""):
        """Queues PARKED tasks again with a fresh retry budget: by ids (each must be PARKED, else
        OrionError FAILED_PRECONDITION and nothing changes) or every parked task of a type.
        Returns {count, task_ids, more}."""
        body = {"task_ids": list(task_ids), "type": task_type}
        r = self.call(True, MsgType.RETRY_PARKED, body, self.request_timeout_ms)
        return msgs.read_body(MsgType.RETRY_PARKED_OK, r.body)

    def discard_parked(self, task_ids=(), task_type="", reason=""):
        """Ends PARKED tasks CANCELLED (their dependants FAILED), as retry_parked selects them.
        Returns {count, task_ids, more, also_ended}."""
        body = {"task_ids": list(task_ids), "type": task_type, "reason": reason}
        r = self.call(True, MsgType.DISCARD_PARKED, body, self.request_timeout_ms)
        return msgs.read_body(MsgType.DISCARD_PARKED_OK, r.body)

    # ---- workflows (docs/workflows.md; bodies in workflow.py) ----

    def coordinate_multi_agent_workflow(self, workflow_name, workflow_tasks, require_consensus=False,
                                        result_ttl_ms=-1, namespace="default"):
        """Runs a workflow: a named DAG of steps, each a dict of task fields with `name`, `type`
        and `depends_on` (step names); inputs may refer to ancestors' outputs with
        "${steps.NAME.output.PATH}". Every step's task is created in one request, all or
        nothing. require_consensus: False for no gate, True for a MAJORITY gate, or the gate's
        dict ({type, capability, voters, timeout_ms, data}): no step runs until the agents approve.
        result_ttl_ms: keep the ended workflow (and its steps) this long; -1 = the scheduler's.
        Returns {workflow_id, task_ids (step -> task id), duplicate}."""
        body = {"workflow": wf.workflow_spec(workflow_name, workflow_tasks, require_consensus, result_ttl_ms, namespace)}
        r = self.call(True, MsgType.WORKFLOW_RUN, body, max(self.request_timeout_ms, 30_000))
        return wf.parse_workflow_run_ok(r.body)

    def workflow_status(self, workflow_id):
        """The workflow as a dict: state (WorkflowState), progress, run, reason, timing, and
        steps, each with its task_id, state (TaskState), progress, attempt, agent and timing."""
        r = self.call(True, MsgType.GET_WORKFLOW, {"workflow_id": workflow_id}, self.request_timeout_ms)
        return wf.parse_workflow_info(r.body)

    def cancel_workflow(self, workflow_id, reason=""):
        """Cancels every unfinished step: {workflow_id, state, ended (steps)}."""
        r = self.call(True, MsgType.CANCEL_WORKFLOW, {"workflow_id": workflow_id, "reason": reason},
                      self.request_timeout_ms)
        return wf.parse_cancel_workflow_ok(r.body)

    def retry_workflow(self, workflow_id):
        """Re-runs, in place, the steps of a FAILED or CANCELLED workflow that did not complete:
        {workflow_id, state, run, retried (steps)}."""
        r = self.call(True, MsgType.RETRY_WORKFLOW, {"workflow_id": workflow_id}, self.request_timeout_ms)
        return wf.parse_retry_workflow_ok(r.body)

    def wait_workflow(self, workflow_id, timeout_ms=60_000):
        """Returns the workflow once it has ended, or when timeout_ms has passed (then still
        RUNNING: check ["state"].terminal). Long-polls its unfinished steps' tasks."""
        deadline = _monotonic_ms() + timeout_ms
        while True:
            view = self.workflow_status(workflow_id)
            if view["state"].terminal or _monotonic_ms() >= deadline:
                return view
            for step in view["steps"]:
                if not step["state"].terminal:
                    self.wait(step["task_id"], max(0, deadline - _monotonic_ms()))
                    break
    # ---- schedules (docs/protocol.md section 17; bodies in schedules.py) ----

    def create_schedule(self, name, task=None, cron="", interval_ms=0, **options):
        """Creates a schedule that fires `task` (a dict of TaskSpec fields, {"type": ...}) or
        `workflow=` (a workflow spec dict) on a cron expression (`cron`, five fields or six with
        seconds, read in `time_zone`, default "UTC") or every `interval_ms` (from `start_ms`).
        options: time_zone, start_ms, workflow, overlap ("skip", "queue_one", "allow"), catchup
        ("none", "last", "all"), catchup_window_ms, schedule_id, paused. Returns the schedule as
        a dict (schedule_id, spec, state, next_fire_ms, last_tick_ms, last_fired_id, fired,
        skipped, ...). A bad cron expression or zone raises OrionError INVALID_ARGUMENT."""
        body = {"schedule": sc.schedule_spec(name, task=task, cron=cron, interval_ms=interval_ms, **options)}
        r = self.call(True, MsgType.SCHEDULE_CREATE, body, self.request_timeout_ms)
        return sc.parse_schedule_info(r.body)

    def list_schedules(self, namespace=""):
        """Every schedule, in id order, as dicts (every page); namespace: those of it only."""
        out, after = [], ""
        while True:
            body = {"limit": 1000, "after": after}
            if namespace:
                body["namespace"] = p.check_namespace(namespace)
            r = self.call(True, MsgType.SCHEDULE_LIST, body, self.request_timeout_ms)
            page = sc.parse_schedule_list_ok(r.body)
            out.extend(page["schedules"])
            if not page["next"]:
                return out
            after = page["next"]

    def pause_schedule(self, schedule_id):
        """Stops its ticks; the schedule as a dict. NOT_FOUND for an unknown id."""
        r = self.call(True, MsgType.SCHEDULE_PAUSE, {"schedule_id": schedule_id}, self.request_timeout_ms)
        return sc.parse_schedule_info(r.body)

    def resume_schedule(self, schedule_id):
        """Fires again from its next tick after now; the schedule as a dict."""
        r = self.call(True, MsgType.SCHEDULE_RESUME, {"schedule_id": schedule_id}, self.request_timeout_ms)
        return sc.parse_schedule_info(r.body)

    def delete_schedule(self, schedule_id):
        """Removes it (what it fired stays): {schedule_id}."""
        r = self.call(True, MsgType.SCHEDULE_DELETE, {"schedule_id": schedule_id}, self.request_timeout_ms)
        return sc.parse_schedule_delete_ok(r.body)

    def trigger_schedule(self, schedule_id):
        """Fires it now, outside its ticks: {schedule_id, fired_id, idempotency_key}."""
        r = self.call(True, MsgType.SCHEDULE_TRIGGER, {"schedule_id": schedule_id}, self.request_timeout_ms)
        return sc.parse_schedule_trigger_ok(r.body)

    # ---- limits (docs/protocol.md section 18; bodies in limits.py) ----

    def set_limit(self, pattern, max_running=0, rate=0, period_ms=0):
        """Sets (adds or replaces) the rule of `pattern`: a key ("customer-42") or a prefix ending
        in '*' ("customer-*": a limit for each key it matches). max_running: at most this many
        tasks with the key ASSIGNED or RUNNING; rate per period_ms: at most this many starts (a
        token bucket, bursts of up to `rate`). Returns the rule with its counts (pattern,
        max_running, rate, period_ms, running, keys_held, waiting). INVALID_ARGUMENT, raised before
        anything is sent, for a bad pattern or a rule that limits nothing."""
        body = lm.set_limit_body(pattern, max_running=max_running, rate=rate, period_ms=period_ms)
        r = self.call(True, MsgType.SET_LIMIT, body, self.request_timeout_ms)
        return lm.parse_limit_ok(r.body)

    def delete_limit(self, pattern):
        """Deletes the rule of `pattern`: {pattern}. NOT_FOUND when no rule has it."""
        r = self.call(True, MsgType.DELETE_LIMIT, {"pattern": pattern}, self.request_timeout_ms)
        return lm.parse_delete_limit_ok(r.body)

    def list_limits(self):
        """Every rule, by pattern, with its counts, as dicts (every page)."""
        out, after = [], ""
        while True:
            r = self.call(True, MsgType.LIST_LIMITS, {"limit": 1000, "after": after}, self.request_timeout_ms)
            page = lm.parse_limit_list(r.body)
            out.extend(page["limits"])
            if not page["next"]:
                return out
            after = page["next"]
    # ---- namespaces (docs/protocol.md section 19) ----

    def scheduler_stats(self, namespace=""):
        """SCHEDULER_STATS as a dict: total, by_state, by_priority, types, waiting, by_namespace
        (namespace -> counts by state); with `namespace`, that namespace's counts only."""
        body = {"namespace": p.check_namespace(namespace)} if namespace else {}
        r = self.call(True, MsgType.SCHEDULER_STATS, body, self.request_timeout_ms)
        return msgs.read_body(MsgType.SCHEDULER_STATS_OK, r.body)

    def set_namespace(self, namespace, weight=1.0, on_exhausted="fail"):
        """Sets a namespace's fair share weight (0.001..1000: under contention its share of agent
        slots is its weight over the sum of the busy namespaces' weights) and what its tasks that
        leave on_exhausted out do once their retries are spent ("fail" or "park"). Returns the
        namespace as a dict (namespace, weight, on_exhausted, configured, counts, slots)."""
        if on_exhausted not in ("fail", "park"):
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "field 'on_exhausted': must be \"fail\" or \"park\"")
        body = {"namespace": p.check_namespace(namespace), "weight": float(weight), "on_exhausted": on_exhausted}
        msgs.read_body(MsgType.SET_NAMESPACE, body)  # the wire's bounds, before it leaves
        r = self.call(True, MsgType.SET_NAMESPACE, body, self.request_timeout_ms)
        return msgs.read_body(MsgType.NAMESPACE_OK, r.body)["namespace"]

    def list_namespaces(self):
        """Every namespace configured or holding tasks, by name, as dicts."""
        r = self.call(True, MsgType.LIST_NAMESPACES, {}, self.request_timeout_ms)
        return msgs.read_body(MsgType.NAMESPACE_LIST, r.body)["namespaces"]

    def delete_namespace(self, namespace):
        """Back to weight 1 and "fail" (its tasks stay); the namespace as a dict."""
        body = {"namespace": p.check_namespace(namespace)}
        r = self.call(True, MsgType.DELETE_NAMESPACE, body, self.request_timeout_ms)
        return msgs.read_body(MsgType.NAMESPACE_OK, r.body)["namespace"]

    # ---- distributed decisions (decisions.py) ----

    def _consensus_client(self):
        if self._consensus is None:
            self._consensus = ConsensusClient(self._ctx, self._registries.discover, replicas=self._consensus_replicas,
                                              request_timeout_ms=self.request_timeout_ms,
                                              call_timeout_ms=self.call_timeout_ms)
        return self._consensus

    def make_distributed_decision(self, decision_type, data=None, consensus_type="majority", timeout_ms=60_000,
                                  capability="", voters=(), proposer="python-sdk", result_ttl_ms=0):
        """Asks the agents to decide; returns the proposal id once the proposal is durable.

        consensus_type: "majority", "unanimous", "weighted", "pbft" (or a ConsensusType). Voters:
        the agent ids in `voters`, else every live agent with `capability` (which is also the
        event topic their vote handlers hear), with the weights and public keys the registry
        lists. The leader is found through the registry, NOT_LEADER followed, a retry carries the
        same request id (so a retried call makes one proposal). Raises OrionError: INVALID_ARGUMENT
        naming the field for a bad request (checked before anything is sent, as the leader checks
        it), NOT_FOUND / FAILED_PRECONDITION when the voters cannot be resolved. result_ttl_ms: how
        long the decided proposal is kept (0: the service's --retention); afterwards its id answers
        NOT_FOUND "expired"."""
        kind = cm.consensus_type_of(consensus_type)
        if kind == cm.ConsensusType.RAFT:
            raise OrionError(ErrorCode.INVALID_ARGUMENT,
                             "field 'consensus_type': agents vote on MAJORITY, UNANIMOUS, WEIGHTED or PBFT only")
        chosen = resolve_voters(self.agents(), capability, voters)
        body = cm.propose_body(decision_type, {} if data is None else data, kind, chosen, capability=capability,
                               proposer=proposer, timeout_ms=timeout_ms, result_ttl_ms=result_ttl_ms)
        cm.parse_propose(body)  # refuse here what the leader would refuse
        return self._consensus_client().propose(body)["proposal_id"]

    def get_decision_status(self, proposal_id):
        """The decision now, a ProposalView dict: outcome (an Outcome), tally (yes, no, eligible,
        yes_weight, no_weight, eligible_weight, quorum), votes [{agent_id, vote, weight, at_ms,
        signature}], voters, faulty, consensus_type, created/deadline/decided_ms, data.
        consensus_messages.decision_dict() gives the shape orionctl decision --json prints."""
        return self._consensus_client().status(proposal_id)

    def wait_decision(self, proposal_id, timeout_ms=30_000):
        """As get_decision_status, once the proposal is decided or at timeout_ms (then PENDING)."""
        return self._consensus_client().wait(proposal_id, timeout_ms)


__all__ = ["Client", "TaskView", "TaskState"]
