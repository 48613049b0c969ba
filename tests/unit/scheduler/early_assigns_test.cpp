// ASSIGNs sent before their turn is durable (early_assigns.h) and the attempt numbers that keep
// them safe (scheduler_core.h, "Attempt numbers"): the rules, and a crash in the window played
// out in simulated time with a store that keeps only what was committed.
#include <gtest/gtest.h>

#include <map>

#include "services/scheduler/early_assigns.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {
namespace {

Outbox::ToPeer assign_to(const std::string& identity, std::uint64_t seq, bool early = true) {
  Outbox::ToPeer m{identity, "a1", Envelope{MsgType::ASSIGN, "", Json::object()}, seq, early};
  return m;
}

TEST(EarlyAssignsTest, NothingGoesEarlyBelowAFloorNotYetDurable) {
  EarlyAssigns e;
  EXPECT_FALSE(e.may_go(assign_to("c1", 5)));
  EXPECT_TRUE(e.floor_wanted());
  e.floor_written(1, 100);
  EXPECT_FALSE(e.floor_wanted());
  EXPECT_FALSE(e.may_go(assign_to("c1", 5))) << "the floor's batch is not durable yet";
  e.committed(1);
  EXPECT_EQ(e.durable_floor(), 100u);
  EXPECT_TRUE(e.may_go(assign_to("c1", 5)));
  EXPECT_FALSE(e.may_go(assign_to("c1", 100))) << "a seq at the floor may be handed out again after a crash";
  EXPECT_FALSE(e.may_go(assign_to("c1", 5, /*early=*/false))) << "the core held it (a skipped attempt number)";
}

TEST(EarlyAssignsTest, AnAttemptGoesEarlyOnlyOnceTheTasksPreviousAssignmentIsDurable) {
  EarlyAssigns e;
  e.floor_written(1, 100);
  e.committed(1);
  e.assigned(7, 2);  // attempt 1 of t7, in batch 2
  EXPECT_FALSE(e.may_go(assign_to("c1", 7))) << "attempt 2 while attempt 1's record is not durable";
  EXPECT_TRUE(e.may_go(assign_to("c1", 8)));
  e.assigned(7, 3);
  e.committed(2);
  EXPECT_FALSE(e.may_go(assign_to("c1", 7))) << "batch 3 holds a later assignment of it";
  e.committed(3);
  EXPECT_TRUE(e.may_go(assign_to("c1", 7)));
  EXPECT_EQ(e.open(), 0u);
}

TEST(EarlyAssignsTest, AnAssignNeverOvertakesItsAgentsAttachOk) {
  EarlyAssigns e;
  e.floor_written(1, 100);
  e.committed(1);
  e.attached("c1", 4);
  EXPECT_FALSE(e.may_go(assign_to("c1", 5)));
  EXPECT_TRUE(e.may_go(assign_to("c2", 5)));
  e.committed(4);
  EXPECT_TRUE(e.may_go(assign_to("c1", 5)));
}

TEST(EarlyAssignsTest, ANewTermKnowsNothingDurable) {
  EarlyAssigns e;
  e.floor_written(1, 100);
  e.committed(1);
  e.reset();
  EXPECT_TRUE(e.floor_wanted()) << "a new leader writes its own floor at once";
  EXPECT_FALSE(e.may_go(assign_to("c1", 5)));
  EXPECT_EQ(e.durable_floor(), 0u);
}

// heartbeat_ms 100, liveness 3: a restart's grace ends after 300 ms.
const CoreOptions kOptions{100, 3, 100, 10'000, 0};

class EarlyCrashTest : public ::testing::Test {
 protected:
  static AgentSpec agent(const std::string& id) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = 1;
    return a;
  }
  // The turn's ASSIGNs as (task id, attempt, may go early); clears the outbox.
  static std::vector<std::tuple<std::string, std::int64_t, bool>> assigned(SchedulerCore& c) {
    std::vector<std::tuple<std::string, std::int64_t, bool>> out;
    for (auto& m : c.outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      out.emplace_back(a->task_id, a->attempt, m.early);
    }
    c.outbox().clear();
    return out;
  }
  static std::vector<std::pair<std::string, std::int64_t>> cancelled(SchedulerCore& c) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (auto& m : c.outbox().to_agents) {
      if (m.envelope.type != MsgType::CANCEL_TASK) continue;
      auto k = CancelTask::from_body(body_of(m.envelope));
      out.emplace_back(k->task_id, k->attempt);
    }
    return out;
  }
  // A commit: the turn's records reach the store.
  void commit(SchedulerCore& c) {
    c.drain_dirty([&](const TaskRecord& t) { store[t.seq] = encode_task_record(t); });
  }
  // A crash: what was not committed is gone; a new core starts from the store.
  void restart() {
    for (const auto& [seq, bytes] : store) restarted.restore(*decode_task_record(seq, bytes));
    restarted.finish_restore();
  }

  ManualClock clock{1000};
  SchedulerCore core{clock, kOptions};
  SchedulerCore restarted{clock, kOptions};
  std::map<std::uint64_t, std::string> store;
};

TEST_F(EarlyCrashTest, AnAttemptSentBeforeItsRecordWasDurableIsNeverLeasedAgain) {
  core.attach("c1", agent("a1"), nullptr);
  TaskSpec s;
  s.type = "work";
  s.retries = 3;
  auto id = core.submit("r1", s)->task_id;
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{std::make_tuple(id, std::int64_t{1}, true)}));
  commit(core);  // attempt 1 is durable
  // Attempt 1 fails; the retry's attempt 2 goes early, and the scheduler dies before that turn commits.
  ASSERT_TRUE(core.result(TaskResult{id, 1, false, Json(), "boom"}).accepted);
  for (int i = 0; i < 11; ++i) {  // the retry's backoff (1 s), the agent heard from meanwhile
    clock.advance(100);
    ASSERT_TRUE(core.heartbeat("c1", AgentHeartbeat{"a1", {}, false}).ok());
    core.tick();
  }
  EXPECT_EQ(assigned(core), (std::vector{std::make_tuple(id, std::int64_t{2}, true)}));
  restart();
  // The restarted scheduler knows attempt 1 only. The agent reports attempt 2, which it runs.
  std::vector<TaskRef> running{{id, 2}};
  restarted.attach("c2", agent("a1"), &running);
  EXPECT_EQ(cancelled(restarted), (std::vector{std::make_pair(id, std::int64_t{2})}))
      << "an attempt the scheduler does not know is stale";
  EXPECT_FALSE(restarted.result(TaskResult{id, 2, true, Json("lost"), ""}).accepted);
  restarted.outbox().clear();
  // Attempt 1 was not reported: fenced at once, re-queued. Its next assignment skips 2, and
  // waits for its record (not early).
  std::vector<TaskRef> none;
  restarted.attach("c3", agent("a2"), &none);
  restarted.tick();
  EXPECT_EQ(assigned(restarted), (std::vector{std::make_tuple(id, std::int64_t{3}, false)}));
  ASSERT_TRUE(restarted.result(TaskResult{id, 3, true, Json("done"), ""}).accepted);
  EXPECT_EQ(restarted.get(id)->output, Json("done"));
  EXPECT_TRUE(restarted.check_invariants().ok());
}

TEST_F(EarlyCrashTest, ADependantStartedBeforeItsDependencysResultWasDurableRunsAgainUnderANewAttempt) {
  core.attach("c1", agent("a1"), nullptr);
  TaskSpec first;
  first.type = "work";
  auto a = core.submit("ra", first)->task_id;
  TaskSpec second = first;
  second.depends_on = {a};
  auto b = core.submit("rb", second)->task_id;
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{std::make_tuple(a, std::int64_t{1}, true)}));
  commit(core);
  ASSERT_TRUE(core.result(TaskResult{a, 1, true, Json(1), ""}).accepted);
  core.tick();
  EXPECT_EQ(assigned(core), (std::vector{std::make_tuple(b, std::int64_t{1}, true)})) << "b starts at once";
  restart();  // a's result and b's assignment are lost
  std::vector<TaskRef> running{{a, 1}, {b, 1}};
  auto big = agent("a1");
  big.capacity = 2;
  restarted.attach("c2", big, &running);
  EXPECT_EQ(cancelled(restarted), (std::vector{std::make_pair(b, std::int64_t{1})}));
  restarted.outbox().clear();
  ASSERT_TRUE(restarted.result(TaskResult{a, 1, true, Json(1), ""}).accepted) << "a's lease was claimed";
  EXPECT_FALSE(restarted.result(TaskResult{b, 1, true, Json(), ""}).accepted);
  restarted.tick();
  auto again = assigned(restarted);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], std::make_tuple(b, std::int64_t{2}, false)) << "b's attempt 1 is never leased twice";
}

}  // namespace
}  // namespace orion::scheduler
