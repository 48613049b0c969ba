"""Tests of the Python client's namespace calls (docs/protocol.md section 19): the bodies it sends
for submit, list_tasks, parked, list_schedules, scheduler_stats, set_namespace, list_namespaces and
delete_namespace, its checks before anything is sent, and the readers of the replies. The calls
go to a recording stand-in for Client.call (no sockets); the scheduler's side is tested in
tests/unit/scheduler/namespace_test.cpp and tests/integration/fair_share_test.cpp.

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -p test_namespaces.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import protocol as p  # noqa: E402
from orion_sdk import schedules as sc  # noqa: E402
from orion_sdk import workflow as wf  # noqa: E402
from orion_sdk.client import Client  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType  # noqa: E402
from raises import code_of  # noqa: E402


class Reply:
    def __init__(self, body):
        self.body = body


class Recorder:
    """Stands in for Client.call: records (type, body) and answers from a table by type."""

    def __init__(self, answers):
        self.answers, self.sent = answers, []

    def __call__(self, to_scheduler, msg_type, body, timeout_ms):
        self.sent.append((MsgType(msg_type), body))
        return Reply(self.answers[MsgType(msg_type)])


def client_with(answers):
    c = Client.__new__(Client)  # no sockets: only call() is used
    c.request_timeout_ms = 1000
    c.call = Recorder(answers)
    return c


VIEW = {"namespace": "tenant-a", "weight": 2.0, "on_exhausted": "park", "configured": True,
        "counts": {"PENDING": 3}, "slots": 7}


class NamespaceBodies(unittest.TestCase):
    def test_the_message_types_are_the_cpp_values(self):
        self.assertEqual([int(t) for t in (MsgType.SET_NAMESPACE, MsgType.NAMESPACE_OK, MsgType.LIST_NAMESPACES,
                                           MsgType.NAMESPACE_LIST, MsgType.DELETE_NAMESPACE)],
                         list(range(156, 161)))

    def test_a_task_spec_carries_its_namespace_only_when_not_the_default(self):
        self.assertNotIn("namespace", p.task_spec("t"))
        self.assertNotIn("on_exhausted", p.task_spec("t"))
        self.assertEqual(p.task_spec("t", namespace="tenant-a")["namespace"], "tenant-a")
        self.assertEqual(p.parse_task_spec(p.task_spec("t"))["namespace"], "default")
        self.assertEqual(p.parse_task_spec(p.task_spec("t"))["on_exhausted"], "")

    def test_bad_namespaces_are_refused_before_they_are_sent(self):
        for bad in ("", "x" * 65, "a b", "a/b", "ü"):
            self.assertEqual(code_of(p.parse_task_spec, p.task_spec("t", namespace=bad)), ErrorCode.INVALID_ARGUMENT, bad)
        c = client_with({})
        self.assertEqual(code_of(c.set_namespace, "a b", 2), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(c.set_namespace, "ok", 0), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(c.set_namespace, "ok", 1, "later"), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(c.submit, "t", namespace="a/b"), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(c.call.sent, [])

    def test_a_workflow_and_a_schedule_put_their_steps_and_firings_in_their_namespace(self):
        body = wf.workflow_spec("w", [{"name": "a", "type": "t"}, {"name": "b", "type": "t", "depends_on": ["a"]}],
                                namespace="tenant-b")
        self.assertEqual(body["namespace"], "tenant-b")
        self.assertEqual([s["namespace"] for s in body["steps"]], ["tenant-b", "tenant-b"])
        self.assertEqual(sc.schedule_spec("n", task={"type": "t"}, interval_ms=1000, namespace="tenant-b")["namespace"],
                         "tenant-b")
        self.assertNotIn("namespace", sc.schedule_spec("n", task={"type": "t"}, interval_ms=1000))


class NamespaceCalls(unittest.TestCase):
    def test_submit_and_the_lists_send_the_namespace(self):
        c = client_with({MsgType.SUBMIT: {"task_id": "t1"},
                         MsgType.LIST_TASKS: {"tasks": [], "next": ""},
                         MsgType.SCHEDULE_LIST: {"schedules": [], "next": ""}})
        self.assertEqual(c.submit("t", namespace="tenant-a"), "t1")
        c.list_tasks(namespace="tenant-a")
        c.parked(namespace="tenant-a")
        c.list_schedules(namespace="tenant-a")
        c.list_tasks()
        sent = c.call.sent
        self.assertEqual(sent[0][1]["task"]["namespace"], "tenant-a")
        self.assertEqual([b.get("namespace") for _, b in sent[1:]], ["tenant-a", "tenant-a", "tenant-a", None])

    def test_set_list_and_delete_read_the_views(self):
        c = client_with({MsgType.NAMESPACE_OK: None, MsgType.SET_NAMESPACE: {"namespace": VIEW},
                         MsgType.LIST_NAMESPACES: {"namespaces": [VIEW]},
                         MsgType.DELETE_NAMESPACE: {"namespace": {"namespace": "tenant-a"}},
                         MsgType.SCHEDULER_STATS: {"total": 3, "by_namespace": {"tenant-a": {"PENDING": 3}}}})
        v = c.set_namespace("tenant-a", 2, "park")
        self.assertEqual((v["weight"], v["on_exhausted"], v["slots"]), (2.0, "park", 7))
        self.assertEqual(c.call.sent[0], (MsgType.SET_NAMESPACE, {"namespace": "tenant-a", "weight": 2.0,
                                                                   "on_exhausted": "park"}))
        self.assertEqual([n["namespace"] for n in c.list_namespaces()], ["tenant-a"])
        reset = c.delete_namespace("tenant-a")
        self.assertEqual((reset["weight"], reset["on_exhausted"], reset["configured"]), (1.0, "fail", False))
        stats = c.scheduler_stats("tenant-a")
        self.assertEqual(stats["by_namespace"]["tenant-a"]["PENDING"], 3)
        self.assertEqual(c.call.sent[-1], (MsgType.SCHEDULER_STATS, {"namespace": "tenant-a"}))


if __name__ == "__main__":
    unittest.main()
