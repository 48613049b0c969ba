// What an agent holds against the leases the scheduler gave it (core_reconcile.cpp), in
// simulated time: re-attach with `running`, stale attempts and their slots, leases kept across
// a restart for the grace and fenced after it.
#include <gtest/gtest.h>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {
namespace {

// heartbeat_ms 100, liveness 3: an agent is lost, and a restart's grace ends, after 300 ms.
const CoreOptions kOptions{100, 3, 100, 10'000, 0};

class ReconcileTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto* c : {&core, &restarted}) {
      auto s = c->check_invariants();
      EXPECT_TRUE(s.ok()) << s.error().to_string();
    }
  }

  static AgentSpec agent(const std::string& id, int capacity) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = capacity;
    return a;
  }
  // ATTACH from connection `ident` saying it holds `running`.
  static void attach(SchedulerCore& c, const std::string& id, const std::string& ident, int capacity,
                     std::vector<TaskRef> running) {
    c.attach(ident, agent(id, capacity), &running);
  }
  std::string submit(SchedulerCore& c, std::int64_t timeout_ms = 0) {
    TaskSpec s;
    s.type = "sleep";
    s.timeout_ms = timeout_ms;
    auto r = c.submit("r" + std::to_string(++submitted_), s);
    EXPECT_TRUE(r.ok());
    return r->task_id;
  }
  // Messages of `type` sent since the last call, as (agent, task id, attempt); clears the outbox.
  static std::vector<std::tuple<std::string, std::string, std::int64_t>> sent(SchedulerCore& c, MsgType type) {
    std::vector<std::tuple<std::string, std::string, std::int64_t>> out;
    for (auto& m : c.outbox().to_agents) {
      if (m.envelope.type != type) continue;
      if (type == MsgType::ASSIGN) {
        auto a = Assign::from_body(body_of(m.envelope));
        out.emplace_back(m.agent_id, a->task_id, a->attempt);
      } else {
        auto k = CancelTask::from_body(body_of(m.envelope));
        out.emplace_back(m.agent_id, k->task_id, k->attempt);
      }
    }
    return out;
  }
  static auto assigned(SchedulerCore& c) {
    auto out = sent(c, MsgType::ASSIGN);
    c.outbox().clear();
    return out;
  }
  static void heartbeat(SchedulerCore& c, const std::string& id, const std::string& ident, std::vector<TaskRef> running) {
    ASSERT_TRUE(c.heartbeat(ident, AgentHeartbeat{id, std::move(running), false}).ok());
  }
  // What the store holds for `c`, read back into `restarted` as a scheduler start does.
  void restart_from(SchedulerCore& c) {
    c.drain_dirty([](const TaskRecord&) {});
    for (const auto& [seq, t] : c.tasks()) restarted.restore(*decode_task_record(seq, encode_task_record(t)));
    restarted.finish_restore();
  }
  static TaskView view(SchedulerCore& c, const std::string& id) { return *c.get(id); }
  static std::tuple<std::string, std::string, std::int64_t> msg(std::string agent, std::string task, std::int64_t attempt) {
    return {std::move(agent), std::move(task), attempt};
  }

  ManualClock clock{1000};
  SchedulerCore core{clock, kOptions};
  SchedulerCore restarted{clock, kOptions};
  int submitted_ = 0;
};

TEST_F(ReconcileTest, AReattachThatReportsItsAttemptKeepsTheLeaseAndItsResultIsAccepted) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  ASSERT_EQ(assigned(core), (std::vector{msg("a1", id, 1)}));
  // A pause, a reconnect: a new connection, reporting the attempt.
  attach(core, "a1", "c2", 1, {{id, 1}});
  core.tick();
  EXPECT_TRUE(assigned(core).empty()) << "nothing re-assigned";
  EXPECT_TRUE(sent(core, MsgType::CANCEL_TASK).empty());
  EXPECT_EQ(view(core, id).state, TaskState::ASSIGNED);
  EXPECT_EQ(view(core, id).attempt, 1);
  EXPECT_EQ(view(core, id).assigned_agent, "a1");
  EXPECT_TRUE(core.result(TaskResult{id, 1, true, Json("done"), ""}).accepted);
  EXPECT_EQ(view(core, id).state, TaskState::COMPLETED);
  EXPECT_EQ(core.agent("a1")->held(), 0u);
}

TEST_F(ReconcileTest, AKeptLeaseKeepsItsDeadline) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core, /*timeout_ms=*/500);
  core.tick();
  assigned(core);
  clock.advance(300);
  attach(core, "a1", "c2", 1, {{id, 1}});
  clock.advance(199);
  heartbeat(core, "a1", "c2", {{id, 1}});
  core.tick();
  EXPECT_EQ(view(core, id).state, TaskState::ASSIGNED);
  clock.advance(1);
  core.tick();
  EXPECT_EQ(view(core, id).state, TaskState::TIMEOUT) << "500 ms from its assignment, not from the re-attach";
}

TEST_F(ReconcileTest, AReattachFencesTheLeasesItDoesNotReport) {
  attach(core, "a1", "c1", 2, {});
  auto t1 = submit(core), t2 = submit(core);
  core.tick();
  ASSERT_EQ(assigned(core).size(), 2u);
  attach(core, "a1", "c2", 2, {{t1, 1}});
  EXPECT_EQ(view(core, t2).state, TaskState::PENDING);
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{msg("a1", t2, 2)})) << "its slot is free again: a new attempt";
  EXPECT_EQ(view(core, t1).attempt, 1);
  EXPECT_FALSE(core.result(TaskResult{t2, 1, true, Json(), ""}).accepted);
  EXPECT_TRUE(core.result(TaskResult{t1, 1, true, Json(), ""}).accepted);
}

TEST_F(ReconcileTest, AnAttachWithoutRunningFromANewConnectionStillFencesEverything) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  core.attach("c2", agent("a1", 1), nullptr);
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{msg("a1", id, 2)}));
}

TEST_F(ReconcileTest, AnAttemptNotLeasedToTheAgentIsCancelledAndHoldsItsSlotUntilItsResultComes) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  // a1 is silent past its liveness: lost, the task re-queued (no other agent to take it).
  clock.advance(301);
  core.tick();
  ASSERT_EQ(view(core, id).state, TaskState::PENDING);
  // a1 comes back, still running the fenced attempt 1.
  attach(core, "a1", "c2", 1, {{id, 1}});
  EXPECT_EQ(sent(core, MsgType::CANCEL_TASK), (std::vector{msg("a1", id, 1)}));
  core.tick();
  EXPECT_TRUE(assigned(core).empty()) << "its one slot is held by the attempt it still runs";
  EXPECT_EQ(core.agent("a1")->held(), 1u);
  heartbeat(core, "a1", "c2", {{id, 1}});
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  EXPECT_TRUE(sent(core, MsgType::CANCEL_TASK).empty()) << "cancelled once, not per heartbeat";
  // The handler stopped: its result is refused, and the slot is free.
  EXPECT_FALSE(core.result(TaskResult{id, 1, false, Json(), "cancelled"}).accepted);
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{msg("a1", id, 2)}));
  EXPECT_TRUE(core.result(TaskResult{id, 2, true, Json("once"), ""}).accepted);
  EXPECT_EQ(view(core, id).state, TaskState::COMPLETED);
}

TEST_F(ReconcileTest, AStaleAttemptTheAgentNoLongerReportsFreesItsSlot) {
  attach(core, "a1", "c1", 1, {});
  auto old = submit(core);
  core.tick();
  assigned(core);
  ASSERT_TRUE(core.cancel(Cancel{old, "by hand"}).ok());  // done for the scheduler; a1 had no say
  attach(core, "a1", "c2", 1, {{old, 1}, {"t999", 4}});  // an unknown task too
  auto cancels = sent(core, MsgType::CANCEL_TASK);
  EXPECT_EQ(cancels.size(), 3u) << "the client's cancel, then one per stale attempt";
  auto next = submit(core);
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  heartbeat(core, "a1", "c2", {{"t999", 4}});
  core.tick();
  EXPECT_TRUE(assigned(core).empty()) << "one slot, still held by t999";
  heartbeat(core, "a1", "c2", {});
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{msg("a1", next, 1)}));
}

TEST_F(ReconcileTest, AHeartbeatReportingAnAttemptNotLeasedToItMakesItStale) {
  attach(core, "a1", "c1", 1, {});
  heartbeat(core, "a1", "c1", {{"t1", 3}});
  EXPECT_EQ(sent(core, MsgType::CANCEL_TASK), (std::vector{msg("a1", "t1", 3)}));
  auto id = submit(core);
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  heartbeat(core, "a1", "c1", {});
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{msg("a1", id, 1)}));
  // A leased attempt missing from a heartbeat (its ASSIGN may still be on its way) is not fenced.
  heartbeat(core, "a1", "c1", {});
  core.tick();
  EXPECT_EQ(view(core, id).state, TaskState::ASSIGNED);
}

TEST_F(ReconcileTest, ATimedOutAttemptHoldsTheSlotOfAnAgentThatReportsUntilItIsGone) {
  attach(core, "a1", "c1", 1, {});
  auto slow = submit(core, /*timeout_ms=*/100);
  core.tick();
  assigned(core);
  clock.advance(100);
  heartbeat(core, "a1", "c1", {{slow, 1}});
  core.tick();
  ASSERT_EQ(view(core, slow).state, TaskState::TIMEOUT);
  EXPECT_EQ(sent(core, MsgType::CANCEL_TASK), (std::vector{msg("a1", slow, 1)}));
  auto next = submit(core, 1000);
  core.tick();
  EXPECT_TRUE(assigned(core).empty()) << "the timed-out handler still runs on a1's only slot";
  heartbeat(core, "a1", "c1", {});
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{msg("a1", next, 1)}));
}

TEST_F(ReconcileTest, AReattachNeverKeepsMoreLeasesThanItsCapacity) {
  attach(core, "a1", "c1", 2, {});
  auto t1 = submit(core), t2 = submit(core);
  core.tick();
  assigned(core);
  attach(core, "a1", "c2", 1, {{t1, 1}, {t2, 1}});  // it came back smaller
  EXPECT_EQ(core.agent("a1")->running.size(), 1u);
  EXPECT_EQ(core.agent("a1")->stale.size(), 1u);
  EXPECT_EQ(sent(core, MsgType::CANCEL_TASK).size(), 1u);
}

TEST_F(ReconcileTest, ARestartKeepsALeaseForTheGraceAndTheAgentFinishesTheSameAttempt) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  restart_from(core);
  EXPECT_EQ(view(restarted, id).state, TaskState::ASSIGNED);
  EXPECT_EQ(restarted.ready_count(), 0u);
  clock.advance(250);
  restarted.tick();
  EXPECT_EQ(view(restarted, id).state, TaskState::ASSIGNED) << "within the grace of 300 ms";
  attach(restarted, "a1", "c2", 1, {{id, 1}});
  clock.advance(1000);  // long past the grace: the lease is claimed
  heartbeat(restarted, "a1", "c2", {{id, 1}});
  restarted.tick();
  EXPECT_TRUE(assigned(restarted).empty());
  EXPECT_TRUE(restarted.result(TaskResult{id, 1, true, Json("once"), ""}).accepted);
  auto v = view(restarted, id);
  EXPECT_EQ(v.state, TaskState::COMPLETED);
  EXPECT_EQ(v.attempt, 1) << "no attempt+1";
}

TEST_F(ReconcileTest, AResultBeforeTheReattachIsAcceptedForAnAdoptedLease) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  restart_from(core);
  EXPECT_TRUE(restarted.result(TaskResult{id, 1, true, Json("early"), ""}).accepted);
  attach(restarted, "a1", "c2", 1, {});
  EXPECT_TRUE(sent(restarted, MsgType::CANCEL_TASK).empty());
  EXPECT_EQ(view(restarted, id).state, TaskState::COMPLETED);
}

TEST_F(ReconcileTest, ALeaseNoAgentClaimsIsRequeuedAfterTheGraceAndItsAgentLaterToldToCancel) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  restart_from(core);
  attach(restarted, "a2", "c9", 1, {});
  clock.advance(299);
  heartbeat(restarted, "a2", "c9", {});
  restarted.tick();
  EXPECT_TRUE(assigned(restarted).empty()) << "a1's lease is kept for it";
  clock.advance(1);
  heartbeat(restarted, "a2", "c9", {});
  restarted.tick();
  EXPECT_EQ(assigned(restarted), (std::vector{msg("a2", id, 3)}));  // one number skipped after a restart
  // a1 comes back at last, still running attempt 1: told to cancel it.
  attach(restarted, "a1", "c2", 1, {{id, 1}});
  EXPECT_EQ(sent(restarted, MsgType::CANCEL_TASK), (std::vector{msg("a1", id, 1)}));
  EXPECT_FALSE(restarted.result(TaskResult{id, 1, true, Json(), ""}).accepted);
}

TEST_F(ReconcileTest, AReattachWithinTheGraceThatDoesNotReportTheLeaseFencesItAtOnce) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  restart_from(core);
  attach(restarted, "a1", "c2", 1, {});
  restarted.tick();
  EXPECT_EQ(assigned(restarted), (std::vector{msg("a1", id, 3)}));  // one number skipped after a restart
}

TEST_F(ReconcileTest, AnAdoptedLeaseTimesOutFromItsAssignment) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core, /*timeout_ms=*/500);
  core.tick();
  assigned(core);
  clock.advance(200);
  restart_from(core);
  attach(restarted, "a1", "c2", 1, {{id, 1}});
  clock.advance(299);
  restarted.tick();
  EXPECT_EQ(view(restarted, id).state, TaskState::ASSIGNED);
  clock.advance(1);
  restarted.tick();
  EXPECT_EQ(view(restarted, id).state, TaskState::TIMEOUT);
}

// A lease adopted at a restart keeps its grace whatever the bus says; agent.down after the grace
// fences it at once (the next tick would too).
TEST_F(ReconcileTest, TheRegistrysAgentDownFencesAnUnclaimedLeaseOnlyOnceItsGraceIsOver) {
  attach(core, "a1", "c1", 1, {});
  auto id = submit(core);
  core.tick();
  assigned(core);
  restart_from(core);
  restarted.agent_down("a1");
  EXPECT_EQ(view(restarted, id).state, TaskState::ASSIGNED);
  clock.advance(300);
  restarted.agent_down("a1");
  EXPECT_EQ(view(restarted, id).state, TaskState::PENDING);
  EXPECT_TRUE(restarted.check_invariants().ok());
}

}  // namespace
}  // namespace orion::scheduler
