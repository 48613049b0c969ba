// SubmitBatch::from_packed against the reference path it replaces (decode_value, the "is it a
// map" check of decode_frame_views, then SubmitBatch::from_body): the same batches accepted,
// the same first error (code and message) for everything refused, on hand-made cases and on
// thousands of random mutations of valid bodies.
#include <gtest/gtest.h>

#include <random>

#include "common/messages.h"
#include "tests/unit/common/differential.h"

namespace orion {
namespace {

void expect_same(const std::string& body) {
  EXPECT_EQ(testing::outcome(SubmitBatch::from_packed(body)), testing::outcome(testing::reference<SubmitBatch>(body)));
}

std::string pack(const Json& j) { return encode_value(j); }

// Raw bytes from a literal, NULs included.
template <std::size_t N>
std::string bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

SubmitBatch sample() {
  SubmitBatch b;
  BatchEntry a{"a", {}};
  a.spec.type = "echo";
  a.spec.name = "first";
  a.spec.capabilities = {"gpu", "text"};
  a.spec.input = {{"x", 1}, {"list", {1, 2.5, "s", nullptr, true}}};
  a.spec.metadata = {{"team", "ml"}};
  a.spec.priority = Priority::HIGH;
  a.spec.timeout_ms = 2500;
  a.spec.retries = 3;
  a.spec.retry.kind = BackoffKind::EXPONENTIAL;
  a.spec.retry.jitter = 0.25;
  a.spec.idempotency_key = "k-1";
  a.spec.unschedulable_timeout_ms = 0;
  a.spec.result_ttl_ms = 0;
  a.spec.delay_ms = 600'000;
  a.spec.on_exhausted = "park";
  BatchEntry b2{"b", {}};
  b2.spec.not_before_ms = 1'800'000'000'000;
  b2.spec.type = "train";
  b2.spec.depends_on = {"a", "t17"};
  b2.spec.preferred_agents = {"p1"};
  b2.spec.excluded_agents = {"x1", "x2"};
  b.tasks = {a, b2};
  return b;
}

TEST(BatchDecodeTest, AValidBatchDecodesToWhatTheJsonPathGives) {
  auto body = pack(sample().to_body());
  auto direct = SubmitBatch::from_packed(body);
  ASSERT_TRUE(direct.ok()) << direct.error().to_string();
  EXPECT_EQ(testing::outcome(direct), testing::outcome(testing::reference<SubmitBatch>(body)));
  EXPECT_EQ(direct->tasks[1].spec.depends_on, (std::vector<std::string>{"a", "t17"}));
  EXPECT_EQ(direct->tasks[0].spec.retry.kind, BackoffKind::EXPONENTIAL);
}

TEST(BatchDecodeTest, EveryHandMadeRefusalHasTheSameCodeAndMessage) {
  Json task = {{"type", "echo"}};
  std::vector<std::string> bodies = {
      "",                                             // empty value
      bytes("\xc1"),                                 // never-used msgpack byte
      bytes("\x81\xa5tasks"),                         // truncated
      pack(Json::array()),                            // not a map
      pack(Json{{"tasks", 1}}),
      pack(Json{{"tasks", nullptr}}),
      pack(Json{{"tasks", Json::array()}}),
      pack(Json{{"other", 1}}),
      pack(Json{{"tasks", {1}}}),
      pack(Json{{"tasks", {Json::object()}}}),
      pack(Json{{"tasks", {{{"key", 5}, {"task", task}}}}}),
      pack(Json{{"tasks", {{{"key", ""}, {"task", task}}}}}),
      pack(Json{{"tasks", {{{"key", std::string(300, 'k')}, {"task", task}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", nullptr}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", 3}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", Json::object()}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", ""}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"priority", 9}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"priority", 2.5}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"priority", -1}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"timeout_ms", UINT64_MAX}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"capabilities", "gpu"}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"capabilities", {1}}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"depends_on", {std::string(300, 'd')}}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"metadata", 1}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"retry", 1}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"retry", {{"kind", 7}}}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"input", std::string(kMaxInputBytes, 'i')}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", 1}, {"name", 2}}}}}}}),  // the first bad field wins
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"name", nullptr}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"result_ttl_ms", -2}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"result_ttl_ms", kMaxRetentionMs + 1}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"result_ttl_ms", "1h"}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"delay_ms", 5}, {"not_before_ms", 5}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"delay_ms", kMaxDelayMs + 1}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"not_before_ms", -1}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"on_exhausted", "later"}}}}}}}),
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"on_exhausted", 1}}}}}}}),
  };
  // A non-string map key deep inside an input, and an ext value: the codec's own refusals.
  bodies.push_back(bytes("\x81\xa5tasks\x91\x82\xa3key\xa1" "a\xa4task\x82\xa4type\xa1" "e\xa5input\x81\x01\x02"));
  bodies.push_back(bytes("\x81\xa5tasks\x91\x82\xa3key\xa1" "a\xa4task\x82\xa4type\xa1" "e\xa5input\xd4\x01\x00"));
  bodies.push_back(pack(Json{{"tasks", {{{"key", "a"}, {"task", task}}}}}) + "x");  // trailing byte
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    SCOPED_TRACE("body " + std::to_string(i));
    expect_same(bodies[i]);
    EXPECT_FALSE(SubmitBatch::from_packed(bodies[i]).ok());
  }
}

TEST(BatchDecodeTest, ADelayAndAParkPolicyAreReadAsTheJsonPathReadsThem) {
  const std::string body =
      pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"delay_ms", 60'000}, {"on_exhausted", "park"}}}}}}});
  expect_same(body);
  auto b = SubmitBatch::from_packed(body);
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->tasks.at(0).spec.delay_ms, 60'000);
  EXPECT_EQ(b->tasks.at(0).spec.on_exhausted, "park");
}

TEST(BatchDecodeTest, ConsensusGatesOfTasksAndOfTheBatchAreReadAsTheJsonPathReadsThem) {
  Json task = {{"type", "deploy"}};
  Json gated = {{"type", "deploy"}, {"require_consensus", "UNANIMOUS"}};
  Json both = {{"type", "deploy"}, {"require_consensus", "UNANIMOUS"}, {"consensus", {{"type", "majority"}}}};
  std::vector<Json> bodies = {
      {{"tasks", {{{"key", "a"}, {"task", gated}}}}},
      {{"tasks", {{{"key", "a"}, {"task", both}}}}},
      {{"tasks", {{{"key", "a"}, {"task", {{"type", "deploy"}, {"consensus", 5}}}}}}},
      {{"tasks", {{{"key", "a"}, {"task", {{"type", "deploy"}, {"consensus", nullptr}}}}}}},
      {{"tasks", {{{"key", "a"}, {"task", task}}}}, {"consensus", {{"type", "majority"}, {"timeout_ms", 5000}}}},
      {{"tasks", {{{"key", "a"}, {"task", task}}}}, {"consensus", "weighted"}},
      {{"tasks", {{{"key", "a"}, {"task", task}}}}, {"consensus", 7}},
      {{"tasks", {{{"key", "a"}, {"task", task}}}}, {"consensus", nullptr}},
  };
  int accepted = 0;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    SCOPED_TRACE("body " + std::to_string(i) + ": " + bodies[i].dump());
    expect_same(pack(bodies[i]));
    accepted += SubmitBatch::from_packed(pack(bodies[i])).ok();
  }
  EXPECT_GE(accepted, 2);
  EXPECT_LT(accepted, static_cast<int>(bodies.size()));
}

TEST(BatchDecodeTest, NullFieldsCountAsAbsent) {
  auto body = pack(Json{{"tasks", {{{"key", "a"}, {"task", {{"type", "e"}, {"retry", nullptr}, {"name", nullptr}}}}}}});
  ASSERT_TRUE(SubmitBatch::from_packed(body).ok());
  expect_same(body);
}

TEST(BatchDecodeTest, RepeatedKeysAndUnknownFieldsAreReadAsTheJsonPathReadsThem) {
  // {"tasks": [{"key": "a", "task": {"type": "x", "type": "y", "extra": {"k": [1]}}, "other": 1}]}
  std::string body = bytes("\x81\xa5tasks\x91\x83\xa3key\xa1" "a\xa4task\x83\xa4type\xa1x\xa4type\xa1y\xa5" "extra\x81\xa1k\x91\x01"
                           "\xa5other\x01");
  auto r = SubmitBatch::from_packed(body);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->tasks[0].spec.type, "y");
  expect_same(body);
}

TEST(BatchDecodeTest, RandomMutationsOfValidBodiesGetTheSameAnswerFromBothDecoders) {
  std::mt19937_64 rng(1234);
  const std::string base = pack(sample().to_body());
  int refused = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string body = testing::mutate(base, rng);
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same(body);
    refused += !SubmitBatch::from_packed(body).ok();
  }
  EXPECT_GT(refused, 1000);  // the mutations did reach the refusal paths
}

}  // namespace
}  // namespace orion
