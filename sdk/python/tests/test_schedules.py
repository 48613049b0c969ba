"""Tests of orion_sdk.schedules: the SCHEDULE_CREATE body the Python client builds, checked as
the scheduler checks it, the readers of the replies, and the message types 140..149. The
client's calls against a real stack run in tests/integration/python_sdk_test.cpp
(ThePythonClientManagesSchedules).

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -p test_schedules.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import protocol as p  # noqa: E402
from orion_sdk import schedules as sc  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType  # noqa: E402
from raises import code_of  # noqa: E402


class ScheduleBodies(unittest.TestCase):
    def test_a_cron_schedule_of_a_task_carries_its_zone_and_policies(self):
        body = sc.schedule_spec("nightly", task=p.task_spec("report", {"day": 1}), cron="0 2 * * *",
                                time_zone="Europe/Paris", overlap="queue_one", catchup="last")
        self.assertEqual(body["cron"], "0 2 * * *")
        self.assertEqual(body["time_zone"], "Europe/Paris")
        self.assertEqual(body["task"]["type"], "report")
        self.assertEqual((body["overlap"], body["catchup"]), ("queue_one", "last"))
        self.assertNotIn("schedule_id", body)
        self.assertEqual(sc.schedule_spec("x", task={"type": "t"}, interval_ms=5000, schedule_id="mine")["schedule_id"],
                         "mine")

    def test_bad_specs_are_refused_before_they_are_sent(self):
        t = {"type": "t"}
        for kwargs in ({"task": t}, {"task": t, "cron": "* * * * *", "interval_ms": 1000},
                       {"task": t, "interval_ms": 999}, {"interval_ms": 1000},
                       {"task": t, "workflow": {"name": "w", "steps": []}, "interval_ms": 1000},
                       {"task": t, "interval_ms": 1000, "overlap": "sometimes"},
                       {"task": t, "interval_ms": 1000, "catchup": "most"},
                       {"task": {"type": "t", "idempotency_key": "k"}, "interval_ms": 1000},
                       {"task": t, "interval_ms": 1000, "schedule_id": "x" * 65}):
            self.assertEqual(code_of(sc.schedule_spec, "n", **kwargs), ErrorCode.INVALID_ARGUMENT, kwargs)


class ScheduleReplies(unittest.TestCase):
    def test_the_message_types_are_the_cpp_values(self):
        self.assertEqual([int(t) for t in (MsgType.SCHEDULE_CREATE, MsgType.SCHEDULE_INFO, MsgType.SCHEDULE_LIST,
                                           MsgType.SCHEDULE_LIST_OK, MsgType.SCHEDULE_PAUSE, MsgType.SCHEDULE_RESUME,
                                           MsgType.SCHEDULE_DELETE, MsgType.SCHEDULE_DELETE_OK,
                                           MsgType.SCHEDULE_TRIGGER, MsgType.SCHEDULE_TRIGGER_OK)],
                         list(range(140, 150)))

    def test_an_info_reply_reads_with_its_defaults(self):
        spec = sc.schedule_spec("n", task={"type": "t"}, interval_ms=1000)
        view = sc.parse_schedule_info({"schedule": {"schedule_id": "s1", "spec": spec, "state": "active",
                                                    "next_fire_ms": 5}})
        self.assertEqual(view["schedule_id"], "s1")
        self.assertEqual(view["fired"], 0)
        self.assertEqual(view["spec"]["overlap"], "skip")
        self.assertEqual(code_of(sc.parse_schedule_info, {"schedule": {"spec": spec, "state": "active"}}),
                         ErrorCode.INVALID_ARGUMENT)
        ok = sc.parse_schedule_trigger_ok({"schedule_id": "s1", "fired_id": "t9",
                                           "idempotency_key": "schedule:s1:trigger:r"})
        self.assertEqual(ok["fired_id"], "t9")


if __name__ == "__main__":
    unittest.main()
