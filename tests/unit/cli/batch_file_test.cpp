// The batch file of `orionctl submit --batch`: what a good file becomes, and how a bad one is
// refused (one line naming the entry and the field).
#include "cli/batch_file.h"

#include <gtest/gtest.h>

namespace orion::cli {
namespace {

// The message of the error parse_batch gives for `text` (fails the test if it parses).
std::string error_of(const std::string& text) {
  auto r = parse_batch(text);
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
  return r.error().message;
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack) << " lacks: " << (needle)

TEST(BatchFileTest, AGoodFileGivesOneEntryPerTaskWithEveryFieldCarried) {
  auto r = parse_batch(R"([
    {"key": "collect", "name": "collect data", "type": "echo", "capabilities": ["text", "io"],
     "priority": "high", "timeout": 2.5, "input": {"x": 1}, "metadata": {"team": "ml"}},
    {"key": "train", "type": "train", "priority": 4, "retries": 3, "depends_on": ["collect", "t17"],
     "prefer": ["gpu-1"], "exclude": ["cpu-9", "cpu-8"], "backoff": "exponential",
     "idempotency_key": "train-2024", "unschedulable_timeout": 30}
  ])");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);

  const BatchEntry& collect = (*r)[0];
  EXPECT_EQ(collect.key, "collect");
  EXPECT_EQ(collect.spec.name, "collect data");
  EXPECT_EQ(collect.spec.type, "echo");
  EXPECT_EQ(collect.spec.capabilities, (std::vector<std::string>{"text", "io"}));
  EXPECT_EQ(collect.spec.priority, Priority::HIGH);
  EXPECT_EQ(collect.spec.timeout_ms, 2500);
  EXPECT_EQ(collect.spec.input, (Json{{"x", 1}}));
  EXPECT_EQ(collect.spec.metadata, (Json{{"team", "ml"}}));
  EXPECT_TRUE(collect.spec.depends_on.empty());
  EXPECT_EQ(collect.spec.retries, 0);
  EXPECT_EQ(collect.spec.unschedulable_timeout_ms, -1) << "absent: the scheduler's default";

  const BatchEntry& train = (*r)[1];
  EXPECT_EQ(train.key, "train");
  EXPECT_EQ(train.spec.priority, Priority::CRITICAL);
  EXPECT_EQ(train.spec.retries, 3);
  EXPECT_EQ(train.spec.depends_on, (std::vector<std::string>{"collect", "t17"})) << "keys and ids kept as written";
  EXPECT_EQ(train.spec.preferred_agents, (std::vector<std::string>{"gpu-1"}));
  EXPECT_EQ(train.spec.excluded_agents, (std::vector<std::string>{"cpu-9", "cpu-8"}));
  EXPECT_EQ(train.spec.retry.kind, BackoffKind::EXPONENTIAL);
  EXPECT_EQ(train.spec.idempotency_key, "train-2024");
  EXPECT_EQ(train.spec.unschedulable_timeout_ms, 30'000);
  EXPECT_TRUE(train.spec.input.is_null());
}

TEST(BatchFileTest, PrioritiesAreReadByNameInAnyCaseAndByNumber) {
  auto r = parse_batch(R"([{"key": "a", "type": "t", "priority": "urgent"},
                           {"key": "b", "type": "t", "priority": "LOW"},
                           {"key": "c", "type": "t", "priority": 1},
                           {"key": "d", "type": "t", "priority": 5},
                           {"key": "e", "type": "t", "priority": "3"},
                           {"key": "f", "type": "t"}])");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  std::vector<Priority> got;
  for (const auto& e : *r) got.push_back(e.spec.priority);
  EXPECT_EQ(got, (std::vector<Priority>{Priority::URGENT, Priority::LOW, Priority::LOW, Priority::URGENT,
                                        Priority::HIGH, Priority::NORMAL}));
}

TEST(BatchFileTest, TimeoutSecondsBecomeRoundedMilliseconds) {
  auto r = parse_batch(R"([{"key": "a", "type": "t", "timeout": 0.0015},
                           {"key": "b", "type": "t", "timeout": 60},
                           {"key": "c", "type": "t", "timeout": 0}])");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].spec.timeout_ms, 2);
  EXPECT_EQ((*r)[1].spec.timeout_ms, 60'000);
  EXPECT_EQ((*r)[2].spec.timeout_ms, 0);
}

TEST(BatchFileTest, ABackoffObjectGivesSecondsAsMillisecondsAndItsJitter) {
  auto r = parse_batch(R"([{"key": "a", "type": "t", "retries": 2,
                            "backoff": {"kind": "fixed", "initial": 0.05, "max": 2, "multiplier": 3,
                                        "jitter": 0.25}}])");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const RetryPolicy& p = (*r)[0].spec.retry;
  EXPECT_EQ(p.kind, BackoffKind::FIXED);
  EXPECT_EQ(p.initial_ms, 50);
  EXPECT_EQ(p.max_ms, 2000);
  EXPECT_EQ(p.multiplier, 3.0);
  EXPECT_EQ(p.jitter, 0.25);
}

TEST(BatchFileTest, ASingleStringIsAcceptedWhereAListIsExpected) {
  auto r = parse_batch(R"([{"key": "a", "type": "t"}, {"key": "b", "type": "t", "depends_on": "a"}])");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[1].spec.depends_on, (std::vector<std::string>{"a"}));
}

TEST(BatchFileTest, ABadPriorityNamesTheEntryByIndexAndKeyAndTheField) {
  auto m = error_of(R"([{"key": "a", "type": "t"}, {"key": "b", "type": "t", "priority": "mega"}])");
  EXPECT_CONTAINS(m, "entry 1");
  EXPECT_CONTAINS(m, "'b'");
  EXPECT_CONTAINS(m, "priority");
  m = error_of(R"([{"key": "a", "type": "t", "priority": 6}])");
  EXPECT_CONTAINS(m, "entry 0 (key 'a')");
  EXPECT_CONTAINS(m, "field 'priority'");
}

TEST(BatchFileTest, EachBadFieldIsNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type": "t"})", "field 'key': is required"},
      {R"({"key": "", "type": "t"})", "field 'key'"},
      {R"({"key": 7, "type": "t"})", "field 'key'"},
      {R"({"key": "k"})", "field 'type': is required"},
      {R"({"key": "k", "type": ""})", "field 'type'"},
      {R"({"key": "k", "type": "t", "timeout": -1})", "field 'timeout'"},
      {R"({"key": "k", "type": "t", "timeout": "10 seconds"})", "field 'timeout'"},
      {R"({"key": "k", "type": "t", "timeout": true})", "field 'timeout'"},
      {R"({"key": "k", "type": "t", "retries": -1})", "field 'retries'"},
      {R"({"key": "k", "type": "t", "retries": 1.5})", "field 'retries'"},
      {R"({"key": "k", "type": "t", "metadata": [1]})", "field 'metadata'"},
      {R"({"key": "k", "type": "t", "capabilities": [1]})", "field 'capabilities[0]'"},
      {R"({"key": "k", "type": "t", "depends_on": ["a", ""]})", "field 'depends_on[1]'"},
      {R"({"key": "k", "type": "t", "depends_on": {"a": 1}})", "field 'depends_on'"},
      {R"({"key": "k", "type": "t", "backoff": "linear"})", "field 'backoff'"},
      {R"({"key": "k", "type": "t", "backoff": {"jitter": 2}})", "field 'backoff.jitter'"},
      {R"({"key": "k", "type": "t", "backoff": {"initial": 5, "max": 1}})", "field 'backoff.max'"},
      {R"({"key": "k", "type": "t", "backoff": {"kind": "fixed", "delay": 1}})", "field 'backoff.delay'"},
      {R"({"key": "k", "type": "t", "prefer": "x", "exclude": [null]})", "field 'exclude[0]'"},
      {R"({"key": "k", "type": "t", "dependson": ["a"]})", "field 'dependson': is not a known field"},
  };
  for (const auto& [entry, want] : cases) {
    auto m = error_of("[" + entry + "]");
    EXPECT_CONTAINS(m, "entry 0");
    EXPECT_CONTAINS(m, want);
  }
}

TEST(BatchFileTest, ADuplicateKeyIsRefusedNamingTheSecondEntry) {
  auto m = error_of(R"([{"key": "a", "type": "t"}, {"key": "b", "type": "t"}, {"key": "a", "type": "t"}])");
  EXPECT_CONTAINS(m, "entry 2 (key 'a')");
  EXPECT_CONTAINS(m, "field 'key'");
}

TEST(BatchFileTest, AFileThatIsNotAnArrayOfObjectsIsRefused) {
  EXPECT_CONTAINS(error_of("{nope"), "not valid JSON");
  EXPECT_CONTAINS(error_of(R"({"key": "a", "type": "t"})"), "array");
  EXPECT_CONTAINS(error_of("[]"), "no tasks");
  EXPECT_CONTAINS(error_of(R"([{"key": "a", "type": "t"}, 3])"), "entry 1: must be a JSON object");
}

}  // namespace
}  // namespace orion::cli
