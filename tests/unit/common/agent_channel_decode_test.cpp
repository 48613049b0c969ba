// The agent channel's packed readers, Assign::from_packed, TaskProgress::from_packed and
// TaskResult::from_packed (generated from common/protocol.toml, hot = true and packed = true),
// against the Json path (decode_value, the "is it a map" check of decode_frame_views, then
// from_body): the same messages accepted, the same first error (code and message) for everything
// refused, on hand-made bodies and thousands of random mutations.
#include "common/messages.h"

#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "tests/unit/common/differential.h"

namespace orion {
namespace {

template <class M>
void expect_same(const std::string& body, Result<M> (*packed)(std::string_view)) {
  EXPECT_EQ(testing::outcome(packed(body)), testing::outcome(testing::reference<M>(body)));
}

// Every field of `good` set to each wrong kind of value, and removed.
template <class M>
void expect_same_for_field_edits(const Json& good, Result<M> (*packed)(std::string_view)) {
  const Json wrong[] = {nullptr, 7, -3, 2.5, true, "s", Json::array({1}), Json::object({{"k", 1}}),
                        std::string(5000, 'x'), 1'000'001, 0};
  for (auto it = good.begin(); it != good.end(); ++it) {
    SCOPED_TRACE(it.key());
    Json j = good;
    j.erase(it.key());
    expect_same(encode_value(j), packed);
    for (const auto& w : wrong) {
      j = good;
      j[it.key()] = w;
      expect_same(encode_value(j), packed);
    }
  }
  expect_same(encode_value(Json::array({1})), packed);
  expect_same(encode_value(Json::object()), packed);
}

template <class M>
void expect_same_for_mutations(const std::string& base, Result<M> (*packed)(std::string_view)) {
  std::mt19937_64 rng(99);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string body = testing::mutate(base, rng);
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same(body, packed);
    refused += !packed(body).ok();
  }
  EXPECT_GT(refused, 600);  // the mutations did reach the refusal paths
}

Assign sample_assign() {
  Assign a;
  a.task_id = "t12";
  a.attempt = 2;
  a.type = "echo";
  a.input = {{"x", 1}, {"list", {1, 2.5, "s", nullptr, true}}};
  a.metadata = {{"team", "ml"}};
  a.timeout_ms = 2500;
  a.deps = {{"t3", {{"out", 1}}}};
  return a;
}

TEST(AgentChannelDecodeTest, AssignReadsAsTheJsonPathReadsIt) {
  Assign a = sample_assign();
  auto r = Assign::from_packed(encode_value(a.to_body()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->to_body(), a.to_body());
  expect_same_for_field_edits(a.to_body(), &Assign::from_packed);
  expect_same_for_mutations(encode_value(a.to_body()), &Assign::from_packed);
}

TEST(AgentChannelDecodeTest, TaskProgressReadsAsTheJsonPathReadsIt) {
  TaskProgress p{"t12", 3, 12.5, "started"};
  auto r = TaskProgress::from_packed(p.to_packed());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->to_body(), p.to_body());
  expect_same_for_field_edits(p.to_body(), &TaskProgress::from_packed);
  expect_same_for_mutations(p.to_packed(), &TaskProgress::from_packed);
}

TEST(AgentChannelDecodeTest, TaskResultReadsAsTheJsonPathReadsIt) {
  TaskResult ok{"t7", 1, true, Json{{"echo", {1, 2.5, "x", nullptr}}}, ""};
  auto r = TaskResult::from_packed(ok.to_packed());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->to_body(), ok.to_body());
  expect_same_for_field_edits(ok.to_body(), &TaskResult::from_packed);
  expect_same_for_mutations(ok.to_packed(), &TaskResult::from_packed);
  TaskResult failed{"t8", 2, false, Json(), "it broke"};
  expect_same(failed.to_packed(), &TaskResult::from_packed);
  // An output over the bound is refused by both, as TOO_LARGE.
  TaskResult big{"t9", 1, true, Json{{"blob", std::string(kMaxInputBytes, 'b')}}, ""};
  expect_same(big.to_packed(), &TaskResult::from_packed);
  EXPECT_EQ(TaskResult::from_packed(big.to_packed()).error().code, ErrorCode::TOO_LARGE);
}

}  // namespace
}  // namespace orion
