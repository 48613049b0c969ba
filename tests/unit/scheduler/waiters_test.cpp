// Waiters (services/scheduler/waiters.h) on its own: when a held WAIT_TASK or WAIT_TASKS is
// answered (its task ends, the last open task of its group ends, its deadline passes), that a
// closed connection's waits go unanswered, what retention is told, the quota, and that the
// invariant check finds a task expired under a held group. Every test ends with the invariants.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/scheduler/waiters.h"

namespace orion::scheduler {
namespace {

class WaitersTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = waiters.check_invariants(tasks);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  void add(std::uint64_t seq, TaskState state = TaskState::PENDING) {
    tasks[seq].seq = seq;
    tasks[seq].state = state;
  }
  auto single() {
    return [this](std::uint64_t seq, const Waiters::Waiter& w) { singles.push_back(w.request_id + "@t" + std::to_string(seq)); };
  }
  auto group() {
    return [this](const Waiters::Waiter& w, const std::vector<std::uint64_t>& seqs) {
      groups.push_back(w.request_id + ":" + std::to_string(seqs.size()));
    };
  }
  auto released() {
    return [this](std::uint64_t seq) { freed.push_back(seq); };
  }
  // Ends task seq and tells the waiters, recording what they answer.
  void end(std::uint64_t seq) {
    tasks.at(seq).state = TaskState::COMPLETED;
    waiters.ended(seq, single(), group(), released());
  }
  TaskTable tasks;
  Waiters waiters{PeerQuotaLimits{/*per_peer_holds=*/2, /*per_peer_units=*/4, /*holds=*/10, /*units=*/20}};
  std::vector<std::string> singles, groups;
  std::vector<std::uint64_t> freed;
};

TEST_F(WaitersTest, AWaitIsAnsweredWhenItsTaskEndsAndThenForgotten) {
  add(1);
  add(2);
  ASSERT_TRUE(waiters.hold(1, {"c1", "w1", 5'000}).ok());
  end(2);
  EXPECT_TRUE(singles.empty()) << "another task ended";
  end(1);
  EXPECT_EQ(singles, (std::vector<std::string>{"w1@t1"}));
  EXPECT_EQ(waiters.held(), 0u);
  EXPECT_EQ(waiters.quota().holds(), 0u);
  waiters.ended(1, single(), group(), released());
  EXPECT_EQ(singles.size(), 1u) << "answered once";
}

TEST_F(WaitersTest, AGroupIsAnsweredWhenItsLastOpenTaskEndsAndItsTasksAreReleased) {
  add(1);
  add(2);
  add(3, TaskState::COMPLETED);  // ended already: not waited on, but named (kept for the answer)
  ASSERT_TRUE(waiters.hold_group({"c1", "g1", 5'000}, {1, 2, 3}, tasks).ok());
  EXPECT_TRUE(waiters.names(3));
  EXPECT_EQ(waiters.quota().units(), 3u);
  end(1);
  EXPECT_TRUE(groups.empty());
  EXPECT_TRUE(freed.empty()) << "still named by the held group";
  end(2);
  EXPECT_EQ(groups, (std::vector<std::string>{"g1:3"}));
  EXPECT_EQ(freed, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(waiters.names(1));
  EXPECT_EQ(waiters.quota().units(), 0u);
}

TEST_F(WaitersTest, ATaskNamedByTwoGroupsIsReleasedOnlyByTheLastOfThem) {
  add(1);
  add(2);
  ASSERT_TRUE(waiters.hold_group({"c1", "g1", 5'000}, {1}, tasks).ok());
  ASSERT_TRUE(waiters.hold_group({"c2", "g2", 5'000}, {1, 2}, tasks).ok());
  end(1);
  EXPECT_EQ(groups, (std::vector<std::string>{"g1:1"}));
  EXPECT_TRUE(freed.empty()) << "g2 names it still";
  end(2);
  EXPECT_EQ(groups, (std::vector<std::string>{"g1:1", "g2:2"}));
  EXPECT_EQ(freed, (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(WaitersTest, AtTheDeadlineGroupsAndThenSingleWaitsAreAnsweredAndLaterOnesKept) {
  add(1);
  add(2);
  ASSERT_TRUE(waiters.hold(1, {"c1", "w1", 1'000}).ok());
  ASSERT_TRUE(waiters.hold(2, {"c1", "w2", 3'000}).ok());
  ASSERT_TRUE(waiters.hold_group({"c2", "g1", 1'000}, {1, 2}, tasks).ok());
  waiters.expire(999, single(), group(), released());
  EXPECT_TRUE(singles.empty() && groups.empty());
  waiters.expire(1'000, single(), group(), released());
  EXPECT_EQ(groups, (std::vector<std::string>{"g1:2"}));
  EXPECT_EQ(singles, (std::vector<std::string>{"w1@t1"}));
  EXPECT_EQ(freed, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(waiters.held(), 1u);
  end(1);
  EXPECT_EQ(groups.size(), 1u) << "the group answered at its deadline is not answered again";
  end(2);
  EXPECT_EQ(singles.back(), "w2@t2");
}

TEST_F(WaitersTest, AClosedConnectionsWaitsAreForgottenUnansweredOthersStay) {
  add(1);
  add(2);
  ASSERT_TRUE(waiters.hold(1, {"gone", "w1", 5'000}).ok());
  ASSERT_TRUE(waiters.hold_group({"gone", "g1", 5'000}, {1, 2}, tasks).ok());
  ASSERT_TRUE(waiters.hold(1, {"stays", "w2", 5'000}).ok());
  EXPECT_EQ(waiters.drop("nobody", released()), 0u);
  EXPECT_EQ(waiters.drop("gone", released()), 2u);
  EXPECT_EQ(freed, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(waiters.quota().holds_of("gone"), 0u);
  end(1);
  EXPECT_EQ(singles, (std::vector<std::string>{"w2@t1"}));
  EXPECT_TRUE(groups.empty());
}

TEST_F(WaitersTest, PastItsQuotaAConnectionIsRefusedAndNothingIsHeld) {
  add(1);
  add(2);
  ASSERT_TRUE(waiters.hold(1, {"c1", "w1", 5'000}).ok());
  auto too_many_ids = waiters.hold_group({"c1", "g1", 5'000}, {1, 2, 1, 2}, tasks);
  ASSERT_FALSE(too_many_ids.ok());
  EXPECT_EQ(too_many_ids.error().code, ErrorCode::UNAVAILABLE);
  ASSERT_TRUE(waiters.hold(2, {"c1", "w2", 5'000}).ok());
  auto third = waiters.hold(2, {"c1", "w3", 5'000});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_EQ(waiters.held(), 2u);
  EXPECT_TRUE(waiters.hold(2, {"c2", "w4", 5'000}).ok()) << "another connection is still served";
}

TEST_F(WaitersTest, TheInvariantCheckFindsATaskExpiredUnderAHeldGroup) {
  add(1);
  add(2);
  ASSERT_TRUE(waiters.hold_group({"c1", "g1", 5'000}, {1, 2}, tasks).ok());
  tasks.at(2).state = TaskState::COMPLETED;
  TaskRecord kept = tasks.at(2);
  tasks.erase(2);  // expired although the group names it
  EXPECT_FALSE(waiters.check_invariants(tasks).ok());
  tasks[2] = std::move(kept);
  waiters.clear();
  EXPECT_EQ(waiters.quota().holds(), 0u);
}

}  // namespace
}  // namespace orion::scheduler
