// The registry's replica table on a ManualClock: expiry and the choice of leader.
#include "services/registry/replica_table.h"

#include <gtest/gtest.h>

namespace orion::registry {
namespace {

Announce replica(std::int64_t id, const std::string& role, std::int64_t term, const std::string& service = "scheduler") {
  Announce a;
  a.service = service;
  a.endpoints = {{"client", "tcp://s" + std::to_string(id) + ":7200"}, {"agent", "tcp://s" + std::to_string(id) + ":7201"}};
  a.id = id;
  a.role = role;
  a.term = term;
  a.commit_index = 10 * id;
  a.applied_index = 9 * id;
  return a;
}

class ReplicaTableTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(table.check_invariants(), ""); }
  ManualClock clock{1000};
  ReplicaTable table{clock, 3000};
};

TEST_F(ReplicaTableTest, TheLeaderIsTheLiveLeaderWithTheHighestTerm) {
  ASSERT_TRUE(table.announce(replica(1, "leader", 4)).ok());
  ASSERT_TRUE(table.announce(replica(2, "follower", 5)).ok());
  ASSERT_TRUE(table.announce(replica(3, "leader", 3)).ok());  // a deposed leader, not yet told
  ASSERT_NE(table.leader("scheduler"), nullptr);
  EXPECT_EQ(table.leader("scheduler")->said.id, 1) << "a follower's higher term does not make it leader";
  ASSERT_TRUE(table.announce(replica(2, "leader", 6)).ok());
  EXPECT_EQ(table.leader("scheduler")->said.id, 2);
  EXPECT_EQ(table.leader("consensus"), nullptr);
}

TEST_F(ReplicaTableTest, AmongEqualTermsTheLastAnnouncedLeads) {
  ASSERT_TRUE(table.announce(replica(1, "leader", 7)).ok());
  ASSERT_TRUE(table.announce(replica(2, "leader", 7)).ok());
  EXPECT_EQ(table.leader("scheduler")->said.id, 2);
  auto again = table.announce(replica(1, "leader", 7));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->leader_changed);
  EXPECT_FALSE(again->added);
  EXPECT_EQ(table.leader("scheduler")->said.id, 1);
}

TEST_F(ReplicaTableTest, ReplicasExpireAfterTheirSilenceAndTheLeaderMovesOn) {
  ASSERT_TRUE(table.announce(replica(1, "leader", 2)).ok());
  ASSERT_TRUE(table.announce(replica(2, "follower", 2)).ok());
  clock.advance(2000);
  ASSERT_TRUE(table.announce(replica(2, "follower", 2)).ok());  // 2 keeps announcing, 1 went silent
  clock.advance(999);
  EXPECT_TRUE(table.expire().empty()) << "1 was seen 2999 ms ago: still live";
  EXPECT_EQ(table.leader("scheduler")->said.id, 1);
  clock.advance(1);
  auto gone = table.expire();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0], "scheduler id:1");
  // No replica may lead: the last one announced is named (it redirects to the leader).
  ASSERT_NE(table.leader("scheduler"), nullptr);
  EXPECT_EQ(table.leader("scheduler")->said.id, 2);
  clock.advance(3000);
  EXPECT_EQ(table.expire().size(), 1u);
  EXPECT_EQ(table.leader("scheduler"), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

TEST_F(ReplicaTableTest, AReplicaWithoutIdIsKeyedByItsClientEndpointAndReadAsSingle) {
  Announce a{"scheduler", {{"client", "tcp://a:7200"}, {"agent", "tcp://a:7201"}}};
  Announce b{"scheduler", {{"client", "tcp://b:7200"}, {"agent", "tcp://b:7201"}}};
  ASSERT_TRUE(table.announce(a).ok());
  ASSERT_TRUE(table.announce(b).ok());
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.leader("scheduler")->said.endpoints.at("client"), "tcp://b:7200") << "last writer wins";
  auto views = table.views("scheduler");
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].role, "single");
  EXPECT_EQ(views[0].endpoint, "tcp://a:7200");
  EXPECT_FALSE(views[0].leader);
  EXPECT_TRUE(views[1].leader);
}

TEST_F(ReplicaTableTest, ViewsCarryWhatWasAnnouncedAndTheAge) {
  ASSERT_TRUE(table.announce(replica(2, "follower", 3)).ok());
  ASSERT_TRUE(table.announce(replica(1, "leader", 3)).ok());
  clock.advance(250);
  auto views = table.views("scheduler");
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].id, 1);
  EXPECT_TRUE(views[0].leader);
  EXPECT_EQ(views[0].commit_index, 10);
  EXPECT_EQ(views[0].applied_index, 9);
  EXPECT_EQ(views[0].last_seen_age_ms, 250);
  EXPECT_EQ(views[1].id, 2);
  EXPECT_EQ(views[1].role, "follower");
  EXPECT_EQ(views[1].endpoint, "tcp://s2:7200");
}

TEST_F(ReplicaTableTest, ATableFullOfOneServiceRefusesANewReplicaButServesTheOthers) {
  for (std::int64_t id = 1; id <= static_cast<std::int64_t>(kMaxReplicasPerService); ++id) {
    ASSERT_TRUE(table.announce(replica(id, "follower", 1)).ok());
  }
  auto refused = table.announce(replica(1000, "leader", 9));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_TRUE(table.announce(replica(5, "leader", 9)).ok()) << "a listed replica still announces";
  EXPECT_TRUE(table.announce(replica(1, "leader", 1, "consensus")).ok()) << "another service has its own bound";
  EXPECT_EQ(table.leader("scheduler")->said.id, 5);
}

}  // namespace
}  // namespace orion::registry
