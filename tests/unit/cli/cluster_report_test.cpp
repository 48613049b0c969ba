// `orionctl cluster`'s merge of several registries' CLUSTER_INFO answers.
#include "cli/cluster_report.h"

#include <gtest/gtest.h>

namespace orion::cli {
namespace {

ReplicaView replica(std::int64_t id, const std::string& role, std::int64_t term, std::int64_t commit,
                    std::int64_t applied, std::int64_t age_ms, bool leader) {
  ReplicaView v;
  v.id = id;
  v.role = role;
  v.term = term;
  v.commit_index = commit;
  v.applied_index = applied;
  v.endpoint = "tcp://s" + std::to_string(id) + ":7200";
  v.last_seen_age_ms = age_ms;
  v.leader = leader;
  return v;
}

TEST(ClusterReport, ListsEveryRegistryAndMergesReplicasByIdWithTheFreshestView) {
  ClusterInfo a;
  a.registry = "tcp://r1:7100";
  a.events_sub = "tcp://r1:7102";
  a.agents_up = 2;
  a.scheduler = {replica(1, "leader", 5, 100, 100, 300, true), replica(2, "follower", 5, 90, 80, 100, false)};
  ClusterInfo b;
  b.registry = "tcp://r2:7100";
  b.scheduler = {replica(1, "leader", 5, 110, 105, 50, true), replica(3, "follower", 5, 100, 95, 20, false)};
  std::vector<RegistryReply> replies = {{"tcp://r1:7100", a},
                                        {"tcp://r2:7100", b},
                                        {"tcp://r3:7100", make_error(ErrorCode::UNAVAILABLE, "no answer")}};
  Json j = cluster_report(replies);
  ASSERT_EQ(j["registries"].size(), 3u);
  EXPECT_EQ(j["registries"][0]["up"], true);
  EXPECT_EQ(j["registries"][0]["agents_up"], 2);
  EXPECT_EQ(j["registries"][2]["up"], false);
  EXPECT_EQ(j["registries"][2]["endpoint"], "tcp://r3:7100");
  EXPECT_NE(j["registries"][2]["error"].get<std::string>().find("no answer"), std::string::npos);
  ASSERT_EQ(j["scheduler"].size(), 3u);
  // Replica 1 as registry 2 heard it last (50 ms ago): commit 110.
  EXPECT_EQ(j["scheduler"][0]["id"], 1);
  EXPECT_EQ(j["scheduler"][0]["commit_index"], 110);
  EXPECT_EQ(j["scheduler"][0]["leader"], true);
  EXPECT_EQ(j["scheduler"][0]["lag"], 5);
  EXPECT_EQ(j["scheduler"][1]["lag"], 30) << "leader's commit 110 minus applied 80";
  EXPECT_EQ(j["scheduler"][2]["lag"], 15);
  EXPECT_EQ(j["scheduler"][2]["leader"], false);
  EXPECT_TRUE(j["consensus"].empty());
  auto table = cluster_table(j);
  EXPECT_NE(table.find("tcp://r3:7100"), std::string::npos);
  EXPECT_NE(table.find("leader*"), std::string::npos);
}

TEST(ClusterReport, TheLeaderWithTheHighestTermIsUsedForLagAndNoLeaderMeansNullLag) {
  ClusterInfo a;
  a.registry = "r1";
  a.consensus = {replica(1, "leader", 3, 50, 50, 10, true)};
  ClusterInfo b;
  b.registry = "r2";
  b.consensus = {replica(2, "leader", 4, 70, 70, 10, true)};
  Json j = cluster_report({{"r1", a}, {"r2", b}});
  ASSERT_EQ(j["consensus"].size(), 2u);
  EXPECT_EQ(j["consensus"][0]["leader"], false) << "a deposed leader, term 3";
  EXPECT_EQ(j["consensus"][0]["lag"], 20);
  EXPECT_EQ(j["consensus"][1]["leader"], true);

  ClusterInfo c;
  c.registry = "r1";
  c.scheduler = {replica(1, "follower", 2, 5, 5, 10, true)};  // named for want of a leader
  Json k = cluster_report({{"r1", c}});
  EXPECT_TRUE(k["scheduler"][0]["lag"].is_null());
  EXPECT_EQ(k["scheduler"][0]["leader"], false);
}

}  // namespace
}  // namespace orion::cli
