// WorkflowSpec validation (every error names its location), references, and the workflow
// messages' round trips and frozen wire bytes.
#include "common/workflow_spec.h"

#include <gtest/gtest.h>

#include "common/workflow_messages.h"

namespace orion {
namespace {

Json step(const std::string& name, std::vector<std::string> deps = {}, Json input = nullptr) {
  Json s{{"name", name}, {"type", "echo"}};
  if (!deps.empty()) s["depends_on"] = deps;
  if (!input.is_null()) s["input"] = input;
  return s;
}

Json diamond() {
  return Json{{"name", "diamond"},
              {"steps",
               {step("collect", {}, {{"rows", {1, 2, 3}}}), step("left", {"collect"}, {{"rows", "${steps.collect.output.rows}"}}),
                step("right", {"collect"}), step("join", {"left", "right"}, {{"first", "${steps.collect.output.rows.0}"}})}}};
}

std::string error_of(const Json& j) {
  auto r = WorkflowSpec::from_json(j);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  return r.error().message;
}

TEST(WorkflowSpec, ADiamondWithReferencesToAncestorsIsAccepted) {
  auto w = WorkflowSpec::from_json(diamond());
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  ASSERT_EQ(w->steps.size(), 4u);
  EXPECT_EQ(w->steps[3].name, "join");
  EXPECT_EQ(w->steps[3].task.depends_on, (std::vector<std::string>{"left", "right"}));
  // Back and forth through the wire form.
  auto again = WorkflowSpec::from_json(w->to_json());
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->to_json(), w->to_json());
}

TEST(WorkflowSpec, AReferenceToAnUnknownStepIsRefusedWithItsLocation) {
  Json j = diamond();
  j["steps"][2]["depends_on"] = {"collect"};
  j["steps"][2]["input"] = {{"rows", "${steps.colect.output.rows}"}};
  EXPECT_EQ(error_of(j), "steps[2].input.rows: unknown step \"colect\"");
}

TEST(WorkflowSpec, AReferenceToAStepThatIsNotAnAncestorIsRefused) {
  Json j = diamond();
  j["steps"][1]["input"] = {{"from_right", {"x", "${steps.right.output}"}}};
  EXPECT_EQ(error_of(j),
            "steps[1].input.from_right[1]: step \"right\" is not an ancestor of \"left\" (list it in depends_on, "
            "directly or through another step)");
}

TEST(WorkflowSpec, ATransitiveAncestorMayBeReferenced) {
  Json j = diamond();  // join -> left -> collect: collect is join's ancestor through left
  EXPECT_TRUE(WorkflowSpec::from_json(j).ok());
}

TEST(WorkflowSpec, BadReferenceSyntaxIsRefusedWithItsLocationAndText) {
  Json j = diamond();
  j["steps"][1]["input"] = {{"rows", "${steps.collect}"}};
  EXPECT_EQ(error_of(j), "steps[1].input.rows: bad reference \"${steps.collect}\": expected ${steps.NAME.output} or "
                         "${steps.NAME.output.PATH}");
  j["steps"][1]["input"] = {{"rows", "a ${steps.collect.output"}};
  EXPECT_NE(error_of(j).find("steps[1].input.rows: unterminated reference"), std::string::npos);
  j["steps"][1]["input"] = {{"rows", "${steps.collect.output..x}"}};
  EXPECT_NE(error_of(j).find("steps[1].input.rows: bad reference"), std::string::npos);
}

TEST(WorkflowSpec, ACycleIsRefusedNamingItsSteps) {
  Json j{{"name", "loop"}, {"steps", {step("a", {"c"}), step("b", {"a"}), step("c", {"b"}), step("d")}}};
  auto msg = error_of(j);
  EXPECT_EQ(msg.rfind("steps: dependency cycle: ", 0), 0u) << msg;
  for (const char* n : {"a", "b", "c"}) EXPECT_NE(msg.find(n), std::string::npos) << msg;
  EXPECT_EQ(msg.find("d"), msg.find("dependency"));  // d is not on the cycle
  Json self{{"name", "self"}, {"steps", {step("a", {"a"})}}};
  EXPECT_EQ(error_of(self), "steps: dependency cycle: a -> a");
}

TEST(WorkflowSpec, EveryOtherBadFieldNamesItsLocation) {
  Json j = diamond();
  j["steps"][3]["depends_on"] = {"left", "nowhere"};
  EXPECT_EQ(error_of(j), "steps[3].depends_on[1]: unknown step \"nowhere\"");
  j = diamond();
  j["steps"][2]["name"] = "left";
  EXPECT_EQ(error_of(j), "steps[2].name: \"left\" is used by an earlier step");
  j = diamond();
  j["steps"][0]["name"] = "a.b";
  EXPECT_NE(error_of(j).find("steps[0].name: \"a.b\" must be"), std::string::npos);
  j = diamond();
  j["steps"][1]["priority"] = 9;
  EXPECT_NE(error_of(j).find("steps[1].priority: "), std::string::npos) << error_of(j);
  j = diamond();
  j["steps"][1].erase("type");
  EXPECT_NE(error_of(j).find("steps[1].type: "), std::string::npos) << error_of(j);
  j = diamond();
  j["steps"][1]["idempotency_key"] = "k";
  EXPECT_NE(error_of(j).find("steps[1].idempotency_key: not allowed"), std::string::npos);
  j = diamond();
  j["steps"] = Json::array();
  EXPECT_EQ(error_of(j), "steps: must be a non-empty array");
  j = diamond();
  j.erase("name");
  EXPECT_EQ(error_of(j), "name: is required: a non-empty string");
  j = diamond();
  j["consensus"] = {{"type", "sortition"}};
  EXPECT_EQ(error_of(j), "consensus: type must be one of majority, unanimous, weighted, pbft");
  j["consensus"] = {{"type", "majority"}, {"timeout_ms", 0}};
  EXPECT_NE(error_of(j).find("consensus: "), std::string::npos) << error_of(j);
}

TEST(WorkflowSpec, AResultTtlIsKeptThroughARoundTripAndABadOneIsRefused) {
  Json j = diamond();
  EXPECT_EQ(WorkflowSpec::from_json(j)->result_ttl_ms, -1) << "absent: the scheduler's retention";
  EXPECT_FALSE(WorkflowSpec::from_json(j)->to_json().contains("result_ttl_ms"));
  j["result_ttl_ms"] = 60'000;
  auto w = WorkflowSpec::from_json(j);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(w->result_ttl_ms, 60'000);
  EXPECT_EQ(WorkflowSpec::from_json(w->to_json())->result_ttl_ms, 60'000);
  for (Json bad : {Json(-2), Json(kMaxRetentionMs + 1), Json("1h"), Json(1.5)}) {
    j["result_ttl_ms"] = bad;
    EXPECT_NE(error_of(j).find("result_ttl_ms"), std::string::npos) << bad;
  }
}

TEST(WorkflowSpec, TooManyStepsAreRefusedAsTooLarge) {
  Json j{{"name", "big"}, {"steps", Json::array()}};
  for (std::size_t i = 0; i <= kMaxWorkflowSteps; ++i) j["steps"].push_back(step("s" + std::to_string(i)));
  auto r = WorkflowSpec::from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::TOO_LARGE);
}

TEST(WorkflowRefs, AWholeStringReferenceBecomesTheValueAndTextIsInterpolated) {
  Json out{{"rows", {1, 2, 3}}, {"meta", {{"day", "mon"}}}};
  auto output_of = [&](const std::string& s) -> const Json* { return s == "collect" ? &out : nullptr; };
  Json input{{"rows", "${steps.collect.output.rows}"},
             {"second", "${steps.collect.output.rows.1}"},
             {"text", "day=${steps.collect.output.meta.day} rows=${steps.collect.output.rows}"},
             {"literal", "$${not a ref}"},
             {"all", {"${steps.collect.output}"}}};
  auto r = resolve_refs(input, "input", output_of);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)["rows"], Json({1, 2, 3}));
  EXPECT_EQ((*r)["second"], 2);
  EXPECT_EQ((*r)["text"], "day=mon rows=[1,2,3]");
  EXPECT_EQ((*r)["literal"], "${not a ref}");
  EXPECT_EQ((*r)["all"][0], out);
}

TEST(WorkflowRefs, AMissingPathFailsNamingWhereAndWhat) {
  Json out{{"rows", {1}}};
  auto output_of = [&](const std::string&) -> const Json* { return &out; };
  auto r = resolve_refs(Json{{"x", "${steps.a.output.cols}"}}, "input", output_of);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "input.x: ${steps.a.output.cols}: the output of step \"a\" has no \"cols\"");
  r = resolve_refs(Json{{"x", "${steps.a.output.rows.5}"}}, "input", output_of);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "input.x: ${steps.a.output.rows.5}: the output.rows of step \"a\" has no \"5\"");
}

TEST(WorkflowRefs, MayHoldRefsLooksOnlyAtStrings) {
  EXPECT_FALSE(may_hold_refs(Json{{"${steps.a.output}", 1}}));  // keys are not resolved
  EXPECT_TRUE(may_hold_refs(Json{{"a", {1, "${steps.a.output}"}}}));
  EXPECT_FALSE(may_hold_refs(Json("plain")));
}

// ---- Messages -------------------------------------------------------------------------------

template <class T>
T round_trip(const T& m) {
  auto back = T::from_body(decode_value(encode_value(m.to_body()).data(), encode_value(m.to_body()).size()).value());
  EXPECT_TRUE(back.ok()) << back.error().to_string();
  return *back;
}

TEST(WorkflowMessages, EveryMessageRoundTrips) {
  WorkflowRun run{*WorkflowSpec::from_json(diamond())};
  EXPECT_EQ(round_trip(run).workflow.to_json(), run.workflow.to_json());
  WorkflowRunOk ok{"w3", {{"collect", "t1"}, {"join", "t4"}}, true};
  auto ok2 = round_trip(ok);
  EXPECT_EQ(ok2.workflow_id, "w3");
  EXPECT_EQ(ok2.task_ids, ok.task_ids);
  EXPECT_TRUE(ok2.duplicate);
  EXPECT_EQ(round_trip(GetWorkflow{"w3"}).workflow_id, "w3");
  WorkflowView v;
  v.workflow_id = "w3";
  v.name = "diamond";
  v.state = WorkflowState::FAILED;
  v.progress = 50;
  v.run = 2;
  v.reason = "step left failed";
  v.created_ms = 5;
  StepView s;
  s.name = "left";
  s.task_id = "t2";
  s.depends_on = {"collect"};
  s.state = TaskState::FAILED;
  s.error = "boom";
  s.attempt = 3;
  v.steps = {s};
  auto info = round_trip(WorkflowInfo{v});
  EXPECT_EQ(info.workflow.to_json(), v.to_json());
  auto c = round_trip(CancelWorkflow{"w3", "no longer needed"});
  EXPECT_EQ(c.reason, "no longer needed");
  auto cok = round_trip(CancelWorkflowOk{"w3", WorkflowState::CANCELLED, {"left", "join"}});
  EXPECT_EQ(cok.state, WorkflowState::CANCELLED);
  EXPECT_EQ(cok.ended, (std::vector<std::string>{"left", "join"}));
  EXPECT_EQ(round_trip(RetryWorkflow{"w3"}).workflow_id, "w3");
  auto rok = round_trip(RetryWorkflowOk{"w3", WorkflowState::RUNNING, 2, {"left"}});
  EXPECT_EQ(rok.run, 2);
  EXPECT_EQ(rok.retried, (std::vector<std::string>{"left"}));
}

TEST(WorkflowMessages, BadBodiesAreRefusedNamingTheField) {
  auto r = GetWorkflow::from_body(Json{{"workflow_id", 7}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("workflow_id"), std::string::npos);
  auto run = WorkflowRun::from_body(Json::object());
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message, "field 'workflow': is required");
  auto state = CancelWorkflowOk::from_body(Json{{"workflow_id", "w1"}, {"state", 9}});
  EXPECT_FALSE(state.ok());
  auto info = WorkflowInfo::from_body(Json{{"workflow", {{"workflow_id", "w1"}, {"state", 1}}}});
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("steps"), std::string::npos);
}

TEST(WorkflowMessages, EmptyReasonsErrorsAndGatesAreLeftOut) {
  StepView s;
  s.name = "a";
  s.task_id = "t1";
  s.state = TaskState::COMPLETED;
  EXPECT_FALSE(s.to_json().contains("error"));
  WorkflowView v;
  v.workflow_id = "w1";
  v.state = WorkflowState::COMPLETED;
  v.steps = {s};
  Json j = v.to_json();
  for (const char* absent : {"reason", "consensus", "gate"}) EXPECT_FALSE(j.contains(absent)) << absent;
  EXPECT_EQ(j["steps"][0]["state"], static_cast<int>(TaskState::COMPLETED));
  auto back = WorkflowView::from_json(j);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->steps[0].state, TaskState::COMPLETED);
  EXPECT_STREQ(to_string(back->state), "COMPLETED");
  EXPECT_TRUE(is_terminal(back->state));
}

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += d[c >> 4], out += d[c & 15];
  return out;
}

// The wire form, frozen: a change here is a change of the protocol (protocol.md section 10).
TEST(WorkflowMessages, WireBytesAreFrozen) {
  EXPECT_EQ(hex(encode_value(GetWorkflow{"w1"}.to_body())), "81ab776f726b666c6f775f6964a27731");
  EXPECT_EQ(hex(encode_value(RetryWorkflowOk{"w1", WorkflowState::RUNNING, 2, {"a"}}.to_body())),
            "84a772657472696564" "91a161" "a372756e02" "a5737461746501" "ab776f726b666c6f775f6964a27731");
  EXPECT_EQ(static_cast<int>(MsgType::WORKFLOW_RUN), 90);
  EXPECT_EQ(static_cast<int>(MsgType::RETRY_WORKFLOW_OK), 97);
}

}  // namespace
}  // namespace orion
