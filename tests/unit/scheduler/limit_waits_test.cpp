// LimitWaits (limit_waits.h): tasks a limit holds back, per key in queue order, with a due time
// per rate-limited key; its invariants hold after every change.
#include <gtest/gtest.h>

#include "services/scheduler/limit_waits.h"

namespace orion::scheduler {
namespace {

class LimitWaitsTest : public ::testing::Test {
 protected:
  void TearDown() override { check(); }
  void check() {
    auto s = w.check_invariants(tasks);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
  }
  // A ready task carrying keys, held as the core holds it.
  void hold(std::uint64_t seq, std::int64_t order, const std::string& key, std::int64_t until_ms = 0,
            std::vector<std::string> keys = {}) {
    TaskRecord& t = tasks[seq];
    t.seq = seq;
    t.state = TaskState::PENDING;
    t.spec.limit_keys = keys.empty() ? std::vector<std::string>{key} : keys;
    t.limit_held = true;
    w.hold(seq, order, key, until_ms, "limit " + key);
  }
  void release(std::uint64_t seq) { tasks[seq].limit_held = false; }

  TaskTable tasks;
  LimitWaits w;
};

TEST_F(LimitWaitsTest, AKeysWaitersComeBackInQueueOrderOneAtATime) {
  hold(1, 50, "k");
  hold(2, 10, "k");
  hold(3, 10, "j");
  check();
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.waiting("k"), 2u);
  EXPECT_EQ(*w.reason(1), "limit k");
  EXPECT_EQ(w.take_head("k"), 2u);
  release(2);
  check();
  EXPECT_EQ(w.take_head("k"), 1u);
  release(1);
  EXPECT_EQ(w.take_head("k"), 0u);
  EXPECT_EQ(w.keys(), std::vector<std::string>{"j"});
  EXPECT_EQ(w.reason(1), nullptr);
}

TEST_F(LimitWaitsTest, AKeysEarliestDueTimeIsKeptAndGoesWithItsLastWaiter) {
  hold(1, 0, "r", 500);
  hold(2, 1, "r", 300);
  hold(3, 2, "r", 900);
  hold(4, 0, "s", 400);
  EXPECT_FALSE(w.due_key(299));
  EXPECT_EQ(w.due_key(300), std::optional<std::string>("r"));
  EXPECT_EQ(w.due_key(1000), std::optional<std::string>("s"));  // r's due time was taken
  EXPECT_FALSE(w.due_key(1000));
  hold(5, 0, "t", 100);
  EXPECT_TRUE(w.remove(5));
  release(5);
  EXPECT_FALSE(w.remove(5));
  EXPECT_FALSE(w.due_key(1000));  // t has no waiter left: no due time either
}

TEST_F(LimitWaitsTest, APrefixTakesItsKeysOnlyAndTakeAllEmptiesIt) {
  hold(1, 0, "customer-1");
  hold(2, 0, "customer-2");
  hold(3, 0, "customer");
  hold(4, 0, "cust");
  hold(5, 0, "d");
  EXPECT_EQ(w.waiting("customer-", true), 2u);
  auto got = w.take_matching("customer-", true);
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2}));
  for (auto seq : got) release(seq);
  check();
  EXPECT_EQ(w.take_matching("cust", false), std::vector<std::uint64_t>{4});
  release(4);
  auto rest = w.take_all();
  EXPECT_EQ(rest.size(), 2u);
  for (auto seq : rest) release(seq);
  EXPECT_EQ(w.size(), 0u);
}

TEST_F(LimitWaitsTest, HoldingATaskAgainMovesIt) {
  hold(1, 0, "a", 0, {"a", "b"});
  hold(1, 0, "b", 0, {"a", "b"});
  EXPECT_EQ(w.waiting("a"), 0u);
  EXPECT_EQ(w.waiting("b"), 1u);
  EXPECT_EQ(w.size(), 1u);
}

TEST_F(LimitWaitsTest, TheCheckFindsATaskThatIsNotHeldAsItSays) {
  hold(1, 0, "k");
  tasks[1].state = TaskState::RUNNING;
  EXPECT_FALSE(w.check_invariants(tasks).ok());
  tasks[1].state = TaskState::PENDING;
  tasks[1].spec.limit_keys = {"other"};
  EXPECT_FALSE(w.check_invariants(tasks).ok());
  tasks[1].spec.limit_keys = {"k"};
}

}  // namespace
}  // namespace orion::scheduler
