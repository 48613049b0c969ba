// Tests of the scheduler core's bounds on held waits (WAIT_TASK, WAIT_TASKS): per connection,
// in task ids named, in all; and drop_waiters, which forgets a closed connection's waits.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {
namespace {

CoreOptions small_bounds() {
  CoreOptions o;
  o.heartbeat_ms = 100;
  o.max_waiters = 5;
  o.max_waiters_per_peer = 2;
  o.max_wait_ids_per_peer = 3;
  o.max_wait_ids = 6;
  return o;
}

class WaiterBoundsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  std::string pending() {  // a task no agent can run
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {"nobody"};
    auto r = core.submit("r" + std::to_string(++n), s);
    EXPECT_TRUE(r.ok());
    return r->task_id;
  }
  ManualClock clock{1000};
  SchedulerCore core{clock, small_bounds()};
  int n = 0;
};

TEST_F(WaiterBoundsTest, OneConnectionHoldsAtMostItsShareAndOthersAreStillServed) {
  auto id = pending();
  ASSERT_TRUE(core.wait("c1", "w1", WaitTask{id, 60'000}).ok());
  ASSERT_TRUE(core.wait("c1", "w2", WaitTask{id, 60'000}).ok());
  auto over = core.wait("c1", "w3", WaitTask{id, 60'000});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_NE(over.error().message.find("most per connection"), std::string::npos) << over.error().message;
  auto other = core.wait("c2", "x1", WaitTask{id, 60'000});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());  // held
  EXPECT_EQ(core.wait_quota().holds(), 3u);
}

TEST_F(WaiterBoundsTest, TaskIdsNamedByHeldWaitsAreBoundedPerConnectionAndInAll) {
  auto a = pending(), b = pending(), c = pending(), d = pending();
  ASSERT_TRUE(core.wait_all("c1", "g1", WaitTasks{{a, b}, 60'000}).ok());
  auto over = core.wait_all("c1", "g2", WaitTasks{{c, d}, 60'000});  // 4 ids > 3 per connection
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_NE(over.error().message.find("per connection"), std::string::npos) << over.error().message;
  ASSERT_TRUE(core.wait_all("c2", "g3", WaitTasks{{a, b, c}, 60'000}).ok());
  // 2 + 3 held; 2 more would be 7 ids > 6 in all, whoever asks.
  auto full = core.wait_all("c3", "g4", WaitTasks{{c, d}, 60'000});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_EQ(core.wait_quota().units(), 5u);
}

TEST_F(WaiterBoundsTest, AClosedConnectionsWaitsAreDroppedUnansweredAndItsShareFreed) {
  auto a = pending(), b = pending();
  ASSERT_TRUE(core.wait("c1", "w1", WaitTask{a, 60'000}).ok());
  ASSERT_TRUE(core.wait_all("c1", "g1", WaitTasks{{a, b}, 60'000}).ok());
  ASSERT_TRUE(core.wait("c2", "w2", WaitTask{a, 1'000}).ok());
  EXPECT_EQ(core.drop_waiters("c1"), 2u);
  EXPECT_EQ(core.drop_waiters("c1"), 0u);
  EXPECT_EQ(core.wait_quota().holds(), 1u);
  EXPECT_EQ(core.wait_quota().holds_of("c1"), 0u);
  // Nothing is answered to the gone connection, at any time; c2 still is.
  clock.advance(60'000);
  core.tick();
  ASSERT_EQ(core.outbox().to_clients.size(), 1u);
  EXPECT_EQ(core.outbox().to_clients[0].identity, "c2");
  core.outbox().clear();
  EXPECT_EQ(core.wait_quota().holds(), 0u);
  // The freed share is usable again.
  ASSERT_TRUE(core.wait("c1", "w3", WaitTask{a, 60'000}).ok());
  ASSERT_TRUE(core.wait("c1", "w4", WaitTask{a, 60'000}).ok());
}

}  // namespace
}  // namespace orion::scheduler
