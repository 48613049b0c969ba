"""Limits: concurrency and rate limits per key, global across every agent (docs/protocol.md
section 18). The bodies of SET_LIMIT .. LIMIT_LIST; Client's set_limit, delete_limit and
list_limits use them, and submit(limit_keys=[...]) puts keys on a task.

    body = set_limit_body("customer-*", max_running=5)          # at most 5 running per customer
    rule = read_body(MsgType.LIMIT_OK, reply)["limit"]          # dict: pattern, running, waiting, ...
"""

from . import protocol as p
from .messages import read_body
from .protocol import ErrorCode, MsgType, OrionError


def set_limit_body(pattern, max_running=0, rate=0, period_ms=0):
    """A SET_LIMIT body, checked as the scheduler checks it."""
    def bad(what):
        return OrionError(ErrorCode.INVALID_ARGUMENT, what)
    if not p.valid_limit_pattern(pattern):
        raise bad("field 'pattern': %r is not a limit key (1..%d letters, digits, '_', '-', '.', ':'), "
                  "optionally followed by '*'" % (pattern, p.MAX_LIMIT_KEY_BYTES))
    if rate > 0 and period_ms < 1:
        raise bad("field 'period_ms': give it (1 ms to a day) with a rate")
    if rate == 0 and period_ms != 0:
        raise bad("field 'period_ms': only with a rate")
    if max_running == 0 and rate == 0:
        raise bad("limit %r limits nothing: give max_running or rate" % pattern)
    body = {"pattern": pattern, "max_running": int(max_running), "rate": int(rate), "period_ms": int(period_ms)}
    read_body(MsgType.SET_LIMIT, body)  # the wire's bounds, before it leaves
    return body


def parse_limit_ok(b):
    return read_body(MsgType.LIMIT_OK, b)["limit"]


def parse_delete_limit_ok(b):
    return read_body(MsgType.DELETE_LIMIT_OK, b)


def parse_limit_list(b):
    return read_body(MsgType.LIMIT_LIST, b)


__all__ = ["set_limit_body", "parse_limit_ok", "parse_delete_limit_ok", "parse_limit_list"]
