// Delayed tasks (docs/protocol.md section 8.6) in simulated time: a task with not_before_ms or
// delay_ms is not dispatched before its time and is at it; the resolved time survives a reload
// from the stored records; dependencies still apply; a delayed task can be cancelled.
#include <gtest/gtest.h>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {
namespace {

class DelayedTaskTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  static TaskSpec spec(std::int64_t delay_ms = 0, std::int64_t not_before_ms = 0) {
    TaskSpec s;
    s.type = "echo";
    s.delay_ms = delay_ms;
    s.not_before_ms = not_before_ms;
    return s;
  }
  std::string submit(SchedulerCore& c, TaskSpec s) {
    auto r = c.submit("r" + std::to_string(++n_), std::move(s));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? r->task_id : "";
  }
  static void attach(SchedulerCore& c, const std::string& id) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = 4;
    c.attach("ident-" + id, a);
  }
  // Task ids assigned since the last call.
  static std::vector<std::string> assigned(SchedulerCore& c) {
    std::vector<std::string> out;
    for (auto& m : c.outbox().to_agents) {
      if (m.envelope.type == MsgType::ASSIGN) out.push_back(Assign::from_body(body_of(m.envelope))->task_id);
    }
    c.outbox().clear();
    return out;
  }

  int n_ = 0;
  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100, 1000, 10}};
};

TEST_F(DelayedTaskTest, ADelayedTaskIsNotDispatchedBeforeItsTimeAndIsAtIt) {
  attach(core, "a1");
  const std::int64_t accepted = clock.wall_ms();
  auto id = submit(core, spec(/*delay_ms=*/60'000));
  // The delay is resolved at acceptance into a time stored with the task.
  EXPECT_EQ(core.get(id)->spec.not_before_ms, accepted + 60'000);
  EXPECT_EQ(core.get(id)->spec.delay_ms, 0);
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  EXPECT_EQ(core.get(id)->state, TaskState::PENDING);
  EXPECT_EQ(core.get(id)->reason.rfind("scheduled for ", 0), 0u) << core.get(id)->reason;
  clock.advance(59'999);
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  clock.advance(1);
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{id});
  EXPECT_EQ(core.get(id)->state, TaskState::ASSIGNED);
}

TEST_F(DelayedTaskTest, NotBeforeIsAWallClockTimeAndOneInThePastIsNoDelay) {
  attach(core, "a1");
  auto later = submit(core, spec(0, clock.wall_ms() + 5'000));
  auto past = submit(core, spec(0, clock.wall_ms() - 5'000));
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{past});
  EXPECT_EQ(core.get(later)->reason, "scheduled for 2023-11-14T22:13:26Z");  // wall base 1.7e12 + 1 s + 5 s
  clock.advance(5'000);
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{later});
}

TEST_F(DelayedTaskTest, BothFieldsOrATimeTooFarAheadAreRefusedAndChangeNothing) {
  auto both = TaskSpec::from_json(Json{{"type", "echo"}, {"delay_ms", 10}, {"not_before_ms", 10}});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(both.error().message.find("'delay_ms'"), std::string::npos);
  auto too_long = TaskSpec::from_json(Json{{"type", "echo"}, {"delay_ms", kMaxDelayMs + 1}});
  ASSERT_FALSE(too_long.ok());
  auto far = core.submit("far", spec(0, clock.wall_ms() + kMaxDelayMs + 1));
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(far.error().message.find("'not_before_ms'"), std::string::npos);
  EXPECT_EQ(core.task_count(), 0u);
  std::vector<BatchEntry> batch{{"a", spec(0, clock.wall_ms() + kMaxDelayMs + 1)}};
  EXPECT_FALSE(core.submit_batch("b", batch).ok());
  EXPECT_EQ(core.task_count(), 0u);
}

TEST_F(DelayedTaskTest, AReloadFromTheStoreKeepsTheDueTimeAndDoesNotRestartTheDelay) {
  auto id = submit(core, spec(/*delay_ms=*/60'000));
  const std::int64_t due = core.get(id)->spec.not_before_ms;
  std::vector<std::string> stored;
  core.drain_dirty([&](TaskRecord& t) { stored.push_back(encode_task_record(t)); });
  ASSERT_EQ(stored.size(), 1u);
  // 40 s later a new process loads the record.
  clock.advance(40'000);
  SchedulerCore again{clock, CoreOptions{100, 1000, 10}};
  auto record = decode_task_record(1, stored[0]);
  ASSERT_TRUE(record.ok());
  again.restore(std::move(*record));
  again.finish_restore();
  attach(again, "a1");
  again.tick();
  EXPECT_TRUE(assigned(again).empty());
  EXPECT_EQ(again.get(id)->spec.not_before_ms, due);
  clock.advance(19'999);
  again.tick();
  EXPECT_TRUE(assigned(again).empty());
  clock.advance(1);
  again.tick();
  EXPECT_EQ(assigned(again), std::vector<std::string>{id});
  EXPECT_TRUE(again.check_invariants().ok());
}

TEST_F(DelayedTaskTest, ABatchRecordMadeAgainResolvesTheDelayFromItsCreationTime) {
  std::vector<BatchEntry> batch{{"a", spec(/*delay_ms=*/30'000)}};
  BatchIntake intake;
  ASSERT_TRUE(core.submit_batch("b1", batch, {}, &intake).ok());
  ASSERT_TRUE(intake.recorded);
  const std::int64_t due = core.task(intake.first)->spec.not_before_ms;
  EXPECT_EQ(due, intake.created_ms + 30'000);
  clock.advance(10'000);
  SchedulerCore again{clock, CoreOptions{100, 1000, 10}};
  ASSERT_TRUE(again.restore_batch(intake, batch).ok());
  again.finish_restore();
  EXPECT_EQ(again.task(intake.first)->spec.not_before_ms, due);
  attach(again, "a1");
  again.tick();
  EXPECT_TRUE(assigned(again).empty());
  clock.advance(20'000);
  again.tick();
  EXPECT_EQ(assigned(again).size(), 1u);
  EXPECT_TRUE(again.check_invariants().ok());
}

TEST_F(DelayedTaskTest, ADelayedTaskWithDependenciesWaitsForBothItsTimeAndItsDependencies) {
  attach(core, "a1");
  auto dep = submit(core, spec());
  auto late_dep = submit(core, spec());
  TaskSpec s = spec(/*delay_ms=*/10'000);
  s.depends_on = {dep};
  auto waits_for_time = submit(core, s);  // its dependency completes first
  TaskSpec s2 = spec(/*delay_ms=*/10'000);
  s2.depends_on = {late_dep};
  auto waits_for_dep = submit(core, s2);  // its time comes first
  core.tick();
  EXPECT_EQ(assigned(core).size(), 2u);
  EXPECT_NE(core.get(waits_for_time)->reason.find("waiting on dependencies: " + dep), std::string::npos);
  EXPECT_NE(core.get(waits_for_time)->reason.find("; scheduled for "), std::string::npos);
  core.result(TaskResult{dep, 1, true, Json(1), ""});
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  EXPECT_EQ(core.get(waits_for_time)->reason.rfind("scheduled for ", 0), 0u);
  clock.advance(10'000);
  core.heartbeat("ident-a1", AgentHeartbeat{"a1", {}});
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{waits_for_time});
  EXPECT_EQ(core.get(waits_for_dep)->state, TaskState::PENDING);
  core.result(TaskResult{late_dep, 1, true, Json(1), ""});
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{waits_for_dep});
}

TEST_F(DelayedTaskTest, CancellingADelayedTaskEndsItAtOnceAndItNeverRuns) {
  attach(core, "a1");
  auto id = submit(core, spec(/*delay_ms=*/10'000));
  auto ok = core.cancel(Cancel{id, "not needed"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->state, TaskState::CANCELLED);
  clock.advance(20'000);
  core.heartbeat("ident-a1", AgentHeartbeat{"a1", {}});
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  EXPECT_EQ(core.get(id)->state, TaskState::CANCELLED);
}

}  // namespace
}  // namespace orion::scheduler
