// Workflow files (cli/workflow_file.h): YAML and JSON into a validated WorkflowSpec, every
// error at its location, and the shipped examples.
#include "cli/workflow_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace orion::cli {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string error_of(const std::string& text, const std::string& path = "w.yaml") {
  auto r = parse_workflow_file(text, path);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(WorkflowFile, YamlStepsUseTheBatchFileFieldsWithSecondsAndPriorityNames) {
  auto w = parse_workflow_file(R"(
name: two
steps:
  - name: a
    type: echo
    capabilities: [data]
    priority: high
    timeout: 2.5
    retries: 2
    backoff: exponential
    input: {n: 3, ok: true, ratio: 0.5, none: null, quoted: "42", text: hello}
  - name: b
    type: echo
    depends_on: a
    input: {from_a: "${steps.a.output.n}"}
)",
                               "two.yaml");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  ASSERT_EQ(w->steps.size(), 2u);
  const TaskSpec& a = w->steps[0].task;
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.priority, Priority::HIGH);
  EXPECT_EQ(a.timeout_ms, 2500);
  EXPECT_EQ(a.retries, 2);
  EXPECT_EQ(a.retry.kind, BackoffKind::EXPONENTIAL);
  EXPECT_EQ(a.input, Json({{"n", 3}, {"ok", true}, {"ratio", 0.5}, {"none", nullptr}, {"quoted", "42"}, {"text", "hello"}}));
  EXPECT_EQ(w->steps[1].task.depends_on, (std::vector<std::string>{"a"}));
}

TEST(WorkflowFile, DurationsTakeTheirUnitAndBareNumbersStillMeanSeconds) {
  auto w = parse_workflow_file(R"(
name: units
consensus: {type: majority, capability: approve, timeout: 2m}
steps:
  - {name: a, type: echo, timeout: 500ms, unschedulable_timeout: 1h, backoff: {initial: 2s, max: 1m}}
  - {name: b, type: echo, timeout: 30}
)",
                               "units.yaml");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(w->steps[0].task.timeout_ms, 500);
  EXPECT_EQ(w->steps[0].task.unschedulable_timeout_ms, 3'600'000);
  EXPECT_EQ(w->steps[0].task.retry.initial_ms, 2'000);
  EXPECT_EQ(w->steps[0].task.retry.max_ms, 60'000);
  EXPECT_EQ(w->steps[1].task.timeout_ms, 30'000) << "a bare number is seconds, as files said before units";
  EXPECT_EQ(w->consensus.value("timeout_ms", 0), 120'000);
}

TEST(WorkflowFile, ErrorsNameTheirLocation) {
  const std::string head = "name: x\nsteps:\n  - {name: a, type: echo}\n";
  EXPECT_EQ(error_of(head + "  - {name: b, type: echo, timeout: -1}\n"),
            "steps[1].timeout: must be a duration with its unit (500ms, 30s, 5m, 1h) or a number of seconds, at most a week");
  EXPECT_EQ(error_of(head + "  - {name: b, type: echo, timeout: 5 minutes}\n"),
            "steps[1].timeout: must be a duration with its unit (500ms, 30s, 5m, 1h) or a number of seconds, at most a week");
  EXPECT_EQ(error_of(head + "  - {name: b, type: echo, colour: red}\n"), "steps[1].colour: is not a known field");
  EXPECT_EQ(error_of(head + "  - {name: b, type: echo, input: {rows: \"${steps.colect.output}\"}, depends_on: [a]}\n"),
            "steps[1].input.rows: unknown step \"colect\"");
  EXPECT_EQ(error_of(head + "  - {type: echo}\n"), "steps[1].name: is required: the step's name");
  EXPECT_EQ(error_of(head + "  - {name: b, type: echo, depends_on: [b]}\n"), "steps: dependency cycle: b -> b");
  EXPECT_EQ(error_of(head + "colour: red\n"), "colour: is not a known field (name, description, steps, consensus, namespace)");
  EXPECT_EQ(error_of(head + "description: [a]\n"), "description: must be text");
  EXPECT_EQ(error_of("name: x\nsteps: [\n"), error_of("name: x\nsteps: [\n"));  // deterministic
  EXPECT_EQ(error_of("name: x\nsteps: [\n").rfind("w.yaml:", 0), 0u) << error_of("name: x\nsteps: [\n");
  EXPECT_NE(error_of("{\"name\": ", "w.json").find("w.json is not valid JSON"), std::string::npos);
}

TEST(WorkflowFile, AConsensusTimeoutInSecondsIsSentInMilliseconds) {
  auto w = parse_workflow_file("name: g\nconsensus: {type: unanimous, capability: approve, timeout: 30}\n"
                               "steps: [{name: a, type: echo}]\n",
                               "g.yaml");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(w->consensus,
            Json({{"type", "unanimous"}, {"capability", "approve"}, {"timeout_ms", 30000}, {"data", Json::object()}}));
  EXPECT_EQ(error_of("name: g\nconsensus: {type: maybe}\nsteps: [{name: a, type: echo}]\n"),
            "consensus: type must be one of majority, unanimous, weighted, pbft");
}

TEST(WorkflowFile, TheShippedExamplesAreValid) {
  for (const char* name : {"diamond_fanout.yaml", "ml_pipeline.yaml", "ml_pipeline_gated.yaml", "retry_flaky.json"}) {
    std::string path = std::string(ORION_SOURCE_DIR) + "/examples/workflows/" + name;
    auto w = parse_workflow_file(slurp(path), path);
    ASSERT_TRUE(w.ok()) << name << ": " << w.error().to_string();
  }
  auto ml = parse_workflow_file(slurp(std::string(ORION_SOURCE_DIR) + "/examples/workflows/ml_pipeline.yaml"), "ml.yaml");
  ASSERT_EQ(ml->steps.size(), 6u);
  std::set<std::string> caps;
  for (const auto& s : ml->steps) caps.insert(s.task.capabilities.at(0));
  EXPECT_GE(caps.size(), 5u);  // spread over several kinds of agent
  EXPECT_TRUE(ml->consensus.is_null());
  auto gated = parse_workflow_file(slurp(std::string(ORION_SOURCE_DIR) + "/examples/workflows/ml_pipeline_gated.yaml"), "g.yaml");
  EXPECT_EQ(gated->consensus.at("type"), "unanimous");
  EXPECT_EQ(gated->consensus.at("capability"), "approve");
}

}  // namespace
}  // namespace orion::cli
