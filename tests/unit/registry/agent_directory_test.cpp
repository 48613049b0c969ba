// AgentDirectory in simulated time: every liveness edge is hit to the millisecond, no sleeping.
#include "services/registry/agent_directory.h"

#include <gtest/gtest.h>

#include "common/policy.h"

namespace orion::registry {
namespace {

constexpr std::int64_t kHeartbeatMs = 1000;
constexpr std::int64_t kLiveness = 3;
constexpr std::int64_t kDownAfterMs = kHeartbeatMs * kLiveness;

AgentSpec spec(const std::string& id, std::vector<std::string> caps = {"echo"}) {
  AgentSpec s;
  s.agent_id = id;
  s.capabilities = std::move(caps);
  s.capacity = 2;
  s.weight = 1.5;
  s.labels = {{"zone", "a"}};
  return s;
}

class AgentDirectoryTest : public ::testing::Test {
 protected:
  // The directory's invariants hold after every test, whatever it did.
  void TearDown() override { EXPECT_EQ(dir.check_invariants(), ""); }

  const AgentView* find(const std::vector<AgentView>& list, const std::string& id) {
    for (const auto& v : list) {
      if (v.spec.agent_id == id) return &v;
    }
    return nullptr;
  }

  ManualClock clock{5'000};
  AgentDirectory dir{clock, kHeartbeatMs, kLiveness};
};

TEST_F(AgentDirectoryTest, RegisteringANewAgentListsItUpAndNotReplaced) {
  auto outcome = dir.register_agent(spec("a1"));
  EXPECT_FALSE(outcome.replaced);
  auto list = dir.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].spec.agent_id, "a1");
  EXPECT_EQ(list[0].spec.capabilities, std::vector<std::string>{"echo"});
  EXPECT_EQ(list[0].spec.capacity, 2);
  EXPECT_EQ(list[0].state, "UP");
  EXPECT_EQ(list[0].load, 0);
  EXPECT_EQ(list[0].registered_ms, clock.wall_ms());
  EXPECT_EQ(list[0].last_seen_ms, clock.wall_ms());
}

TEST_F(AgentDirectoryTest, RegisteringAKnownIdReplacesTheSessionSpecAndLoad) {
  dir.register_agent(spec("a1", {"old"}));
  ASSERT_TRUE(dir.heartbeat("a1", 2).ok());
  clock.advance(10);
  auto outcome = dir.register_agent(spec("a1", {"new"}));
  EXPECT_TRUE(outcome.replaced);
  auto list = dir.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].spec.capabilities, std::vector<std::string>{"new"});
  EXPECT_EQ(list[0].load, 0);
  EXPECT_EQ(list[0].registered_ms, clock.wall_ms());
}

TEST_F(AgentDirectoryTest, HeartbeatFromAnUpAgentRenewsLivenessAndRecordsLoad) {
  dir.register_agent(spec("a1"));
  clock.advance(kDownAfterMs - 1);
  ASSERT_TRUE(dir.heartbeat("a1", 3).ok());
  clock.advance(kDownAfterMs - 1);  // 2 * kDownAfterMs - 2 since register, kDownAfterMs - 1 since heartbeat
  EXPECT_TRUE(dir.expire().down.empty());
  auto list = dir.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, "UP");
  EXPECT_EQ(list[0].load, 3);
  EXPECT_EQ(list[0].last_seen_ms, clock.wall_ms() - (kDownAfterMs - 1));
}

TEST_F(AgentDirectoryTest, AHeartbeatsResourcesAreListedUntilANewSessionAndOneWithoutKeepsThem) {
  dir.register_agent(spec("a1"));
  EXPECT_FALSE(dir.list()[0].resources) << "none before a heartbeat said";
  ASSERT_TRUE(dir.heartbeat("a1", 1, AgentResources{0.5, 64 << 20, 1}).ok());
  ASSERT_TRUE(dir.list()[0].resources);
  EXPECT_EQ(dir.list()[0].resources->cpu, 0.5);
  EXPECT_EQ(dir.list()[0].resources->memory_bytes, 64 << 20);
  EXPECT_EQ(dir.list()[0].resources->handlers, 1);
  ASSERT_TRUE(dir.heartbeat("a1", 1).ok());  // an older agent's heartbeat: the last figures stay
  EXPECT_EQ(dir.list()[0].resources->cpu, 0.5);
  dir.register_agent(spec("a1"));  // a new session: its process may be another
  EXPECT_FALSE(dir.list()[0].resources);
}

TEST_F(AgentDirectoryTest, AnAgentGoesDownAfterExactlyHeartbeatTimesLivenessAndNotOneMsSooner) {
  dir.register_agent(spec("a1"));
  const std::int64_t seen_wall_ms = clock.wall_ms();
  clock.advance(kDownAfterMs - 1);
  EXPECT_TRUE(dir.expire().down.empty());
  EXPECT_TRUE(dir.is_up("a1"));
  clock.advance(1);
  auto expiry = dir.expire();
  ASSERT_EQ(expiry.down.size(), 1u);
  EXPECT_EQ(expiry.down[0].agent_id, "a1");
  EXPECT_EQ(expiry.down[0].last_seen_wall_ms, seen_wall_ms);
  EXPECT_FALSE(dir.is_up("a1"));
  EXPECT_EQ(dir.list().at(0).state, "DOWN");
}

TEST_F(AgentDirectoryTest, ADownAgentIsReportedOnlyOnce) {
  dir.register_agent(spec("a1"));
  clock.advance(kDownAfterMs);
  EXPECT_EQ(dir.expire().down.size(), 1u);
  clock.advance(kDownAfterMs);
  EXPECT_TRUE(dir.expire().down.empty());
}

TEST_F(AgentDirectoryTest, RegularHeartbeatsKeepAnAgentUpIndefinitely) {
  dir.register_agent(spec("a1"));
  for (int i = 0; i < 1000; ++i) {
    clock.advance(kHeartbeatMs);
    ASSERT_TRUE(dir.heartbeat("a1", 0).ok());
    ASSERT_TRUE(dir.expire().down.empty());
  }
  EXPECT_TRUE(dir.is_up("a1"));
}

TEST_F(AgentDirectoryTest, HeartbeatFromAnUnknownAgentIsNotFoundAndAsksToRegister) {
  Status s = dir.heartbeat("ghost", 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(s.error().message, "agent ghost is not registered; register again");
  EXPECT_EQ(dir.size(), 0u);
}

TEST_F(AgentDirectoryTest, HeartbeatFromADownAgentIsRejectedAndDoesNotRevive) {
  dir.register_agent(spec("a1"));
  clock.advance(kDownAfterMs);
  dir.expire();
  Status s = dir.heartbeat("a1", 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::NOT_FOUND);
  EXPECT_FALSE(dir.is_up("a1"));
}

TEST_F(AgentDirectoryTest, RegisteringADownAgentBringsItBackUpAsAReplacement) {
  dir.register_agent(spec("a1"));
  clock.advance(kDownAfterMs);
  dir.expire();
  EXPECT_TRUE(dir.register_agent(spec("a1")).replaced);
  EXPECT_TRUE(dir.is_up("a1"));
  EXPECT_TRUE(dir.heartbeat("a1", 0).ok());
}

TEST_F(AgentDirectoryTest, DeregisterForgetsTheAgentAndAnUnknownIdIsNotFound) {
  dir.register_agent(spec("a1"));
  EXPECT_TRUE(dir.deregister("a1").ok());
  EXPECT_FALSE(dir.contains("a1"));
  EXPECT_TRUE(dir.list().empty());
  Status again = dir.deregister("a1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(dir.heartbeat("a1", 0).error().code, ErrorCode::NOT_FOUND);
}

TEST_F(AgentDirectoryTest, ADownAgentCanBeDeregistered) {
  dir.register_agent(spec("a1"));
  clock.advance(kDownAfterMs);
  dir.expire();
  EXPECT_TRUE(dir.deregister("a1").ok());
  EXPECT_EQ(dir.size(), 0u);
}

TEST_F(AgentDirectoryTest, ListIsSortedByAgentIdWhateverTheRegistrationOrder) {
  for (const char* id : {"m", "z", "a", "b10", "b2"}) dir.register_agent(spec(id));
  std::vector<std::string> ids;
  for (const auto& v : dir.list()) ids.push_back(v.spec.agent_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b10", "b2", "m", "z"}));
}

TEST_F(AgentDirectoryTest, DownAgentsStayListedForTenMinutesThenAreForgotten) {
  dir.register_agent(spec("dead"));
  clock.advance(kDownAfterMs);
  ASSERT_EQ(dir.expire().down.size(), 1u);
  dir.register_agent(spec("alive"));
  for (std::int64_t t = 0; t < kDownRetentionMs - 1; t += kHeartbeatMs) {
    clock.advance(std::min(kHeartbeatMs, kDownRetentionMs - 1 - t));
    ASSERT_TRUE(dir.heartbeat("alive", 0).ok());
    ASSERT_TRUE(dir.expire().forgotten.empty()) << "forgotten early at +" << t << " ms";
  }
  ASSERT_NE(find(dir.list(), "dead"), nullptr);
  EXPECT_EQ(find(dir.list(), "dead")->state, "DOWN");
  clock.advance(1);
  auto expiry = dir.expire();
  EXPECT_EQ(expiry.forgotten, std::vector<std::string>{"dead"});
  EXPECT_EQ(find(dir.list(), "dead"), nullptr);
  EXPECT_NE(find(dir.list(), "alive"), nullptr);
}

TEST_F(AgentDirectoryTest, PastKMaxDownAgentsTheAgentDownLongestIsForgottenFirst) {
  // Two waves: the first goes down a second before the second, which overflows the bound.
  const std::size_t extra = 5;
  for (std::size_t i = 0; i < extra; ++i) dir.register_agent(spec("old" + std::to_string(i)));
  clock.advance(1'000);
  for (std::size_t i = 0; i < kMaxDownAgents; ++i) dir.register_agent(spec("new" + std::to_string(i)));
  clock.advance(kDownAfterMs - 1'000);
  auto first = dir.expire();
  EXPECT_EQ(first.down.size(), extra);
  EXPECT_TRUE(first.forgotten.empty());
  clock.advance(1'000);
  auto second = dir.expire();
  EXPECT_EQ(second.down.size(), kMaxDownAgents);
  ASSERT_EQ(second.forgotten.size(), extra) << "long before kDownRetentionMs: forgotten by count";
  for (std::size_t i = 0; i < extra; ++i) {
    EXPECT_EQ(second.forgotten[i], "old" + std::to_string(i));
    EXPECT_FALSE(dir.contains("old" + std::to_string(i)));
  }
  EXPECT_EQ(dir.down_count(), kMaxDownAgents);
  EXPECT_EQ(dir.size(), kMaxDownAgents);
  // One coming back leaves the DOWN ones: the count bound counts DOWN agents only.
  dir.register_agent(spec("new0"));
  EXPECT_EQ(dir.down_count(), kMaxDownAgents - 1);
  EXPECT_TRUE(dir.is_up("new0"));
}

TEST_F(AgentDirectoryTest, ManyAgentsGoDownIndependently) {
  dir.register_agent(spec("early"));
  clock.advance(500);
  dir.register_agent(spec("late"));
  clock.advance(kDownAfterMs - 500);
  auto first = dir.expire();
  ASSERT_EQ(first.down.size(), 1u);
  EXPECT_EQ(first.down[0].agent_id, "early");
  clock.advance(499);
  EXPECT_TRUE(dir.expire().down.empty());
  clock.advance(1);
  auto second = dir.expire();
  ASSERT_EQ(second.down.size(), 1u);
  EXPECT_EQ(second.down[0].agent_id, "late");
}

TEST(AgentDirectory, RefusesAZeroHeartbeatOrLiveness) {
  ManualClock clock;
  EXPECT_THROW(AgentDirectory(clock, 0, 3), std::invalid_argument);
  EXPECT_THROW(AgentDirectory(clock, 1000, 0), std::invalid_argument);
}

// ---- The identity rule (common/agent_claim.h) at REGISTER, HEARTBEAT and DEREGISTER.

TEST_F(AgentDirectoryTest, ASecondProcessIsRefusedWhileTheIdIsUpAndAcceptedOnceItIsDown) {
  ASSERT_TRUE(dir.register_agent(spec("a1"), AgentClaim{"a1", "", "proc-1"}, nullptr).ok());
  clock.advance(kDownAfterMs - 1);
  auto refused = dir.register_agent(spec("a1", {"other"}), AgentClaim{"a1", "", "proc-2"}, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::ALREADY_EXISTS);
  EXPECT_EQ(find(dir.list(), "a1")->spec.capabilities, std::vector<std::string>{"echo"}) << "nothing changed";
  auto again = dir.register_agent(spec("a1"), AgentClaim{"a1", "", "proc-1"}, nullptr);
  ASSERT_TRUE(again.ok()) << "the same process registering again";
  EXPECT_TRUE(again->replaced);
  clock.advance(kDownAfterMs);
  dir.expire();
  EXPECT_TRUE(dir.register_agent(spec("a1"), AgentClaim{"a1", "", "proc-2"}, nullptr).ok()) << "DOWN: free";
  EXPECT_TRUE(dir.deregister("a1").ok());
  EXPECT_TRUE(dir.register_agent(spec("a1"), AgentClaim{"a1", "", "proc-3"}, nullptr).ok()) << "deregistered: free";
  EXPECT_TRUE(dir.register_agent(spec("a1"), AgentClaim{"a1", "", ""}, nullptr).ok()) << "no token: as before";
}

TEST_F(AgentDirectoryTest, WithCurveAnIdStaysTheFirstKeysAndOnlyItHeartbeatsOrDeregistersIt) {
  auto policy = Policy::parse(
      "principals:\n"
      "  fleet-a: {key: \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\", roles: [agent], agents: [\"*\"]}\n"
      "  fleet-b: {key: \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\", roles: [agent], agents: [\"*\"]}\n");
  ASSERT_TRUE(policy.ok()) << policy.error().to_string();
  ASSERT_TRUE(dir.register_agent(spec("w1"), AgentClaim{"w1", "fleet-a", "p1"}, &*policy).ok());
  auto refused = dir.register_agent(spec("w1"), AgentClaim{"w1", "fleet-b", "p2"}, &*policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_EQ(dir.check_holder("w1", "fleet-b", &*policy).error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_TRUE(dir.check_holder("w1", "fleet-a", &*policy).ok());
  EXPECT_TRUE(dir.check_holder("w2", "fleet-b", &*policy).ok()) << "an id nobody holds";
  clock.advance(kDownAfterMs);
  dir.expire();
  ASSERT_TRUE(dir.deregister("w1").ok());
  EXPECT_EQ(dir.register_agent(spec("w1"), AgentClaim{"w1", "fleet-b", "p3"}, &*policy).error().code,
            ErrorCode::PERMISSION_DENIED)
      << "gone from the directory, still held";
  EXPECT_TRUE(dir.register_agent(spec("w1"), AgentClaim{"w1", "fleet-a", "p4"}, &*policy).ok());
}

}  // namespace
}  // namespace orion::registry
