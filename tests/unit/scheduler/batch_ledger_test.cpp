// BatchLedger (services/scheduler/batch_ledger.h) on its own: how long a batch's request id and
// idempotent hits are kept, when a batch record is spent, what a restore takes back, and that the
// invariant check finds a miscounted batch record. Every test ends with the invariants checked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/scheduler/batch_ledger.h"

namespace orion::scheduler {
namespace {

constexpr std::int64_t kRetentionMs = 10'000;

class BatchLedgerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = books.check_invariants(tasks);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  void add(std::uint64_t seq, bool in_batch_record = false) {
    tasks[seq].seq = seq;
    tasks[seq].in_batch_record = in_batch_record;
  }
  std::vector<std::uint64_t> expired_hits() {
    std::vector<std::uint64_t> ids;
    books.drain_expired_hits([&](std::uint64_t id) { ids.push_back(id); });
    return ids;
  }
  std::vector<std::uint64_t> spent() {
    std::vector<std::uint64_t> firsts;
    books.drain_spent([&](std::uint64_t first) { firsts.push_back(first); });
    return firsts;
  }
  TaskTable tasks;
  BatchLedger books{kRetentionMs};
};

TEST_F(BatchLedgerTest, ARequestIdAndItsHitsGoWithTheLastNewTaskOfTheBatch) {
  add(1);  // an older task: entry "a" is an idempotent hit on it
  add(2);
  add(3);
  books.accepted("req", {1, 2, 3}, {{"a", 1}}, 2, 3, 500);
  EXPECT_TRUE(books.knows("req"));
  ASSERT_NE(books.hits_of("req"), nullptr);
  EXPECT_EQ(books.hits_of("req")->hits.size(), 1u);
  std::vector<BatchHits> stored;
  books.drain_new_hits([&](const BatchHits& h) { stored.push_back(h); });
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].first, 2u);
  EXPECT_EQ(stored[0].last, 3u);

  tasks.erase(2);
  books.task_gone(2);
  EXPECT_TRUE(books.knows("req"));
  tasks.erase(3);
  books.task_gone(3);
  EXPECT_FALSE(books.knows("req"));
  EXPECT_EQ(expired_hits(), (std::vector<std::uint64_t>{stored[0].id}));
}

TEST_F(BatchLedgerTest, HitsOfABatchWithoutNewTasksAreKeptForTheRetentionPeriod) {
  add(1);
  books.accepted("all-hits", {1, 1}, {{"a", 1}, {"b", 1}}, 0, 0, 1'000);
  EXPECT_EQ(books.expire_hits(1'000 + kRetentionMs - 1, 10), 0u);
  EXPECT_TRUE(books.knows("all-hits"));
  EXPECT_EQ(books.expire_hits(1'000 + kRetentionMs, 10), 1u);
  EXPECT_FALSE(books.knows("all-hits"));
  EXPECT_EQ(expired_hits().size(), 1u);
}

TEST_F(BatchLedgerTest, ABatchRecordIsSpentWhenItsLastTaskHasARecordOfItsOwn) {
  add(1, true);
  add(2, true);
  books.record(1, 2, 2);
  EXPECT_TRUE(books.in_record(2));
  tasks.at(1).in_batch_record = false;
  EXPECT_FALSE(books.written_alone(1).has_value());
  EXPECT_TRUE(spent().empty());
  tasks.at(2).in_batch_record = false;
  auto range = books.written_alone(2);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(*range, (std::pair<std::uint64_t, std::uint64_t>{1, 2}));
  EXPECT_EQ(spent(), (std::vector<std::uint64_t>{1}));
  EXPECT_FALSE(books.in_record(2));
  EXPECT_FALSE(books.written_alone(7).has_value()) << "in no batch record";
}

TEST_F(BatchLedgerTest, RestoredHitsWhoseNewTasksAllExpiredGoAtOnce) {
  BatchHits gone{4, "old", {{"a", 1}}, 5, 6, 100};
  books.restore_hits(gone, /*live=*/0, 0);
  EXPECT_FALSE(books.knows("old"));
  EXPECT_EQ(expired_hits(), (std::vector<std::uint64_t>{4}));

  add(7);
  BatchHits kept{9, "new", {{"b", 1}}, 7, 8, 200};
  books.restore_hits(kept, /*live=*/1, 0);
  EXPECT_TRUE(books.knows("new"));
  books.accepted("next", {7}, {{"c", 7}}, 0, 0, 300);
  std::vector<BatchHits> made;
  books.drain_new_hits([&](const BatchHits& h) { made.push_back(h); });
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].id, 10u) << "ids are never handed out twice";
}

TEST_F(BatchLedgerTest, AStandbyDropsTheHitsTheLeaderDeletedById) {
  add(1);
  books.restore_hits(BatchHits{3, "r", {{"a", 1}}, 0, 0, 100}, 0, 0);
  books.drop_hits(99);
  EXPECT_TRUE(books.knows("r"));
  books.drop_hits(3);
  EXPECT_FALSE(books.knows("r"));
}

TEST_F(BatchLedgerTest, ThePendingBatchesAreMadeInOrder) {
  PendingBatch a, b;
  a.request_id = "a";
  b.request_id = "b";
  books.push_pending(std::move(a));
  books.push_pending(std::move(b));
  ASSERT_TRUE(books.applying());
  EXPECT_EQ(books.front_pending().request_id, "a");
  books.pop_pending();
  EXPECT_EQ(books.front_pending().request_id, "b");
  books.front_pending().next = 1;  // past its (empty) plan
  EXPECT_FALSE(books.check_invariants(tasks).ok());
  books.pop_pending();
  EXPECT_FALSE(books.applying());
}

TEST_F(BatchLedgerTest, TheInvariantCheckFindsABatchRecordThatMiscountsItsTasks) {
  add(1, true);
  add(2, true);
  books.record(1, 2, 1);  // two tasks are held by it
  EXPECT_FALSE(books.check_invariants(tasks).ok());
  add(3, true);  // held by no record at all
  books.record(1, 2, 2);
  EXPECT_FALSE(books.check_invariants(tasks).ok());
  books.record(3, 3, 1);
  EXPECT_TRUE(books.check_invariants(tasks).ok());
}

}  // namespace
}  // namespace orion::scheduler
