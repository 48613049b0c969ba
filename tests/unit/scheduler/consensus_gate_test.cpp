// Consensus gates in SchedulerCore, in simulated time: a gated task is proposed to the
// agents with a key, runs only after APPROVED, ends CANCELLED (dependants FAILED) on
// REJECTED or EXPIRED, is polled when events are missed, and keeps its gate across a restart. A
// decided event is a hint to ask, never the decision; request ids are keyed by the service's
// secret.
#include <gtest/gtest.h>

#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {
namespace {

class ConsensusGateTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  static TaskSpec gated(const std::string& kind, std::vector<std::string> caps = {"ops"}) {
    TaskSpec s;
    s.type = "deploy";
    s.capabilities = std::move(caps);
    s.consensus.type = kind;
    s.consensus.timeout_ms = 30'000;
    return s;
  }
  void attach(const std::string& id, bool votes = true, std::vector<std::string> caps = {"ops"}, double weight = 1) {
    AgentSpec a;
    a.agent_id = id;
    a.capabilities = std::move(caps);
    a.capacity = 4;
    a.weight = weight;
    if (votes) a.public_key = std::string(64, 'a');
    core.attach("ident-" + id, a);
  }
  // Ticks; returns what the core asked orion-consensus, and counts the ASSIGNs.
  std::vector<Outbox::ToConsensus> tick() {
    core.tick();
    auto out = core.outbox().to_consensus;
    for (auto& m : core.outbox().to_agents) assigned += m.envelope.type == MsgType::ASSIGN;
    core.outbox().clear();
    return out;
  }
  std::string submit(TaskSpec s) {
    auto r = core.submit("r" + std::to_string(++requests), std::move(s));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->task_id : "";
  }
  TaskView view(const std::string& id) { return *core.get(id); }

  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100'000, 3, 100, 10'000, 0}};
  int requests = 0;
  int assigned = 0;
};

TEST_F(ConsensusGateTest, AGatedTaskIsProposedToTheVotersWithItsCapabilityAndRunsOnlyOnceApproved) {
  attach("a1"), attach("a2"), attach("other", true, {"gpu"}), attach("mute", false);
  auto id = submit(gated("unanimous"));
  auto asked = tick();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].type, MsgType::PROPOSE);
  auto p = Propose::from_body(asked[0].body);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->consensus_type, ConsensusType::UNANIMOUS);
  EXPECT_EQ(p->capability, "ops");
  EXPECT_EQ(p->timeout_ms, 30'000);
  ASSERT_EQ(p->voters.size(), 2u);  // with the capability and a vote key
  EXPECT_EQ(p->voters[0].agent_id, "a1");
  EXPECT_EQ(p->voters[1].agent_id, "a2");
  EXPECT_EQ(p->data["task_ids"], Json::array({id}));
  EXPECT_EQ(assigned, 0);
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  EXPECT_NE(view(id).reason.find("waiting for consensus"), std::string::npos) << view(id).reason;

  core.gate_proposed(id, "p7");
  EXPECT_EQ(view(id).gate.proposal_id, "p7");
  EXPECT_NE(view(id).reason.find("p7"), std::string::npos) << view(id).reason;
  tick();
  EXPECT_EQ(assigned, 0) << "not before the decision";
  core.gate_decided("p7", "PENDING");  // not a decision
  tick();
  EXPECT_EQ(assigned, 0);
  core.gate_decided("p7", "APPROVED");
  tick();
  EXPECT_EQ(assigned, 1);
  EXPECT_EQ(view(id).gate.outcome, "APPROVED");
  EXPECT_EQ(core.open_gates(), 0u);
}

TEST_F(ConsensusGateTest, ARejectedGateCancelsTheTaskWithTheOutcomeAndFailsItsDependants) {
  attach("a1");
  auto id = submit(gated("majority"));
  TaskSpec after;
  after.type = "echo";
  after.depends_on = {id};
  auto dep = submit(after);
  tick();
  core.gate_proposed(id, "p1");
  core.gate_decided("p1", "REJECTED");
  tick();
  EXPECT_EQ(view(id).state, TaskState::CANCELLED);
  EXPECT_EQ(view(id).error, "consensus p1 REJECTED");
  EXPECT_EQ(view(dep).state, TaskState::FAILED);
  EXPECT_NE(view(dep).error.find(id), std::string::npos);
  EXPECT_EQ(assigned, 0);
}

TEST_F(ConsensusGateTest, AnOpenProposalIsPolledEverySecondSoAMissedDecisionEventCostsOneSecond) {
  attach("a1");
  auto id = submit(gated("majority"));
  tick();
  core.gate_proposed(id, "p3");
  EXPECT_TRUE(tick().empty());
  clock.advance(999);
  EXPECT_TRUE(tick().empty());
  clock.advance(1);
  auto asked = tick();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].type, MsgType::GET_PROPOSAL);
  EXPECT_EQ(asked[0].body["proposal_id"], "p3");
  core.gate_decided("p3", "EXPIRED");
  tick();
  EXPECT_EQ(view(id).state, TaskState::CANCELLED);
  EXPECT_EQ(view(id).error, "consensus p3 EXPIRED");
}

TEST_F(ConsensusGateTest, WithoutVotersTheGateWaitsThenExpiresAtItsTimeout) {
  auto id = submit(gated("majority"));
  EXPECT_TRUE(tick().empty());
  EXPECT_NE(view(id).reason.find("no live agent with capability ops can vote yet"), std::string::npos) << view(id).reason;
  clock.advance(29'000);
  tick();
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  attach("late");  // a voter arrives in time: proposed
  clock.advance(1000);
  auto asked = tick();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].type, MsgType::PROPOSE);

  auto lonely = submit(gated("majority", {"nobody-has-this"}));
  clock.advance(30'000);
  tick();
  EXPECT_EQ(view(lonely).state, TaskState::CANCELLED);
  EXPECT_NE(view(lonely).error.find("EXPIRED before it could be proposed"), std::string::npos) << view(lonely).error;
}

TEST_F(ConsensusGateTest, ProposeIsRetriedWithTheSameRequestIdUntilAnswered) {
  attach("a1");
  submit(gated("weighted"));
  auto first = tick();
  clock.advance(1000);
  auto second = tick();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].request_id, second[0].request_id);
}

TEST_F(ConsensusGateTest, ARefusedProposalCancelsTheTaskWithTheReason) {
  attach("a1");
  auto id = submit(gated("pbft"));
  tick();
  core.gate_refused(id, make_error(ErrorCode::INVALID_ARGUMENT, "bad voter"));
  tick();
  EXPECT_EQ(view(id).state, TaskState::CANCELLED);
  EXPECT_NE(view(id).error.find("bad voter"), std::string::npos);
}

TEST_F(ConsensusGateTest, NamedVotersMustBeAttachedWithAKey) {
  attach("a1"), attach("mute", false);
  auto s = gated("majority");
  s.consensus.voters = {"a1", "mute"};
  auto id = submit(s);
  EXPECT_TRUE(tick().empty());
  EXPECT_NE(view(id).reason.find("voter mute has no vote key"), std::string::npos) << view(id).reason;
}

TEST_F(ConsensusGateTest, AGateWithoutAnyCapabilityIsRefusedAtSubmitAndChangesNothing) {
  auto s = gated("majority", {});
  auto r = core.submit("x", s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(r.error().message.find("consensus.capability"), std::string::npos);
  EXPECT_EQ(core.task_count(), 0u);
  s.consensus.capability = "ops";
  EXPECT_TRUE(core.submit("y", s).ok());
}

TEST_F(ConsensusGateTest, ABatchGateHoldsEveryTaskOfTheBatchBehindOneProposal) {
  attach("a1");
  TaskSpec plain;
  plain.type = "echo";
  plain.capabilities = {"ops"};
  BatchEntry a{"a", plain}, b{"b", plain};
  b.spec.depends_on = {"a"};
  ConsensusGate gate;
  gate.type = "majority";
  auto r = core.submit_batch("batch", {a, b}, gate);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto asked = tick();
  ASSERT_EQ(asked.size(), 1u);
  auto p = Propose::from_body(asked[0].body);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, "batch");
  EXPECT_EQ(p->data["task_ids"].size(), 2u);
  const auto ida = r->task_ids.at("a"), idb = r->task_ids.at("b");
  EXPECT_EQ(view(idb).gate.id, ida);
  core.gate_proposed(ida, "p9");
  EXPECT_EQ(view(idb).gate.proposal_id, "p9");
  core.gate_decided("p9", "REJECTED");
  tick();
  EXPECT_EQ(view(ida).state, TaskState::CANCELLED);
  EXPECT_EQ(view(idb).state, TaskState::CANCELLED) << "every task of the batch, not FAILED by cascade";
  EXPECT_EQ(assigned, 0);

  BatchEntry own{"own", gated("majority")};
  auto refused = core.submit_batch("batch2", {own}, gate);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("gated as a whole"), std::string::npos);
}

TEST_F(ConsensusGateTest, AGateSurvivesARestartWithItsProposal) {
  attach("a1");
  auto id = submit(gated("majority"));
  tick();
  core.gate_proposed(id, "p5");
  std::vector<TaskRecord> saved;
  core.drain_dirty([&](const TaskRecord& r) { saved.push_back(r); });

  SchedulerCore again{clock, CoreOptions{100'000, 3, 100, 10'000, 0}};
  for (auto r : saved) again.restore(std::move(r));
  again.finish_restore();
  ASSERT_TRUE(again.check_invariants().ok()) << again.check_invariants().error().to_string();
  EXPECT_EQ(again.open_gates(), 1u);
  again.tick();
  ASSERT_EQ(again.outbox().to_consensus.size(), 1u);
  EXPECT_EQ(again.outbox().to_consensus[0].type, MsgType::GET_PROPOSAL) << "the proposal is kept, not made again";
  again.outbox().clear();
  AgentSpec a;
  a.agent_id = "a1", a.capabilities = {"ops"}, a.capacity = 1;
  again.attach("i", a);
  again.gate_decided("p5", "APPROVED");
  again.tick();
  EXPECT_EQ(again.get(id)->state, TaskState::ASSIGNED);
}

TEST_F(ConsensusGateTest, ADecidedEventIsOnlyAHintToAskTheLeaderAtOnce) {
  attach("a1");
  auto id = submit(gated("majority"));
  tick();
  core.gate_proposed(id, "p4");
  EXPECT_TRUE(tick().empty());
  core.gate_hint("p4");  // what a `proposal.decided` event does, whatever outcome it claims
  core.gate_hint("p-unknown");
  auto asked = tick();   // no time has passed: the hint, not the one-second poll
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].type, MsgType::GET_PROPOSAL);
  EXPECT_EQ(asked[0].body["proposal_id"], "p4");
  EXPECT_EQ(assigned, 0);
  EXPECT_EQ(view(id).state, TaskState::PENDING) << "an event decides nothing";
  EXPECT_EQ(core.open_gates(), 1u);
  core.gate_decided("p4", "APPROVED");  // the leader's answer
  tick();
  EXPECT_EQ(assigned, 1);
}

TEST_F(ConsensusGateTest, RequestIdsAreKeyedByTheServicesSecretSoNoOneElseCanPredictThem) {
  auto first_propose = [&](const std::string& key) {
    ManualClock c{1000};
    CoreOptions o{100'000, 3, 100, 10'000, 0};
    o.gate_key = key;
    SchedulerCore k{c, o};
    AgentSpec a;
    a.agent_id = "a1", a.capabilities = {"ops"}, a.capacity = 1, a.public_key = std::string(64, 'a');
    k.attach("i", a);
    auto r = k.submit("r1", gated("majority"));
    EXPECT_TRUE(r.ok());
    k.tick();
    EXPECT_EQ(k.outbox().to_consensus.size(), 1u);
    std::string rid = k.outbox().to_consensus.empty() ? "" : k.outbox().to_consensus[0].request_id;
    k.outbox().clear();
    c.advance(1000);
    k.tick();  // the next try: the same id
    EXPECT_EQ(k.outbox().to_consensus.empty() ? "" : k.outbox().to_consensus[0].request_id, rid);
    return std::make_pair(rid, r.ok() ? r->task_id : "");
  };
  auto [open_id, task] = first_propose("");
  EXPECT_EQ(open_id.rfind("gate-" + task + "-", 0), 0u) << "without security: readable, " << open_id;
  auto [keyed, task2] = first_propose("secret-1");
  EXPECT_EQ(keyed.rfind("gate-", 0), 0u);
  EXPECT_EQ(keyed.find(task2), std::string::npos) << keyed;
  EXPECT_LE(keyed.size(), 64u) << "a request id's bound";
  EXPECT_EQ(first_propose("secret-1").first, keyed) << "the same after a restart or on another replica";
  EXPECT_NE(first_propose("secret-2").first, keyed);
}

}  // namespace
}  // namespace orion::scheduler
