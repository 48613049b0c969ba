"""scripts/gen_protocol.py: the schema is checked before anything is generated, a table edited by
hand in docs/protocol.md is put back as the schema says, and every message reaches each output.

    /usr/bin/python3 -m unittest discover -s tests/unit/common -p gen_protocol_test.py
"""

import copy
import os
import sys
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import gen_protocol as g  # noqa: E402


class SchemaCheckTest(unittest.TestCase):
    def setUp(self):
        self.schema = g.load()

    def refused(self, schema, words):
        with self.assertRaises(g.SchemaError) as cm:
            g.check(schema)
        self.assertIn(words, str(cm.exception))

    def test_a_type_number_used_twice_is_refused(self):
        s = copy.deepcopy(self.schema)
        s["messages"][3]["type"] = s["messages"][2]["type"]
        self.refused(s, "used twice")

    def test_a_field_of_an_unknown_type_is_refused(self):
        s = copy.deepcopy(self.schema)
        s["records"]["TaskRef"]["fields"][0]["type"] = "[NoSuchRecord]"
        self.refused(s, "unknown type")

    def test_a_bound_naming_an_unknown_constant_is_refused(self):
        s = copy.deepcopy(self.schema)
        s["records"]["TaskRef"]["fields"][1]["max"] = "MAX_NOTHING"
        self.refused(s, "unknown constant")

    def test_a_field_without_its_line_of_doc_is_refused(self):
        s = copy.deepcopy(self.schema)
        del s["records"]["TaskRef"]["fields"][0]["doc"]
        self.refused(s, "no doc")


class OutputsTest(unittest.TestCase):
    def setUp(self):
        self.schema = g.load()
        with open(g.DOC, encoding="utf-8") as f:
            self.doc = f.read()

    def test_a_table_edited_by_hand_is_regenerated_and_the_prose_is_kept(self):
        edited = self.doc.replace("| 54 | ASSIGN | scheduler to agent | 7201 | none |",
                                  "| 54 | ASSIGN | scheduler to agent | 7201 | ASSIGN_OK |")
        self.assertNotEqual(edited, self.doc)
        self.assertEqual(g.render_doc(self.schema, edited), self.doc)

    def test_a_block_without_its_end_marker_is_an_error(self):
        broken = self.doc.replace(g.END, "", 1)
        with self.assertRaises(g.SchemaError):
            g.render_doc(self.schema, broken)

    def test_every_message_has_a_row_in_a_type_table_and_a_body_table(self):
        for m in self.schema["messages"]:
            with self.subTest(message=m["name"]):
                self.assertIn(f"| {m['type']} | {m['name']} |", self.doc)
                if m["type"] != 0:
                    self.assertRegex(self.doc, rf"\| {m['name']} \({m['type']}(, hot path)?\) \|")

    def test_the_cpp_header_defines_every_type_and_one_max_attempt(self):
        header = g.render_cpp(self.schema)
        for m in self.schema["messages"]:
            self.assertIn(f"  {m['name']} = {m['type']},", header)
        self.assertEqual(header.count("kMaxAttempt ="), 1)
        self.assertIn("inline constexpr std::int64_t kMaxAttempt = 1'000'000;", header)

    def test_the_python_module_has_a_body_for_every_type_but_unknown(self):
        namespace = {}
        exec(compile(g.render_py(self.schema), "schema.py", "exec"), namespace)  # noqa: S102
        bodies = namespace["BODIES"]
        types = {int(t) for t in namespace["MsgType"]}
        self.assertEqual({int(t) for t in bodies}, types - {0})
        self.assertIn("AgentPerf", namespace["RECORDS"])
        self.assertEqual(namespace["MAX_ATTEMPT"], 1_000_000)


if __name__ == "__main__":
    unittest.main()
