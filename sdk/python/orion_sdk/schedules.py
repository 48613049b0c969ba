"""Schedules: tasks and workflows fired on a cron expression or every interval (docs/protocol.md
section 17). The bodies of SCHEDULE_CREATE .. SCHEDULE_TRIGGER_OK; Client's create_schedule,
list_schedules, pause_schedule, resume_schedule, delete_schedule and trigger_schedule use them.

    spec = schedule_spec("nightly", task={"type": "report"}, cron="0 2 * * *", time_zone="Europe/Paris")
    view = read_body(MsgType.SCHEDULE_INFO, reply)["schedule"]   # dict: schedule_id, state, next_fire_ms, ...
"""

from . import protocol as p
from .messages import read_body, read_record
from .protocol import ErrorCode, MsgType, OrionError

OVERLAP = ("skip", "queue_one", "allow")
CATCHUP = ("none", "last", "all")
MIN_INTERVAL_MS = 1000


def schedule_spec(name, task=None, cron="", interval_ms=0, time_zone="UTC", start_ms=0, workflow=None,
                  overlap="skip", catchup="none", catchup_window_ms=3_600_000, schedule_id="", paused=False,
                  namespace="default"):
    """A ScheduleSpec body, checked as the scheduler checks it (except the cron expression and the
    zone, which the scheduler reads: INVALID_ARGUMENT from it). `task` is a dict of TaskSpec
    fields ({"type": "report", "input": {...}}, as protocol.task_spec builds), `workflow` a
    workflow spec dict ({"name", "steps"}); exactly one of them, and exactly one of `cron` and
    `interval_ms`."""
    def bad(what):
        return OrionError(ErrorCode.INVALID_ARGUMENT, what)
    if bool(cron) == bool(interval_ms):
        raise bad("cron, interval_ms: give exactly one of them")
    if interval_ms and interval_ms < MIN_INTERVAL_MS:
        raise bad("interval_ms: %d is below the shortest interval, %d ms" % (interval_ms, MIN_INTERVAL_MS))
    if (task is None) == (workflow is None):
        raise bad("task, workflow: give exactly one of them")
    if overlap not in OVERLAP:
        raise bad("overlap: must be one of %s" % ", ".join(OVERLAP))
    if catchup not in CATCHUP:
        raise bad("catchup: must be one of %s" % ", ".join(CATCHUP))
    j = {"name": name, "cron": cron, "time_zone": time_zone, "interval_ms": int(interval_ms), "start_ms": int(start_ms),
         "overlap": overlap, "catchup": catchup, "catchup_window_ms": int(catchup_window_ms), "paused": bool(paused)}
    if schedule_id:
        j["schedule_id"] = schedule_id
    if namespace != "default":  # what it fires lives in it (protocol.md 18)
        j["namespace"] = p.check_namespace(namespace)
    if task is not None:
        if task.get("idempotency_key"):
            raise bad("task.idempotency_key: not allowed, the schedule sets it for each firing")
        j["task"] = dict(task)
    else:
        j["workflow"] = dict(workflow)
    read_record("ScheduleSpec", j)  # the wire's bounds, before it leaves
    return j


def parse_schedule_info(b):
    return read_body(MsgType.SCHEDULE_INFO, b)["schedule"]


def parse_schedule_list_ok(b):
    return read_body(MsgType.SCHEDULE_LIST_OK, b)


def parse_schedule_delete_ok(b):
    return read_body(MsgType.SCHEDULE_DELETE_OK, b)


def parse_schedule_trigger_ok(b):
    return read_body(MsgType.SCHEDULE_TRIGGER_OK, b)


__all__ = ["schedule_spec", "parse_schedule_info", "parse_schedule_list_ok", "parse_schedule_delete_ok",
           "parse_schedule_trigger_ok", "p"]
