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

    def test_an_enum_field_naming_no_enum_is_refused(self):
        s = copy.deepcopy(self.schema)
        s["records"]["TaskRef"]["fields"][1]["enum"] = "NoSuchEnum"
        self.refused(s, "enum names no [[enum]]")

    def test_a_flag_that_is_not_one_of_two_values_is_refused(self):
        s = copy.deepcopy(self.schema)
        vote = next(f for f in s["records"]["VoteRecord"]["fields"] if f["name"] == "vote")
        vote["cpp_flag"] = "maybe"
        self.refused(s, "cpp_flag must be one of exactly two values")


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

    def test_a_generated_struct_comes_after_the_records_it_holds(self):
        header = g.render_cpp_family_header(self.schema, "consensus")
        view = header.index("struct ProposalView {")
        for held in ("struct Voter {", "struct VoteRecord {", "struct Tally {"):
            self.assertLess(header.index(held), view, held)
        self.assertLess(view, header.index("struct ProposalInfo {"))

    def test_a_packed_message_and_the_records_it_holds_get_packed_readers(self):
        header = g.render_cpp_family_header(self.schema, "consensus")
        source = g.render_cpp_family_source(self.schema, "consensus")
        self.assertIn("static Result<Propose> from_packed(std::string_view body);", header)
        self.assertIn("void Voter::write_packed(MsgWriter& w) const {", source)
        self.assertNotIn("ProposalView::from_object", source)
        # The one hand-written rule of VOTE runs in both of its readers.
        self.assertEqual(source.count("check_vote(*out)"), 2)

    def test_a_packed_record_gets_a_packed_writer_and_reader_without_a_packed_message(self):
        header = g.render_cpp_family_header(self.schema, "task_parts")
        self.assertIn("void write_packed(MsgWriter& w) const;", header)
        self.assertIn("static Result<StateChange> from_object(const msgpack::object& o);", header)
        source = g.render_cpp_family_source(self.schema, "task_parts")
        # The clamp of max_ms runs in both readers of RetryPolicy.
        self.assertEqual(source.count("check_retry_policy(*out)"), 2)
        self.assertIn('case BackoffKind::FIXED: return "fixed";', source)

    def test_an_enum_list_and_a_cpp_integer_type_are_read_then_converted(self):
        header = g.render_cpp_family_header(self.schema, "task")
        self.assertIn("std::vector<TaskState> states{};", header)
        source = g.render_cpp_family_source(self.schema, "task")
        self.assertIn('read_int_list(b, "states", Need::OPTIONAL, kMaxFilterValues, 1, 8, out->states)', source)
        self.assertIn('out["priorities"] = ints_to_json(priorities);', source)
        event = g.render_cpp_family_source(self.schema, "event")
        self.assertIn("out->seq = static_cast<std::uint64_t>(seq);", event)
        self.assertIn('if (epoch != 0) out["epoch"] = epoch;', event)

    def test_a_sorted_packed_writer_writes_the_keys_in_nlohmanns_order_and_honours_write_if(self):
        source = g.render_cpp_family_source(self.schema, "agent")
        result = source[source.index("std::string TaskResult::to_packed() const {"):]
        result = result[:result.index("}\n")]
        keys = [line.split('"')[1] for line in result.splitlines() if 'w.key("' in line]
        self.assertEqual(keys, sorted(keys))
        self.assertIn("w.map(6u + (!deps.empty() ? 1u : 0u));", source)

    def test_a_read_hook_is_declared_for_both_readers_and_called_by_each(self):
        header = g.render_cpp_family_header(self.schema, "task")
        source = g.render_cpp_family_source(self.schema, "task")
        self.assertIn("std::optional<Error> read_gate(const Json* v, const char* key, ConsensusGate& out);", header)
        self.assertIn("std::optional<Error> read_gate(const msgpack::object* v, const char* key, ConsensusGate& out);",
                      header)
        self.assertIn('read_gate(field_value(j, "consensus"), "consensus", out->consensus)', source)
        self.assertIn('read_gate(f.value[14], "consensus", out->consensus)', source)

    def test_an_alias_reads_into_the_other_member_and_is_never_declared_nor_written(self):
        header = g.render_cpp_family_header(self.schema, "task")
        source = g.render_cpp_family_source(self.schema, "task")
        self.assertNotIn(" require_consensus", header[header.index("struct TaskSpec {"):header.index("struct TaskView {")])
        self.assertIn('"require_consensus", out->consensus)', source)
        self.assertNotIn('out["require_consensus"]', source)
        self.assertNotIn('w.key("require_consensus")', source)

    def test_an_alias_of_an_unknown_field_is_refused(self):
        s = copy.deepcopy(self.schema)
        next(f for f in s["records"]["TaskSpec"]["fields"] if f["name"] == "require_consensus")["alias_of"] = "nope"
        with self.assertRaises(g.SchemaError) as cm:
            g.check(s)
        self.assertIn("alias_of", str(cm.exception))

    def test_a_fixed_first_writer_writes_the_unconditional_keys_first(self):
        source = g.render_cpp_family_source(self.schema, "task")
        spec = source[source.index("void TaskSpec::write_packed_fields(MsgWriter& w) const {"):]
        spec = spec[:spec.index("\n}\n")]
        keys = [line.split('"')[1] for line in spec.splitlines() if 'w.key("' in line]
        self.assertEqual(keys[:7], ["name", "type", "capabilities", "priority", "timeout_ms", "input", "metadata"])
        self.assertEqual(keys[-3:], ["on_exhausted", "limit_keys", "namespace"])

    def test_a_view_is_written_through_its_ref_with_the_extended_record_first(self):
        header = g.render_cpp_family_header(self.schema, "task")
        source = g.render_cpp_family_source(self.schema, "task")
        self.assertIn("struct TaskViewRef {", header)
        self.assertIn("const std::vector<std::string>* waiting_on;  // null: left out", header)
        self.assertIn("TaskViewRef{spec, task_id,", source)
        ref = source[source.index("void TaskViewRef::write_packed(MsgWriter& w) const {"):]
        self.assertIn("spec.packed_size()", ref[:ref.index("\n")  + 200])
        self.assertIn("spec.write_packed_fields(w);", ref)
        self.assertIn("auto base = TaskSpec::from_object(o);", source)

    def test_an_enum_list_without_its_bounds_is_refused_for_cpp(self):
        s = copy.deepcopy(self.schema)
        lt = next(m for m in s["messages"] if m["name"] == "LIST_TASKS")
        del next(f for f in lt["fields"] if f["name"] == "states")["max"]
        with self.assertRaises(g.SchemaError):
            g.render_cpp_family_source(s, "task")

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
