// Who may attach as an agent id (SchedulerCore::attach with a claim, common/agent_claim.h), in
// simulated time: a second process (another instance token) is refused while the id is live and
// disturbs nothing; it is accepted once the first is gone (its liveness window passed, detached,
// or its connection closed); the same process reconnecting keeps its lease; with CURVE, an id
// bound to the first key to take it stays that key's across a restart and on a standby.
#include <gtest/gtest.h>

#include "common/policy.h"
#include "services/scheduler/agent_holder_record.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/store_load.h"
#include "services/scheduler/workflow_manager.h"
#include "tests/unit/scheduler/memory_log_store.h"

namespace orion::scheduler {
namespace {

// heartbeat_ms 100, liveness 3: an agent unheard for 300 ms is no longer live.
const CoreOptions kOptions{100, 3, 100, 10'000, 0};

// Two agent keys granted every id ("*": first registration decides), one granted "solo" by name.
// CURVE keys are not checked here: a principal is a name.
Policy test_policy() {
  auto p = Policy::parse(
      "principals:\n"
      "  fleet-a: {key: \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\", roles: [agent], agents: [\"*\"]}\n"
      "  fleet-b: {key: \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\", roles: [agent], agents: [\"*\"]}\n"
      "  owner:   {key: \"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\", roles: [agent], agents: [solo]}\n");
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  return std::move(*p);
}

class AgentIdentityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  static AgentSpec agent(const std::string& id) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = 1;
    return a;
  }
  // ATTACH of `id` from connection `ident` by process `instance` (and key `principal`), holding `running`.
  Result<AttachOk> attach(const std::string& id, const std::string& ident, const std::string& instance,
                          std::vector<TaskRef> running = {}, const std::string& principal = "",
                          const Policy* policy = nullptr) {
    return core.attach(ident, agent(id), &running, AgentClaim{id, principal, instance}, policy);
  }
  std::string submit_and_assign() {
    TaskSpec s;
    s.type = "sleep";
    auto r = core.submit("r" + std::to_string(++submitted_), s);
    EXPECT_TRUE(r.ok());
    core.tick();
    core.outbox().clear();
    return r->task_id;
  }
  TaskView view(const std::string& id) { return *core.get(id); }

  ManualClock clock{1000};
  SchedulerCore core{clock, kOptions};
  int submitted_ = 0;
};

TEST_F(AgentIdentityTest, ASecondProcessIsRefusedWhileTheFirstIsLiveAndDisturbsNothing) {
  ASSERT_TRUE(attach("a1", "c1", "proc-1").ok());
  auto id = submit_and_assign();
  ASSERT_EQ(view(id).assigned_agent, "a1");
  clock.advance(250);  // within the 300 ms window
  auto refused = attach("a1", "c2", "proc-2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::ALREADY_EXISTS);
  EXPECT_NE(refused.error().message.find("agent id a1"), std::string::npos) << refused.error().message;
  // Nothing moved: the lease, its attempt, the session on its connection, nothing sent.
  EXPECT_EQ(view(id).state, TaskState::ASSIGNED);
  EXPECT_EQ(view(id).attempt, 1);
  EXPECT_EQ(core.agent("a1")->identity, "c1");
  EXPECT_TRUE(core.outbox().to_agents.empty());
  EXPECT_TRUE(core.heartbeat("c1", AgentHeartbeat{"a1", {{id, 1}}, false}).ok()) << "the first keeps heartbeating";
  EXPECT_TRUE(core.result(TaskResult{id, 1, true, Json("done"), ""}).accepted);
  EXPECT_EQ(view(id).state, TaskState::COMPLETED);
}

TEST_F(AgentIdentityTest, TheSameProcessReconnectingKeepsItsLease) {
  ASSERT_TRUE(attach("a1", "c1", "proc-1").ok());
  auto id = submit_and_assign();
  clock.advance(250);
  ASSERT_TRUE(attach("a1", "c2", "proc-1", {{id, 1}}).ok()) << "a new connection, the same process";
  core.tick();
  EXPECT_TRUE(core.outbox().to_agents.empty()) << "nothing re-assigned, nothing cancelled";
  EXPECT_EQ(view(id).state, TaskState::ASSIGNED);
  EXPECT_EQ(view(id).attempt, 1);
  EXPECT_EQ(core.agent("a1")->identity, "c2");
}

TEST_F(AgentIdentityTest, AnotherProcessIsAcceptedOnceTheFirstIsSilentForItsLivenessWindow) {
  ASSERT_TRUE(attach("a1", "c1", "proc-1").ok());
  auto id = submit_and_assign();
  clock.advance(300);
  EXPECT_FALSE(attach("a1", "c2", "proc-2").ok()) << "300 ms unheard: still live (lost after more than that)";
  clock.advance(1);
  ASSERT_TRUE(attach("a1", "c2", "proc-2").ok());
  EXPECT_EQ(core.agent("a1")->identity, "c2");
  EXPECT_EQ(view(id).state, TaskState::PENDING) << "the first process's lease is fenced off";
  core.tick();
  EXPECT_EQ(view(id).attempt, 2);
  EXPECT_EQ(view(id).assigned_agent, "a1");
}

TEST_F(AgentIdentityTest, AnotherProcessIsAcceptedAtOnceWhenTheFirstsConnectionClosedOrItDetached) {
  ASSERT_TRUE(attach("a1", "c1", "proc-1").ok());
  core.connection_gone("c-other");
  EXPECT_FALSE(attach("a1", "c2", "proc-2").ok()) << "another connection's close says nothing of a1";
  core.connection_gone("c1");
  EXPECT_TRUE(attach("a1", "c2", "proc-2").ok());
  EXPECT_FALSE(core.agent("a1")->connection_gone);
  core.detach("a1");
  EXPECT_TRUE(attach("a1", "c3", "proc-3").ok());
}

TEST_F(AgentIdentityTest, AnAttachWithoutATokenTakesTheIdAsBeforeAndSoDoesAnyAfterIt) {
  ASSERT_TRUE(attach("a1", "c1", "proc-1").ok());
  ASSERT_TRUE(attach("a1", "c2", "").ok()) << "an agent that sends no token: no check";
  EXPECT_EQ(core.agent("a1")->identity, "c2");
  EXPECT_TRUE(attach("a1", "c3", "proc-3").ok()) << "a live session without a token holds nothing against a token";
}

TEST_F(AgentIdentityTest, WithCurveAnIdBelongsToTheFirstKeyEvenAfterItsAgentIsGone) {
  const Policy policy = test_policy();
  ASSERT_TRUE(attach("w1", "c1", "proc-1", {}, "fleet-a", &policy).ok());
  auto refused = attach("w1", "c2", "proc-2", {}, "fleet-b", &policy);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_NE(refused.error().message.find("agent id w1 is held by another key"), std::string::npos);
  EXPECT_EQ(core.agent("w1")->identity, "c1");
  clock.advance(1000);
  core.tick();  // w1 lost
  ASSERT_EQ(core.agent("w1"), nullptr);
  EXPECT_EQ(attach("w1", "c3", "proc-3", {}, "fleet-b", &policy).error().code, ErrorCode::PERMISSION_DENIED)
      << "not live, still held";
  EXPECT_TRUE(attach("w1", "c4", "proc-4", {}, "fleet-a", &policy).ok()) << "its own key takes it again";
  EXPECT_TRUE(attach("w2", "c5", "proc-5", {}, "fleet-b", &policy).ok()) << "another id is fleet-b's to take";
}

TEST_F(AgentIdentityTest, AnIdThePolicyGrantsByNameIsThatKeysWhoeverTookItFirst) {
  const Policy policy = test_policy();
  ASSERT_TRUE(attach("solo", "c1", "proc-1", {}, "fleet-a", &policy).ok());
  clock.advance(1000);
  core.tick();
  EXPECT_TRUE(attach("solo", "c2", "proc-2", {}, "owner", &policy).ok());
  EXPECT_EQ(*core.holders().holder("solo"), "owner");
  EXPECT_EQ(attach("solo", "c3", "proc-3", {}, "fleet-a", &policy).error().code, ErrorCode::PERMISSION_DENIED);
}

TEST_F(AgentIdentityTest, AHolderThePolicyNoLongerGrantsTheIdHoldsNothing) {
  const Policy before = test_policy();
  ASSERT_TRUE(attach("w1", "c1", "proc-1", {}, "fleet-a", &before).ok());
  auto after = Policy::parse(
      "principals:\n"
      "  fleet-b: {key: \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\", roles: [agent], agents: [\"*\"]}\n");
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  clock.advance(1000);
  core.tick();
  EXPECT_TRUE(attach("w1", "c2", "proc-2", {}, "fleet-b", &*after).ok()) << "fleet-a's key was removed";
  EXPECT_EQ(*core.holders().holder("w1"), "fleet-b");
}

TEST_F(AgentIdentityTest, BindingsAreWrittenOnceAndSurviveARestartAndReachAStandby) {
  const Policy policy = test_policy();
  WorkflowManager workflows{core, clock};
  ASSERT_TRUE(attach("w1", "c1", "proc-1", {}, "fleet-a", &policy).ok());
  ASSERT_TRUE(attach("w1", "c2", "proc-1", {}, "fleet-a", &policy).ok());  // a reconnect: no new binding
  LogBatch turn = drain_turn_records(core, workflows, LogBatch());
  std::size_t bindings = 0;
  for (const auto& [key, bytes] : turn.records) bindings += log_kind(key) == kAgentHolderKind;
  EXPECT_EQ(bindings, 1u);
  EXPECT_TRUE(drain_turn_records(core, workflows, LogBatch()).empty()) << "drained once";

  // A restart: the store loaded into a fresh core.
  MemoryLogStore store;
  ASSERT_TRUE(store.append(turn).ok());
  SchedulerCore restarted(clock, kOptions);
  WorkflowManager restarted_workflows{restarted, clock};
  ASSERT_TRUE(load_store(store, restarted, restarted_workflows, nullptr).ok());
  ASSERT_NE(restarted.holders().holder("w1"), nullptr);
  EXPECT_EQ(*restarted.holders().holder("w1"), "fleet-a");
  EXPECT_EQ(restarted.attach("c3", agent("w1"), nullptr, AgentClaim{"w1", "fleet-b", "proc-9"}, &policy).error().code,
            ErrorCode::PERMISSION_DENIED);

  // A hot standby applying the leader's records, and one loaded from a snapshot.
  SchedulerCore standby(clock, kOptions);
  WorkflowManager standby_workflows{standby, clock};
  ASSERT_TRUE(apply_replica_records(standby, standby_workflows, turn).ok());
  ASSERT_NE(standby.holders().holder("w1"), nullptr);
  EXPECT_EQ(*standby.holders().holder("w1"), "fleet-a");
  auto snapshot = replica_snapshot(core, workflows, {});
  ASSERT_TRUE(snapshot.ok());
  EXPECT_NE(snapshot->find(encode_agent_holder({"w1", "fleet-a"})), std::string::npos);
}

TEST_F(AgentIdentityTest, AStoredBindingThatDoesNotDecodeIsACorruptStore) {
  EXPECT_TRUE(decode_agent_holder(encode_agent_holder({"w1", "fleet-a"})).ok());
  for (std::string bad : {std::string(), std::string("\x81\xa1" "a\xa2w1", 6), std::string("\xc1"),
                          encode_agent_holder({"w1", ""})}) {
    auto r = decode_agent_holder(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::INTERNAL);
  }
}

}  // namespace
}  // namespace orion::scheduler
