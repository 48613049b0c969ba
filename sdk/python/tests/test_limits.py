"""Tests of orion_sdk.limits and the limit keys of a task: the SET_LIMIT body the Python client
builds, checked as the scheduler checks it, the readers of the replies, the message types
150..155, and the client's calls against a scheduler stand-in (Client.call replaced).

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -p test_limits.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import limits as lm  # noqa: E402
from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.client import Client  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError  # noqa: E402
from raises import code_of  # noqa: E402


class Reply:
    def __init__(self, body):
        self.body = body


class FakeScheduler:
    """Answers Client.call as a scheduler holding rules would (no sockets)."""

    def __init__(self):
        self.rules = {}
        self.calls = []

    def call(self, to_scheduler, msg_type, body, timeout_ms):
        self.calls.append((msg_type, dict(body)))
        if msg_type == MsgType.SET_LIMIT:
            rule = dict(body, running=0, keys_held=0, waiting=0)
            self.rules[body["pattern"]] = rule
            return Reply({"limit": rule})
        if msg_type == MsgType.DELETE_LIMIT:
            if body["pattern"] not in self.rules:
                raise OrionError(ErrorCode.NOT_FOUND, "no limit rule has the pattern")
            del self.rules[body["pattern"]]
            return Reply({"pattern": body["pattern"]})
        if msg_type == MsgType.LIST_LIMITS:
            names = sorted(n for n in self.rules if n > body["after"])
            page = names[:body["limit"]]
            nxt = page[-1] if len(names) > len(page) else ""
            return Reply({"limits": [self.rules[n] for n in page], "next": nxt})
        if msg_type == MsgType.SUBMIT:
            return Reply({"task_id": "t1"})
        raise AssertionError("unexpected %r" % msg_type)


def client_with(fake):
    c = Client.__new__(Client)  # no sockets: only call() is used
    c.request_timeout_ms = 1000
    c.call = fake.call
    return c


class LimitBodies(unittest.TestCase):
    def test_the_message_types_are_the_cpp_values(self):
        self.assertEqual([int(t) for t in (MsgType.SET_LIMIT, MsgType.LIMIT_OK, MsgType.DELETE_LIMIT,
                                           MsgType.DELETE_LIMIT_OK, MsgType.LIST_LIMITS, MsgType.LIMIT_LIST)],
                         list(range(150, 156)))

    def test_a_concurrency_and_a_rate_rule_make_their_bodies(self):
        self.assertEqual(lm.set_limit_body("customer-*", max_running=5),
                         {"pattern": "customer-*", "max_running": 5, "rate": 0, "period_ms": 0})
        self.assertEqual(lm.set_limit_body("api:v1", rate=10, period_ms=1000)["rate"], 10)

    def test_bad_rules_are_refused_before_they_are_sent(self):
        for args, kwargs in ((("",), {"max_running": 1}), (("a*b",), {"max_running": 1}),
                             (("sp ace",), {"max_running": 1}), (("k" * 129,), {"max_running": 1}),
                             (("k",), {}), (("k",), {"rate": 5}), (("k",), {"max_running": 1, "period_ms": 5}),
                             (("k",), {"max_running": 1_000_001}), (("k",), {"rate": 1, "period_ms": 86_400_001})):
            self.assertEqual(code_of(lm.set_limit_body, *args, **kwargs), ErrorCode.INVALID_ARGUMENT, (args, kwargs))

    def test_a_task_carries_its_limit_keys_and_bad_ones_are_refused(self):
        spec = p.task_spec("crawl", limit_keys=["customer-42", "api.example.com:443"])
        self.assertEqual(p.parse_task_spec(spec)["limit_keys"], ["customer-42", "api.example.com:443"])
        self.assertNotIn("limit_keys", p.task_spec("crawl"))
        for keys in (["a b"], [""], ["x" * 129], ["k", "k"], ["k%d" % i for i in range(9)], ["c-*"]):
            self.assertEqual(code_of(p.parse_task_spec, p.task_spec("crawl", limit_keys=keys)),
                             ErrorCode.INVALID_ARGUMENT, keys)

    def test_the_replies_read_with_their_defaults(self):
        self.assertEqual(lm.parse_limit_ok({"limit": {"pattern": "k"}})["running"], 0)
        self.assertEqual(lm.parse_limit_list({"limits": []})["next"], "")
        self.assertEqual(code_of(lm.parse_limit_ok, {"limit": {"pattern": "k", "running": -1}}),
                         ErrorCode.INVALID_ARGUMENT)


class LimitCalls(unittest.TestCase):
    def test_set_list_and_delete_go_to_the_scheduler(self):
        fake = FakeScheduler()
        c = client_with(fake)
        self.assertEqual(c.set_limit("customer-*", max_running=5)["pattern"], "customer-*")
        c.set_limit("api", rate=10, period_ms=1000)
        self.assertEqual([r["pattern"] for r in c.list_limits()], ["api", "customer-*"])
        self.assertEqual(c.delete_limit("api"), {"pattern": "api"})
        self.assertEqual(code_of(c.delete_limit, "api"), ErrorCode.NOT_FOUND)
        self.assertEqual([t for t, _ in fake.calls].count(MsgType.SET_LIMIT), 2)

    def test_a_bad_rule_sends_nothing(self):
        fake = FakeScheduler()
        self.assertEqual(code_of(client_with(fake).set_limit, "bad key", max_running=1), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(fake.calls, [])

    def test_list_limits_reads_every_page(self):
        fake = FakeScheduler()
        for i in range(2500):
            fake.rules["k%04d" % i] = {"pattern": "k%04d" % i, "max_running": 1}
        self.assertEqual(len(client_with(fake).list_limits()), 2500)
        self.assertEqual(len([t for t, _ in fake.calls if t == MsgType.LIST_LIMITS]), 3)

    def test_submit_sends_the_limit_keys(self):
        fake = FakeScheduler()
        self.assertEqual(client_with(fake).submit("crawl", limit_keys=["customer-42"]), "t1")
        self.assertEqual(fake.calls[-1][1]["task"]["limit_keys"], ["customer-42"])


if __name__ == "__main__":
    unittest.main()
