// Tests of common/stats_messages.*: SCHEDULER_STATS_OK and PROPOSAL_STATS_OK survive the wire
// path, PROPOSAL_STATS_OK's wire form is frozen, bad fields are refused naming the field.
#include "common/stats_messages.h"

#include <gtest/gtest.h>

#include "common/envelope.h"
#include "common/messages.h"

namespace orion {
namespace {

static_assert(static_cast<int>(MsgType::PROPOSAL_STATS) == 74 && static_cast<int>(MsgType::PROPOSAL_STATS_OK) == 75);
static_assert(static_cast<int>(MsgType::SCHEDULER_STATS) == 98 && static_cast<int>(MsgType::SCHEDULER_STATS_OK) == 99);

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {d[c >> 4], d[c & 0xf]};
  return out;
}

template <class M>
Result<M> round_trip(const M& m, MsgType type) {
  auto envelope = decode_frames(encode_frames(Envelope{type, "r", m.to_body()}));
  if (!envelope) return envelope.error();
  return M::from_body(envelope->body);
}

SchedulerStatsOk sample() {
  SchedulerStatsOk s;
  s.total = 7;
  s.by_state = {{"COMPLETED", 5}, {"PENDING", 2}};
  s.by_priority = {{"NORMAL", 6}, {"URGENT", 1}};
  s.types = {TypeStats{"echo", 5, 5, 5, 1.5, 9, 2, 4}};
  s.waiting = {WaitingClass{{"quantum"}, 2, 1200}};
  return s;
}

TEST(StatsMessages, SchedulerStatsRoundTrip) {
  auto back = round_trip(sample(), MsgType::SCHEDULER_STATS_OK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->to_body(), sample().to_body());
  EXPECT_EQ(back->types.at(0).wait_p50_ms, 1.5);
  EXPECT_EQ(back->waiting.at(0).capabilities, std::vector<std::string>{"quantum"});
  EXPECT_STREQ(to_string(MsgType::SCHEDULER_STATS), "SCHEDULER_STATS");
}

TEST(StatsMessages, ProposalStatsWireFormIsFrozen) {
  ProposalStatsOk p;
  p.total = 1;
  p.by_outcome = {{"APPROVED", 1}};
  p.by_type = {{"MAJORITY", {{"APPROVED", 1}}}};
  auto frames = encode_frames(Envelope{MsgType::PROPOSAL_STATS_OK, "r", p.to_body()});
  EXPECT_EQ(hex(frames[1]), "4b");
  EXPECT_EQ(hex(frames[3]), "83"
                            "aa" + hex("by_outcome") + "81" "a8" + hex("APPROVED") + "01"
                            "a7" + hex("by_type") + "81" "a8" + hex("MAJORITY") + "81" "a8" + hex("APPROVED") + "01"
                            "a5" + hex("total") + "01");
  auto back = round_trip(p, MsgType::PROPOSAL_STATS_OK);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->by_type.at("MAJORITY").at("APPROVED"), 1);
}

TEST(StatsMessages, BadFieldsAreRefusedNamingTheField) {
  Json b = sample().to_body();
  b["by_state"]["PENDING"] = -1;
  EXPECT_NE(SchedulerStatsOk::from_body(b).error().message.find("by_state"), std::string::npos);
  b = sample().to_body();
  b["types"][0]["wait_p50_ms"] = "soon";
  EXPECT_NE(SchedulerStatsOk::from_body(b).error().message.find("wait_p50_ms"), std::string::npos);
  b = sample().to_body();
  b["waiting"] = Json::array();
  for (int i = 0; i < 1025; ++i) b["waiting"].push_back(WaitingClass{}.to_json());
  EXPECT_NE(SchedulerStatsOk::from_body(b).error().message.find("waiting"), std::string::npos);
  Json p = ProposalStatsOk{}.to_body();
  p["by_type"] = {{"MAJORITY", {{"APPROVED", 1.5}}}};
  EXPECT_EQ(ProposalStatsOk::from_body(p).error().code, ErrorCode::INVALID_ARGUMENT);
  // A body that is not a map is MALFORMED, as for every other message (this reader once said
  // INVALID_ARGUMENT).
  EXPECT_EQ(ProposalStatsOk::from_body(Json::array()).error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(SchedulerStatsOk::from_body(Json("x")).error().code, ErrorCode::MALFORMED);
}

}  // namespace
}  // namespace orion
