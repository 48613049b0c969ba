// ReadyQueues (services/scheduler/ready_queues.h) on its own: the order tasks are served in,
// the classes, the retry wait, the unschedulable sweep, and that its invariant check finds a
// task out of step with its queue. Every test ends with the invariants checked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/scheduler/ready_queues.h"

namespace orion::scheduler {
namespace {

class ReadyQueuesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = queues.check_invariants(tasks);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  // A PENDING task ready since ready_ms, in the table (not queued yet).
  TaskRecord& task(std::uint64_t seq, Priority p, std::int64_t ready_ms, std::vector<std::string> caps = {"cpu"}) {
    TaskRecord& t = tasks[seq];
    t.seq = seq;
    t.spec.capabilities = std::move(caps);
    t.spec.priority = p;
    t.effective_priority = p;
    t.state = TaskState::PENDING;
    t.ready_ms = ready_ms;
    t.class_key = queues.intern(t.spec);
    return t;
  }
  // Serves every task the way dispatch does: best class, its head, popped and assigned.
  std::vector<std::uint64_t> serve_all() {
    std::vector<std::uint64_t> order;
    while (auto* c = queues.best({})) {
      TaskRecord& head = tasks.at(c->head());
      order.push_back(head.seq);
      queues.pop(*c, head);
      head.state = TaskState::ASSIGNED;
    }
    return order;
  }
  TaskTable tasks;
  ReadyQueues queues{/*ageing_ms=*/1000, /*unschedulable_timeout_ms=*/0};
};

TEST_F(ReadyQueuesTest, TasksAreServedByAgeingKeyAcrossClassesThenBySeq) {
  queues.push(task(1, Priority::LOW, 10'000));                // key 9000
  queues.push(task(2, Priority::URGENT, 12'000, {"gpu"}));    // key 7000
  queues.push(task(3, Priority::NORMAL, 9'000));              // key 7000, after seq 2
  queues.push(task(4, Priority::HIGH, 20'000, {"gpu"}));      // key 17000
  EXPECT_EQ(queues.size(), 4u);
  EXPECT_EQ(serve_all(), (std::vector<std::uint64_t>{2, 3, 1, 4}));
  EXPECT_EQ(queues.size(), 0u);
}

TEST_F(ReadyQueuesTest, LowWorkWaitingLongerThanItsAgeingOvertakesHigherPriority) {
  queues.push(task(1, Priority::LOW, 0));        // key -1000
  queues.push(task(2, Priority::URGENT, 3'500)); // key -1500: younger by less than 4 levels
  queues.push(task(3, Priority::URGENT, 4'500)); // key -500: younger by more
  EXPECT_EQ(serve_all(), (std::vector<std::uint64_t>{2, 1, 3}));
}

TEST_F(ReadyQueuesTest, OneClassKeyPerCapabilitiesAndExclusionsWhateverTheirOrder) {
  TaskSpec a, b, c;
  a.capabilities = {"x", "y"};
  b.capabilities = {"y", "x"};
  c.capabilities = {"x", "y"};
  c.excluded_agents = {"agent-1"};
  EXPECT_EQ(queues.intern(a), queues.intern(b)) << "one string for the class";
  EXPECT_NE(*queues.intern(a), *queues.intern(c)) << "exclusions make another class";
}

TEST_F(ReadyQueuesTest, ABlockedClassIsPassedOverAndAPushTwiceCountsOnce) {
  TaskRecord& cpu = task(1, Priority::NORMAL, 0);
  queues.push(cpu);
  queues.push(cpu);
  EXPECT_EQ(queues.size(), 1u);
  queues.push(task(2, Priority::NORMAL, 5'000, {"gpu"}));
  auto* first = queues.best({});
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->head(), 1u);
  auto* other = queues.best({first});
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->head(), 2u);
  EXPECT_EQ(queues.best({first, other}), nullptr);
  serve_all();
}

TEST_F(ReadyQueuesTest, RemoveTakesATaskOutOfItsQueueOrItsRetryWait) {
  TaskRecord& queued = task(1, Priority::NORMAL, 0);
  queues.push(queued);
  EXPECT_TRUE(queues.contains(queued));
  queues.remove(queued);
  EXPECT_FALSE(queues.contains(queued));
  EXPECT_EQ(queues.size(), 0u);

  TaskRecord& retrying = task(2, Priority::NORMAL, 0);
  retrying.retry_due_ms = 500;
  queues.wait_retry(retrying);
  EXPECT_TRUE(queues.retry_waiting(retrying));
  queues.remove(retrying);
  EXPECT_EQ(retrying.retry_due_ms, 0);
  EXPECT_EQ(queues.due_retry(1'000), 0u) << "removed: never due";
  queues.push(queued);
  queues.push(retrying);  // both ready again
}

TEST_F(ReadyQueuesTest, ARetryComesDueAtItsTimeInDueOrder) {
  TaskRecord& late = task(1, Priority::NORMAL, 0);
  late.retry_due_ms = 2'000;
  queues.wait_retry(late);
  TaskRecord& early = task(2, Priority::NORMAL, 0);
  early.retry_due_ms = 1'000;
  queues.wait_retry(early);
  EXPECT_EQ(queues.due_retry(999), 0u);
  EXPECT_EQ(queues.due_retry(2'000), 2u);
  early.retry_due_ms = 0;
  EXPECT_EQ(queues.due_retry(2'000), 1u);
  late.retry_due_ms = 0;
  EXPECT_EQ(queues.due_retry(2'000), 0u);
  queues.push(late);
  queues.push(early);
}

TEST_F(ReadyQueuesTest, TheSweepDoomsOnlyTasksOfAnUnservableClassPastTheirLimit) {
  TaskRecord& short_limit = task(1, Priority::NORMAL, 0, {"nobody"});
  short_limit.spec.unschedulable_timeout_ms = 2'000;
  TaskRecord& long_limit = task(2, Priority::NORMAL, 0, {"nobody"});
  long_limit.spec.unschedulable_timeout_ms = 5'000;
  TaskRecord& never = task(3, Priority::NORMAL, 0, {"nobody"});
  never.spec.unschedulable_timeout_ms = 0;
  TaskRecord& served = task(4, Priority::NORMAL, 0, {"cpu"});
  served.spec.unschedulable_timeout_ms = 1;
  for (auto* t : {&short_limit, &long_limit, &never, &served}) queues.push(*t);

  std::vector<std::uint64_t> servable_asked;
  std::vector<std::pair<std::uint64_t, std::int64_t>> doomed;
  auto sweep = [&](std::int64_t now) {
    queues.sweep(now, tasks,
                 [&](const TaskRecord& head) {
                   servable_asked.push_back(head.seq);
                   return head.spec.capabilities.front() == "cpu";
                 },
                 [&](std::uint64_t seq, std::int64_t waited) {
                   doomed.emplace_back(seq, waited);
                   queues.remove(tasks.at(seq));  // ended by the caller
                   tasks.at(seq).state = TaskState::FAILED;
                 });
  };
  sweep(10'000);  // unservable since now
  EXPECT_EQ(servable_asked.size(), 2u) << "one question per class, not per task";
  EXPECT_TRUE(doomed.empty());
  sweep(10'500);
  EXPECT_EQ(servable_asked.size(), 2u) << "at most one sweep a second";
  sweep(12'000);
  EXPECT_EQ(doomed, (std::vector<std::pair<std::uint64_t, std::int64_t>>{{1, 2'000}}));
  sweep(15'000);
  EXPECT_EQ(doomed.size(), 2u);
  EXPECT_EQ(doomed.back(), (std::pair<std::uint64_t, std::int64_t>{2, 5'000}));
  EXPECT_TRUE(queues.contains(never)) << "no limit: it waits";
  EXPECT_TRUE(queues.contains(served)) << "its class has an agent: its limit does not run";
}

TEST_F(ReadyQueuesTest, OldestWaitFindsTheEarliestReadyTaskWhateverItsLevel) {
  queues.push(task(1, Priority::URGENT, 9'000));  // key 4000: the head
  queues.push(task(2, Priority::LOW, 6'000));     // key 5000: ready earlier
  queues.push(task(3, Priority::LOW, 8'000));
  const auto& c = queues.classes().at(*tasks.at(1).class_key);
  EXPECT_EQ(queues.oldest_wait(c, tasks, 10'000), 4'000);
  serve_all();
}

TEST_F(ReadyQueuesTest, TheInvariantCheckFindsATaskOutOfStepWithItsQueue) {
  TaskRecord& t = task(1, Priority::NORMAL, 0);
  queues.push(t);
  t.state = TaskState::ASSIGNED;  // changed without leaving its queue
  EXPECT_FALSE(queues.check_invariants(tasks).ok());
  t.state = TaskState::PENDING;
  TaskRecord& u = task(2, Priority::NORMAL, 0);  // ready, never queued
  EXPECT_FALSE(queues.check_invariants(tasks).ok());
  queues.push(u);
  u.effective_priority = Priority::URGENT;  // its key changed under the queue
  EXPECT_FALSE(queues.check_invariants(tasks).ok());
  u.effective_priority = Priority::NORMAL;
  t.retry_due_ms = 100;  // a retry due that the retry wait does not hold
  EXPECT_FALSE(queues.check_invariants(tasks).ok());
  t.retry_due_ms = 0;
}

}  // namespace
}  // namespace orion::scheduler
