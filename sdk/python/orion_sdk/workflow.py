"""Workflows for the Python client (docs/workflows.md, protocol.md section 5.7): the bodies of
WORKFLOW_RUN, GET_WORKFLOW, CANCEL_WORKFLOW and RETRY_WORKFLOW and bounded readers of their
replies. Client.coordinate_multi_agent_workflow and friends (client.py) use these.

A step is a dict of TaskSpec fields with `name` (the step's name, unique in the workflow) and
`depends_on` naming other steps; `type` (or `task_type`) is required; priority may be a name.
A step's input may hold "${steps.NAME.output.PATH}" references to its ancestors' outputs; the
scheduler checks them, and the whole workflow, before anything is created.
"""

import enum

from . import protocol as p
from .protocol import ErrorCode, OrionError, TaskState

MAX_WORKFLOW_STEPS = 1000


class WorkflowState(enum.IntEnum):
    """Workflow state (protocol.md section 8.5). Frozen."""

    UNKNOWN = 0
    RUNNING = 1
    COMPLETED = 2
    FAILED = 3
    CANCELLED = 4

    @property
    def terminal(self):
        return self in (WorkflowState.COMPLETED, WorkflowState.FAILED, WorkflowState.CANCELLED)


def workflow_spec(name, steps, require_consensus=False, result_ttl_ms=-1, namespace="default"):
    """The `workflow` of WORKFLOW_RUN. require_consensus: False/None for no gate, True for
    {"type": "majority"}, or the gate's dict ({type, capability, voters, timeout_ms, data}).
    result_ttl_ms: how long the ended workflow (and each step without its own) is kept before it
    expires; -1 = the scheduler's retention. Raises OrionError INVALID_ARGUMENT naming the step
    and field for what can be checked here (the scheduler checks the rest)."""
    if not isinstance(name, str) or not name:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "name: is required: a non-empty string")
    if not isinstance(steps, (list, tuple)) or not steps:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "steps: must be a non-empty list")
    if len(steps) > MAX_WORKFLOW_STEPS:
        raise OrionError(ErrorCode.TOO_LARGE, "steps: more than %d steps" % MAX_WORKFLOW_STEPS)
    out = []
    for i, step in enumerate(steps):
        where = "steps[%d]" % i
        if not isinstance(step, dict):
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "%s: must be a dict" % where)
        fields = dict(step)
        task_type = fields.pop("type", None) or fields.pop("task_type", None)
        if not fields.get("name"):
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "%s.name: is required: the step's name" % where)
        if not task_type:
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "%s.type: is required" % where)
        task_input = fields.pop("input", None)
        if fields.get("retry") is not None:
            fields["retry"] = p.retry_policy(**fields["retry"])
        try:
            spec = p.task_spec(task_type, task_input, **fields)
            p.parse_task_spec(spec)
        except TypeError as e:
            raise OrionError(ErrorCode.INVALID_ARGUMENT, "%s: %s" % (where, e)) from None
        except OrionError as e:
            raise OrionError(e.code, "%s (%s): %s" % (where, fields["name"], e.message)) from None
        out.append(spec)
    body = {"name": name, "steps": out}
    if require_consensus is True:
        body["consensus"] = {"type": "majority"}
    elif isinstance(require_consensus, dict):
        body["consensus"] = require_consensus
    elif require_consensus not in (False, None):
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "require_consensus: must be a bool or a dict")
    if not p._is_int(result_ttl_ms) or not -1 <= result_ttl_ms <= p.MAX_RETENTION_MS:
        raise OrionError(ErrorCode.INVALID_ARGUMENT, "result_ttl_ms: must be an integer in -1..%d" % p.MAX_RETENTION_MS)
    if result_ttl_ms >= 0:
        body["result_ttl_ms"] = int(result_ttl_ms)
    if namespace != "default":  # every step lives in the run's namespace (protocol.md 18)
        body["namespace"] = p.check_namespace(namespace)
        for s in out:
            s["namespace"] = namespace
    return body


def parse_workflow_run_ok(b):
    p._need_map(b)
    return {"workflow_id": p.read_str(b, "workflow_id", required=True),
            "task_ids": p.read_str_map(b, "task_ids", required=True, max_items=MAX_WORKFLOW_STEPS),
            "duplicate": p.read_bool(b, "duplicate")}


def _parse_step(j):
    p._need_map(j)
    return {"name": p.read_str(j, "name", required=True),
            "task_id": p.read_str(j, "task_id", required=True),
            "type": p.read_str(j, "type"),
            "depends_on": p.read_str_list(j, "depends_on", max_items=MAX_WORKFLOW_STEPS),
            "state": TaskState(p.read_int(j, "state", 0, 8, required=True)),
            "progress": p.read_num(j, "progress", 0, 100),
            "attempt": p.read_int(j, "attempt", 0, 1_000_000),
            "agent": p.read_str(j, "agent"),
            "error": p.read_str(j, "error", max_bytes=p.MAX_INPUT_BYTES),
            "created_ms": p.read_int(j, "created_ms", 0, 2**63 - 1),
            "started_ms": p.read_int(j, "started_ms", 0, 2**63 - 1),
            "finished_ms": p.read_int(j, "finished_ms", 0, 2**63 - 1)}


def parse_workflow_info(b):
    """WORKFLOW_INFO's workflow as a dict: state a WorkflowState, each step's a TaskState."""
    if not isinstance(b, dict) or not isinstance(b.get("workflow"), dict):
        raise p._invalid("workflow", "is required")
    j = b["workflow"]
    steps = j.get("steps")
    if not isinstance(steps, list) or len(steps) > MAX_WORKFLOW_STEPS:
        raise p._invalid("steps", "must be a list of at most %d steps" % MAX_WORKFLOW_STEPS)
    return {"workflow_id": p.read_str(j, "workflow_id", required=True),
            "name": p.read_str(j, "name"),
            "state": WorkflowState(p.read_int(j, "state", 0, 4, required=True)),
            "progress": p.read_num(j, "progress", 0, 100),
            "run": p.read_int(j, "run", 1, 1_000_000, default=1),
            "reason": p.read_str(j, "reason", max_bytes=p.MAX_INPUT_BYTES),
            "consensus": j.get("consensus") if isinstance(j.get("consensus"), dict) else None,
            "gate": j.get("gate") if isinstance(j.get("gate"), dict) else None,
            "created_ms": p.read_int(j, "created_ms", 0, 2**63 - 1),
            "started_ms": p.read_int(j, "started_ms", 0, 2**63 - 1),
            "finished_ms": p.read_int(j, "finished_ms", 0, 2**63 - 1),
            "steps": [_parse_step(s) for s in steps]}


def parse_cancel_workflow_ok(b):
    p._need_map(b)
    return {"workflow_id": p.read_str(b, "workflow_id", required=True),
            "state": WorkflowState(p.read_int(b, "state", 0, 4, required=True)),
            "ended": p.read_str_list(b, "ended", max_items=MAX_WORKFLOW_STEPS)}


def parse_retry_workflow_ok(b):
    p._need_map(b)
    return {"workflow_id": p.read_str(b, "workflow_id", required=True),
            "state": WorkflowState(p.read_int(b, "state", 0, 4, required=True)),
            "run": p.read_int(b, "run", 0, 1_000_000),
            "retried": p.read_str_list(b, "retried", max_items=MAX_WORKFLOW_STEPS)}


__all__ = ["WorkflowState", "workflow_spec", "parse_workflow_run_ok", "parse_workflow_info",
           "parse_cancel_workflow_ok", "parse_retry_workflow_ok"]
