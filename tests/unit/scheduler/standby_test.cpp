// Hot standby (scheduler_core.h): a follower core fed the leader's records, as a Raft replica
// applies them, holds what the leader holds, byte for byte, with the same ready queue; once
// promoted it serves as the leader would have. Simulated time (ManualClock).
#include <gtest/gtest.h>

#include "services/scheduler/batch_record.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"
#include "tests/unit/scheduler/standby_helpers.h"

namespace orion::scheduler {
namespace {

using standby::assigned;
using standby::attach;
using standby::spec;

class StandbyTest : public ::testing::Test {
 protected:
  // What the service does each turn: the leader's changed records, through their encoding, to
  // the follower.
  void sync() {
    leader.drain_dirty([&](const TaskRecord& r) {
      auto copy = decode_task_record(r.seq, encode_task_record(r));
      ASSERT_TRUE(copy.ok());
      follower.apply_record(std::move(*copy));
    });
    leader.drain_spent_batches([](std::uint64_t) {});
    leader.outbox().clear();
  }
  // The follower holds the leader's tasks, and its own invariants (a standby's leases and
  // gates included) hold.
  void expect_same() {
    standby::expect_same(leader, follower);
    auto s = follower.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }

  ManualClock clock{1000};
  SchedulerCore leader{clock, CoreOptions{100, 3, 10}};
  SchedulerCore follower{clock, CoreOptions{100, 3, 10}};
};

TEST_F(StandbyTest, AFollowerHoldsTheLeadersTasksQueuesAndGraphAsTheyChange) {
  auto a = leader.submit("ra", spec())->task_id;
  auto b = leader.submit("rb", spec({a}))->task_id;
  leader.submit("rc", spec({b}));
  leader.submit("rd", spec());
  sync();
  expect_same();
  attach(leader, "w1");
  leader.tick();
  auto first = assigned(leader);
  ASSERT_EQ(first, std::vector<std::string>{a});
  sync();
  expect_same();
  ASSERT_TRUE(leader.result(TaskResult{a, 1, true, Json{{"ok", 1}}, ""}).accepted);
  sync();
  expect_same();  // b is ready on both now: a's completion released it
  ASSERT_TRUE(follower.get(b)->state == TaskState::PENDING);
  // The same request id and idempotency answers come from the follower's indexes.
  auto again = follower.submit("rb", spec({a}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->task_id, b);
  EXPECT_TRUE(again->duplicate);
}

TEST_F(StandbyTest, APromotedFollowerAssignsWhatTheLeaderWouldHaveAndKeepsRetriesDue) {
  auto a = leader.submit("ra", spec({}, /*retries=*/1))->task_id;
  auto b = leader.submit("rb", spec())->task_id;
  attach(leader, "w1");
  leader.tick();
  ASSERT_EQ(assigned(leader), std::vector<std::string>{a});
  ASSERT_TRUE(leader.result(TaskResult{a, 1, false, Json(), "boom"}).accepted);  // retry in 500 ms
  sync();
  expect_same();
  follower.promote();
  attach(follower, "w1");
  follower.tick();
  EXPECT_EQ(assigned(follower), std::vector<std::string>{b}) << "a waits out its backoff";
  // Attempt 2: a new leader's first assignment of a task skips a number (the old leader may have sent 1).
  EXPECT_FALSE(follower.result(TaskResult{b, 1, true, Json(), ""}).accepted);
  ASSERT_TRUE(follower.result(TaskResult{b, 2, true, Json(), ""}).accepted);
  clock.advance(600);
  attach(follower, "w1");  // heard from again (same connection)
  follower.tick();
  EXPECT_EQ(assigned(follower), std::vector<std::string>{a});
  auto s = follower.check_invariants();
  EXPECT_TRUE(s.ok()) << s.error().to_string();
}

TEST_F(StandbyTest, ABatchRecordMakesTheSameTasksOnTheFollower) {
  std::vector<BatchEntry> entries;
  entries.push_back(BatchEntry{"x", spec()});
  entries.push_back(BatchEntry{"y", spec({"x"})});
  entries.push_back(BatchEntry{"z", spec({"x", "y"})});
  auto copy = entries;
  BatchIntake intake;
  ASSERT_TRUE(leader.submit_batch("req", std::move(entries), {}, &intake).ok());
  ASSERT_TRUE(intake.recorded);
  ASSERT_TRUE(follower.apply_batch_record(intake, std::move(copy)).ok());
  sync();
  expect_same();
  attach(leader, "w1");
  leader.tick();
  ASSERT_EQ(assigned(leader).size(), 1u);
  ASSERT_TRUE(leader.result(TaskResult{"t1", 1, true, Json(), ""}).accepted);
  sync();  // x's own record supersedes the batch record's on both
  expect_same();
}

TEST_F(StandbyTest, APromotedFollowerOpensTheGatesOfTasksWaitingForApproval) {
  ConsensusGate gate;
  gate.type = "majority";
  gate.capability = "text";
  gate.timeout_ms = 60'000;
  attach(leader, "voter");
  auto ok = leader.submit_batch("g", {BatchEntry{"only", spec()}}, gate);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  sync();
  expect_same();
  EXPECT_EQ(follower.open_gates(), 0u) << "a follower proposes nothing";
  follower.promote();
  EXPECT_EQ(follower.open_gates(), 1u);
}

}  // namespace
}  // namespace orion::scheduler
