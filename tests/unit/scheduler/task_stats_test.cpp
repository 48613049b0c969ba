// services/scheduler/task_stats.*: what SCHEDULER_STATS counts from the tasks the scheduler holds.
#include "services/scheduler/task_stats.h"

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

constexpr std::int64_t kNow = 1'000'000;

TaskRecord task(std::uint64_t seq, const std::string& type, TaskState state, Priority priority = Priority::NORMAL) {
  TaskRecord r;
  r.seq = seq;
  r.spec.type = type;
  r.spec.priority = priority;
  r.state = state;
  r.created_ms = 1000;
  return r;
}

// A finished task: ready at `ready`, assigned `wait` ms later, ran `run` ms.
TaskRecord done(std::uint64_t seq, const std::string& type, std::int64_t ready, std::int64_t wait, std::int64_t run) {
  TaskRecord r = task(seq, type, TaskState::COMPLETED);
  r.ready_ms = ready;
  r.mutable_cold().assigned_ms = ready + wait;
  r.mutable_cold().started_ms = ready + wait + 1;
  r.mutable_cold().finished_ms = ready + wait + 1 + run;
  return r;
}

TEST(TaskStats, CountsTasksByStateAndSubmittedPriority) {
  std::map<std::uint64_t, TaskRecord> tasks;
  tasks[1] = task(1, "echo", TaskState::COMPLETED, Priority::HIGH);
  tasks[2] = task(2, "echo", TaskState::FAILED);
  tasks[3] = task(3, "sleep", TaskState::RUNNING, Priority::URGENT);
  auto s = task_stats(tasks, kNow);
  EXPECT_EQ(s.total, 3);
  EXPECT_EQ(s.by_state, (Counts{{"COMPLETED", 1}, {"FAILED", 1}, {"RUNNING", 1}}));
  EXPECT_EQ(s.by_priority, (Counts{{"HIGH", 1}, {"NORMAL", 1}, {"URGENT", 1}}));
  ASSERT_EQ(s.types.size(), 2u);
  EXPECT_EQ(s.types[0].type, "echo");  // most tasks first
  EXPECT_EQ(s.types[0].tasks, 2);
}

TEST(TaskStats, WaitAndRunPercentilesPerTypeUseNearestRank) {
  std::map<std::uint64_t, TaskRecord> tasks;
  for (std::uint64_t i = 1; i <= 20; ++i) tasks[i] = done(i, "echo", 5000, static_cast<std::int64_t>(i) * 10, 100 + static_cast<std::int64_t>(i));
  tasks[21] = task(21, "echo", TaskState::PENDING);  // counted, but no wait or run yet
  tasks[21].unmet = 1;                               // waits on a dependency: not "waiting for an agent"
  auto s = task_stats(tasks, kNow);
  ASSERT_EQ(s.types.size(), 1u);
  const TypeStats& t = s.types[0];
  EXPECT_EQ(t.tasks, 21);
  EXPECT_EQ(t.started, 20);
  EXPECT_EQ(t.finished, 20);
  EXPECT_EQ(t.wait_p50_ms, 100);  // the 10th of 10..200
  EXPECT_EQ(t.wait_p95_ms, 190);  // the 19th
  EXPECT_EQ(t.run_p50_ms, 110);
  EXPECT_EQ(t.run_p95_ms, 119);
  EXPECT_TRUE(s.waiting.empty());
}

TEST(TaskStats, ReadyPendingTasksAreGroupedByTheCapabilitiesTheyNeed) {
  std::map<std::uint64_t, TaskRecord> tasks;
  for (std::uint64_t i = 1; i <= 3; ++i) {
    tasks[i] = task(i, "train", TaskState::PENDING);
    tasks[i].spec.capabilities = {"gpu", "big"};
    tasks[i].ready_ms = kNow - 100 * static_cast<std::int64_t>(i);
  }
  tasks[4] = task(4, "train", TaskState::PENDING);
  tasks[4].spec.capabilities = {"big", "gpu"};  // the same class, in another order
  tasks[4].ready_ms = kNow;
  tasks[5] = task(5, "echo", TaskState::PENDING);
  tasks[5].retry_due_ms = 77;  // waiting for its retry, not for an agent
  tasks[6] = task(6, "echo", TaskState::PENDING);
  tasks[6].ready_ms = kNow - 5;
  auto s = task_stats(tasks, kNow);
  ASSERT_EQ(s.waiting.size(), 2u);
  EXPECT_EQ(s.waiting[0].capabilities, (std::vector<std::string>{"big", "gpu"}));
  EXPECT_EQ(s.waiting[0].tasks, 4);
  EXPECT_EQ(s.waiting[0].oldest_wait_ms, 300);
  EXPECT_TRUE(s.waiting[1].capabilities.empty());
  EXPECT_EQ(s.waiting[1].tasks, 1);
}

TEST(TaskStats, PercentileOfNothingIsZeroAndOfOneIsItself) {
  std::vector<double> none, one{42};
  EXPECT_EQ(percentile(none, 0.95), 0);
  EXPECT_EQ(percentile(one, 0.5), 42);
  EXPECT_EQ(percentile(one, 0.95), 42);
}

}  // namespace
}  // namespace orion::scheduler
