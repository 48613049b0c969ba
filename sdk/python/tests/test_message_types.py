"""Every message type the C++ code and the protocol document define is one orion_sdk.protocol
knows, with the same value: the lists are read from common/messages.h (enum class MsgType) and
from the type tables of docs/protocol.md (sections 4, 13.2 and 14), so a type added there and
not here fails this test. Each known type also decodes (frames in, Envelope out), and one that
is not known is refused UNKNOWN_TYPE.

    /usr/bin/python3 -m unittest discover -s sdk/python/tests -p test_message_types.py
"""

import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

from orion_sdk import protocol as p  # noqa: E402
from orion_sdk.protocol import ErrorCode, MsgType, OrionError  # noqa: E402


def cpp_message_types():
    """{name: value} of `enum class MsgType` in common/messages.h."""
    with open(os.path.join(ROOT, "common", "messages.h"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"enum class MsgType\s*:\s*[\w:]+\s*\{(.*?)\};", text, re.S)
    if block is None:
        raise AssertionError("no enum class MsgType in common/messages.h")
    body = re.sub(r"//[^\n]*", "", block.group(1))
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"\b([A-Z][A-Z0-9_]*)\s*=\s*(\d+)", body)}


def documented_message_types():
    """{name: value} of every row of docs/protocol.md's message type tables: the tables whose
    header begins `| value | type |` (sections 4, 13.2, 14; the error codes' and states' tables
    have other headers)."""
    types = {}
    in_type_table = False
    with open(os.path.join(ROOT, "docs", "protocol.md"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("|"):
                in_type_table = False
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0] == "value" and cells[1] == "type":
                in_type_table = True
                continue
            if in_type_table and cells[0].isdigit() and re.fullmatch(r"[A-Z][A-Z0-9_]*", cells[1]):
                types[cells[1]] = int(cells[0])
    return types


def python_message_types():
    return {t.name: int(t) for t in MsgType}


def frames(type_value):
    return [p.PROTOCOL, bytes([type_value]), b"r-1", p.encode_value({})]


class MessageTypesTest(unittest.TestCase):
    def test_the_cpp_enum_and_python_agree_type_for_type(self):
        cpp = cpp_message_types()
        self.assertGreater(len(cpp), 60, "the C++ enum was not read whole")
        self.assertEqual(python_message_types(), cpp)

    def test_every_documented_type_is_known_with_its_value(self):
        doc = documented_message_types()
        self.assertGreater(len(doc), 60, "the protocol document's tables were not read whole")
        python = python_message_types()
        for name, value in sorted(doc.items(), key=lambda kv: kv[1]):
            with self.subTest(type=name):
                self.assertEqual(python.get(name), value, "%s (%d) in docs/protocol.md" % (name, value))

    def test_every_known_type_decodes_and_an_unknown_one_is_refused(self):
        for t in MsgType:
            if t == MsgType.UNKNOWN:
                continue
            with self.subTest(type=t.name):
                self.assertEqual(p.decode_frames(frames(int(t))).type, t)
        known = {int(t) for t in MsgType}
        for value in range(256):
            if value in known:
                continue
            with self.assertRaises(OrionError) as cm:
                p.decode_frames(frames(value))
            self.assertEqual(cm.exception.code, ErrorCode.UNKNOWN_TYPE, value)

    def test_agent_stats_and_its_answer_are_known(self):
        self.assertEqual(p.decode_frames(frames(47)).type, MsgType.AGENT_STATS)
        self.assertEqual(p.decode_frames(frames(48)).type, MsgType.AGENT_STATS_OK)



class AgentStatsBodyTest(unittest.TestCase):
    """AGENT_STATS_OK's body, read as C++ AgentStatsOk::from_body reads it."""

    def test_an_agent_perf_is_read_with_its_defaults(self):
        full = {"agent_id": "a1", "attached": True, "draining": False, "load": 1, "capacity": 4, "done": 9,
                "failed": 1, "timed_out": 0, "success_rate": 0.9, "mean_ms": 12.5, "p95_ms": 40, "score": 0.8}
        self.assertEqual(p.parse_agent_stats_ok({"agents": [full]}), [dict(full, p95_ms=40)])
        only_id = p.parse_agent_stats_ok({"agents": [{"agent_id": "a2"}]})[0]
        self.assertEqual(only_id["success_rate"], 1.0)
        self.assertEqual(only_id["score"], 1.0)
        self.assertFalse(only_id["attached"])

    def test_a_bad_field_is_refused_naming_it(self):
        for body, field in (({}, "agents"), ({"agents": {}}, "agents"), ({"agents": [{}]}, "agent_id"),
                            ({"agents": [{"agent_id": "a", "success_rate": 1.5}]}, "success_rate"),
                            ({"agents": [{"agent_id": "a", "load": -1}]}, "load")):
            with self.subTest(body=body):
                with self.assertRaises(OrionError) as cm:
                    p.parse_agent_stats_ok(body)
                self.assertEqual(cm.exception.code, ErrorCode.INVALID_ARGUMENT)
                self.assertIn(field, cm.exception.message)


if __name__ == "__main__":
    unittest.main()
