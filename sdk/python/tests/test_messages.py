"""orion_sdk.messages reads the body of every message type of common/protocol.toml, AGENT_STATS
and AGENT_STATS_OK included: a body holding only the required fields decodes with the schema's
defaults, a missing required field or a value out of its bound is refused naming the field, and a
body that is not a map is MALFORMED.

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -p test_messages.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from orion_sdk import messages, schema  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError, decode_value, encode_value  # noqa: E402


def bound(v):
    return getattr(schema, v) if isinstance(v, str) else v


def sample(f):
    """A valid value for the schema Field `f`."""
    if f.kind == "scalar":
        if f.inner == "str":
            return "x"
        if f.inner == "int":
            return bound(f.min) if f.min is not None else 0
        if f.inner == "num":
            return float(bound(f.min)) if f.min is not None else 0.0
        if f.inner == "bool":
            return True
        return {}
    if f.kind == "list":
        n = f.min_items or 1
        item = {"str": "x", "int": bound(f.min) if f.min is not None else 0}.get(f.inner)
        return [item if item is not None else required_only(schema.RECORDS[f.inner]) for _ in range(n)]
    if f.kind == "map":
        return {}
    if f.inner == "Counts":
        return {"COMPLETED": 1}
    return required_only(schema.RECORDS[f.inner])


def required_only(fields):
    return {f.name: sample(f) for f in fields if f.required}


class EveryBodyTest(unittest.TestCase):
    def test_every_type_but_unknown_has_a_body(self):
        self.assertEqual(set(schema.BODIES), set(MsgType) - {MsgType.UNKNOWN})

    def test_the_required_fields_alone_decode_with_the_defaults(self):
        for t, fields in schema.BODIES.items():
            with self.subTest(type=t.name):
                body = decode_value(encode_value(required_only(fields)))
                out = messages.read_body(t, body)
                self.assertEqual(set(out), {f.name for f in fields})
                for f in fields:
                    if not f.required and f.default is not None:
                        self.assertEqual(out[f.name], f.default, f.name)

    def test_a_missing_required_field_is_refused_naming_it(self):
        for t, fields in schema.BODIES.items():
            for f in fields:
                if not f.required:
                    continue
                with self.subTest(type=t.name, field=f.name):
                    body = required_only(fields)
                    del body[f.name]
                    with self.assertRaises(OrionError) as cm:
                        messages.read_body(t, body)
                    self.assertEqual(cm.exception.code, ErrorCode.INVALID_ARGUMENT)
                    self.assertIn("'%s'" % f.name, cm.exception.message)

    def test_an_int_past_its_bound_is_refused_naming_it(self):
        checked = 0
        for t, fields in schema.BODIES.items():
            for f in fields:
                if f.kind != "scalar" or f.inner != "int" or f.max is None or bound(f.max) >= schema.INT64_MAX:
                    continue
                with self.subTest(type=t.name, field=f.name):
                    body = dict(required_only(fields), **{f.name: bound(f.max) + 1})
                    with self.assertRaises(OrionError) as cm:
                        messages.read_body(t, body)
                    self.assertEqual(cm.exception.code, ErrorCode.INVALID_ARGUMENT)
                    self.assertIn("'%s'" % f.name, cm.exception.message)
                    checked += 1
        self.assertGreater(checked, 25)

    def test_a_body_that_is_not_a_map_is_malformed(self):
        for t in schema.BODIES:
            with self.subTest(type=t.name):
                with self.assertRaises(OrionError) as cm:
                    messages.read_body(t, [1, 2])
                self.assertEqual(cm.exception.code, ErrorCode.MALFORMED)

    def test_agent_stats_and_its_answer_decode(self):
        self.assertEqual(messages.read_body(MsgType.AGENT_STATS, {"ignored": 1}), {})
        out = messages.read_body(MsgType.AGENT_STATS_OK, {"agents": [{"agent_id": "a1", "load": 2}]})
        self.assertEqual(out["agents"][0]["load"], 2)
        self.assertEqual(out["agents"][0]["success_rate"], 1.0)

    def test_an_error_deep_in_a_record_names_the_path(self):
        body = {"task": {"task_id": "t1", "state": 2, "type": "echo", "history": [{"state": 9}]}}
        with self.assertRaises(OrionError) as cm:
            messages.read_body(MsgType.TASK_INFO, body)
        self.assertEqual(cm.exception.code, ErrorCode.INVALID_ARGUMENT)
        self.assertIn("'task'", cm.exception.message)
        self.assertIn("'history'", cm.exception.message)
        self.assertIn("'state'", cm.exception.message)

    def test_an_input_past_its_bound_is_too_large(self):
        big = "x" * (schema.MAX_INPUT_BYTES + 1)
        with self.assertRaises(OrionError) as cm:
            messages.read_body(MsgType.TASK_RESULT, {"task_id": "t", "attempt": 1, "ok": True, "output": big})
        self.assertEqual(cm.exception.code, ErrorCode.TOO_LARGE)


if __name__ == "__main__":
    unittest.main()
