"""Tests of orion_sdk.workflow: the WORKFLOW_RUN body the Python client builds, the bounded
readers of the replies (the same bytes as the C++ golden test in workflow_spec_test.cpp), and
the message types 90..97.

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -p test_workflow.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import protocol as p  # noqa: E402
from orion_sdk import workflow as wf  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError, TaskState  # noqa: E402
from raises import code_of  # noqa: E402


class WorkflowBodies(unittest.TestCase):
    def test_steps_become_task_specs_with_priority_names_and_an_optional_gate(self):
        body = wf.workflow_spec("ml", [
            {"name": "collect", "type": "echo", "capabilities": ["data"], "priority": "high", "input": {"rows": 3}},
            {"name": "train", "task_type": "echo", "depends_on": ["collect"],
             "input": {"rows": "${steps.collect.output.rows}"}},
        ], require_consensus=True)
        self.assertEqual(body["name"], "ml")
        self.assertEqual(body["steps"][0]["priority"], 3)
        self.assertEqual(body["steps"][0]["name"], "collect")
        self.assertEqual(body["steps"][1]["depends_on"], ["collect"])
        self.assertEqual(body["steps"][1]["input"], {"rows": "${steps.collect.output.rows}"})
        self.assertEqual(body["consensus"], {"type": "majority"})
        self.assertNotIn("consensus", wf.workflow_spec("x", [{"name": "a", "type": "echo"}]))

    def test_bad_steps_are_refused_naming_the_step(self):
        self.assertEqual(code_of(wf.workflow_spec, "x", []), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(wf.workflow_spec, "x", [{"type": "echo"}]), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(wf.workflow_spec, "x", [{"name": "a"}]), ErrorCode.INVALID_ARGUMENT)
        try:
            wf.workflow_spec("x", [{"name": "a", "type": "echo", "priority": "soon"}])
        except OrionError as e:
            self.assertIn("steps[0] (a)", e.message)
        self.assertEqual(code_of(wf.workflow_spec, "x", [{"name": "a", "type": "echo", "colour": 1}]),
                         ErrorCode.INVALID_ARGUMENT)
        many = [{"name": "s%d" % i, "type": "echo"} for i in range(wf.MAX_WORKFLOW_STEPS + 1)]
        self.assertEqual(code_of(wf.workflow_spec, "x", many), ErrorCode.TOO_LARGE)


class WorkflowRetention(unittest.TestCase):
    def test_result_ttl_ms_is_sent_only_when_set_and_checked_before_sending(self):
        steps = [{"name": "a", "type": "echo"}]
        self.assertNotIn("result_ttl_ms", wf.workflow_spec("w", steps))
        self.assertEqual(wf.workflow_spec("w", steps, result_ttl_ms=3_600_000)["result_ttl_ms"], 3_600_000)
        for bad in (-2, p.MAX_RETENTION_MS + 1, "1h"):
            with self.assertRaises(OrionError) as e:
                wf.workflow_spec("w", steps, result_ttl_ms=bad)
            self.assertEqual(e.exception.code, ErrorCode.INVALID_ARGUMENT)
            self.assertIn("result_ttl_ms", e.exception.message)


class WorkflowReplies(unittest.TestCase):
    def test_the_message_types_are_the_cpp_values(self):
        self.assertEqual([int(t) for t in (MsgType.WORKFLOW_RUN, MsgType.WORKFLOW_RUN_OK, MsgType.GET_WORKFLOW,
                                           MsgType.WORKFLOW_INFO, MsgType.CANCEL_WORKFLOW,
                                           MsgType.CANCEL_WORKFLOW_OK, MsgType.RETRY_WORKFLOW,
                                           MsgType.RETRY_WORKFLOW_OK)], list(range(90, 98)))

    def test_retry_ok_reads_the_cpp_golden_bytes(self):
        golden = bytes.fromhex("84a772657472696564" "91a161" "a372756e02" "a5737461746501"
                               "ab776f726b666c6f775f6964a27731")
        body = p.decode_value(golden)
        self.assertEqual(p.encode_value(body), golden)
        ok = wf.parse_retry_workflow_ok(body)
        self.assertEqual(ok, {"workflow_id": "w1", "state": wf.WorkflowState.RUNNING, "run": 2, "retried": ["a"]})

    def test_workflow_info_is_read_with_enums_and_bounds(self):
        info = {"workflow": {"workflow_id": "w3", "name": "ml", "state": 3, "progress": 50.0, "run": 2,
                             "reason": "step b failed", "created_ms": 1, "started_ms": 2, "finished_ms": 3,
                             "steps": [{"name": "b", "task_id": "t2", "state": 5, "progress": 0.0, "attempt": 1,
                                        "agent": "a1", "error": "boom", "depends_on": ["a"]}]}}
        v = wf.parse_workflow_info(info)
        self.assertEqual(v["state"], wf.WorkflowState.FAILED)
        self.assertTrue(v["state"].terminal)
        self.assertEqual(v["steps"][0]["state"], TaskState.FAILED)
        self.assertEqual(v["steps"][0]["depends_on"], ["a"])
        bad = {"workflow": dict(info["workflow"], state=9)}
        self.assertEqual(code_of(wf.parse_workflow_info, bad), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(wf.parse_workflow_info, {"workflow": dict(info["workflow"], steps=None)}),
                         ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(code_of(wf.parse_workflow_run_ok, {"task_ids": {}}), ErrorCode.INVALID_ARGUMENT)
        self.assertEqual(wf.parse_cancel_workflow_ok({"workflow_id": "w1", "state": 4, "ended": ["a"]})["state"],
                         wf.WorkflowState.CANCELLED)


if __name__ == "__main__":
    unittest.main()
