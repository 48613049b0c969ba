// Tests of common/reply_bound.*: list replies over the body limit are paged (LIST_TASKS) or
// truncated with a marker (WAIT_TASKS, AGENT_LIST), and stay under the limit.
#include "common/reply_bound.h"

#include <gtest/gtest.h>

namespace orion {
namespace {

constexpr std::size_t kLimit = 64 << 10;  // a small limit: the same code as 16 MiB

Json task(const std::string& id, std::size_t input_bytes) {
  return {{"task_id", id},
          {"state", 1},
          {"type", "echo"},
          {"input", std::string(input_bytes, 'i')},
          {"output", nullptr},
          {"error", ""},
          {"history", Json::array()}};
}

Json decode(const std::string& s) {
  CodecLimits l;
  return *decode_value(s.data(), s.size(), l);
}

TEST(ReplyBound, AReplyThatFitsIsSentAsIs) {
  Json body{{"tasks", Json::array({task("t1", 10), task("t2", 10)})}, {"next", ""}};
  EXPECT_EQ(fit_list_reply(body, kTaskPage, kLimit), encode_value(body));
  EXPECT_EQ(fit_packed_list_reply(encode_value(body), kTaskGroup, kLimit), encode_value(body));
}

TEST(ReplyBound, APageOverTheLimitEndsEarlyAndNextGoesOnFromThere) {
  Json tasks = Json::array();
  for (int i = 1; i <= 10; ++i) tasks.push_back(task("t" + std::to_string(i), 20'000));
  std::string out = fit_list_reply(Json{{"tasks", tasks}, {"next", ""}}, kTaskPage, kLimit);
  EXPECT_LE(out.size(), kLimit);
  Json page = decode(out);
  ASSERT_EQ(page["tasks"].size(), 3u);  // 3 x 20 KB fit in 64 KiB less the margin
  EXPECT_EQ(page["next"], "t3");
  EXPECT_FALSE(page.contains("truncated"));
  EXPECT_EQ(page["tasks"][2]["input"].get<std::string>().size(), 20'000u);  // whole
}

TEST(ReplyBound, AFirstTaskOverTheLimitAloneIsSentSlimmedAndNamed) {
  Json tasks = Json::array({task("t1", 100'000), task("t2", 10)});
  Json page = decode(fit_list_reply(Json{{"tasks", tasks}, {"next", ""}}, kTaskPage, kLimit));
  ASSERT_EQ(page["tasks"].size(), 1u);
  EXPECT_FALSE(page["tasks"][0].contains("input"));
  EXPECT_EQ(page["truncated"], Json::array({"t1"}));
  EXPECT_EQ(page["next"], "t1");
}

TEST(ReplyBound, ACompleteListKeepsEveryItemSlimmingThoseOverTheLimit) {
  Json tasks = Json::array();
  for (int i = 1; i <= 10; ++i) tasks.push_back(task("t" + std::to_string(i), 20'000));
  std::string out = fit_packed_list_reply(encode_value(Json{{"tasks", tasks}, {"next", ""}}), kTaskGroup, kLimit);
  EXPECT_LE(out.size(), kLimit);
  Json all = decode(out);
  ASSERT_EQ(all["tasks"].size(), 10u);  // in the order asked
  for (int i = 0; i < 10; ++i) EXPECT_EQ(all["tasks"][i]["task_id"], "t" + std::to_string(i + 1));
  EXPECT_EQ(all["truncated"], Json::array({"t4", "t5", "t6", "t7", "t8", "t9", "t10"}));
  EXPECT_EQ(all["next"], "");
  EXPECT_FALSE(all.contains("omitted"));
}

TEST(ReplyBound, AgentsLoseTheirLabelsPastTheLimit) {
  Json agents = Json::array();
  for (int i = 1; i <= 4; ++i) {
    agents.push_back({{"agent_id", "a" + std::to_string(i)}, {"labels", {{"blob", std::string(30'000, 'l')}}}});
  }
  Json all = decode(fit_list_reply(Json{{"agents", agents}}, kAgentList, kLimit));
  ASSERT_EQ(all["agents"].size(), 4u);
  EXPECT_EQ(all["agents"][3]["labels"], Json::object());
  EXPECT_EQ(all["truncated"], Json::array({"a3", "a4"}));
}

}  // namespace
}  // namespace orion
