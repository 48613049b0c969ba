// The audit log a service keeps (common/audit_log.h): records made go out with the next drain,
// retention keeps the newest N (the oldest deleted in the same drain), the chain goes on from
// the newest held record after a start, pages read from a seq or a time, and a stored record
// that does not read is served so that verification names it.
#include "common/audit_log.h"

#include <gtest/gtest.h>

#include <map>

#include "common/clock.h"

namespace orion {
namespace {

// A store as the scheduler's Log is for audit records: seq -> bytes, puts and deletions.
struct Store {
  std::map<std::uint64_t, std::string> records;
  void drain(AuditLog& audit) {
    audit.drain([&](std::uint64_t seq, std::string b) { records[seq] = std::move(b); },
              [&](std::uint64_t seq) { records.erase(seq); });
  }
  std::vector<AuditRecord> decoded() const {
    std::vector<AuditRecord> out;
    for (const auto& [seq, b] : records) out.push_back(audit_record(audit_entry(seq, b)));
    return out;
  }
};

AuditEvent submit(const Clock& clock, const std::string& target, const std::string& outcome = "OK") {
  return {clock.wall_ms(), "ci", "submit", target, outcome, "type=echo"};
}

TEST(AuditLogTest, RecordsGoOutWithTheNextDrainAndRetentionKeepsTheNewest) {
  ManualClock clock;
  AuditLog audit(5);
  Store store;
  for (int i = 1; i <= 3; ++i) audit.record(submit(clock, "t" + std::to_string(i))), clock.advance(10);
  EXPECT_TRUE(store.records.empty());
  store.drain(audit);
  ASSERT_EQ(store.records.size(), 3u);
  for (int i = 4; i <= 8; ++i) audit.record(submit(clock, "t" + std::to_string(i))), clock.advance(10);
  store.drain(audit);
  // Records 1..3 went out of retention in the drain that stored 4..8.
  ASSERT_EQ(store.records.size(), 5u);
  EXPECT_EQ(store.records.begin()->first, 4u);
  EXPECT_EQ(audit.size(), 5u);
  EXPECT_FALSE(verify_audit_chain(store.decoded()).has_value());
}

TEST(AuditLogTest, AChainGoesOnFromTheNewestStoredRecordAfterAStart) {
  ManualClock clock;
  Store store;
  {
    AuditLog audit;
    for (int i = 1; i <= 4; ++i) audit.record(submit(clock, "t" + std::to_string(i)));
    store.drain(audit);
  }
  AuditLog restarted;
  for (const auto& [seq, b] : store.records) restarted.hold(seq, b);
  clock.advance(1000);
  EXPECT_EQ(restarted.next_seq(), 5u);
  restarted.record({clock.wall_ms(), "ops", "cancel", "t2", "OK", ""});
  store.drain(restarted);
  ASSERT_EQ(store.records.size(), 5u);
  EXPECT_FALSE(verify_audit_chain(store.decoded()).has_value());
  // A lower keep at a start is worked off as records come, kDropSlice at most each.
  restarted.set_keep(2);
  store.drain(restarted);
  EXPECT_EQ(store.records.size(), 5u);
  restarted.record({clock.wall_ms(), "ops", "cancel", "t3", "OK", ""});
  store.drain(restarted);
  EXPECT_EQ(store.records.size(), 2u);
  EXPECT_EQ(store.records.begin()->first, 5u);
}

TEST(AuditLogTest, TimesNeverGoBackSoAPageFromATimeIsExact) {
  ManualClock clock(0, 1'000'000);
  AuditLog audit;
  audit.record(submit(clock, "t1"));  // 1,000,000
  clock.advance(500);
  audit.record(submit(clock, "t2"));  // 1,000,500
  AuditEvent back = submit(clock, "t3");
  back.time_ms -= 400;  // the wall clock stepped back
  audit.record(back);
  clock.advance(500);
  audit.record(submit(clock, "t4"));  // 1,001,000
  AuditList q;
  q.since_ms = 1'000'500;
  auto page = audit.list(q);
  ASSERT_EQ(page.records.size(), 3u);
  EXPECT_EQ(page.records[0].target, "t2");
  EXPECT_EQ(page.records[1].time_ms, 1'000'500);  // t3, raised to its predecessor's time
  EXPECT_EQ(page.first_seq, 1);
  EXPECT_EQ(page.last_seq, 4);
  EXPECT_EQ(page.next_seq, 0);
}

TEST(AuditLogTest, PagesFollowOneAnotherToTheEnd) {
  ManualClock clock;
  AuditLog audit;
  for (int i = 1; i <= 25; ++i) audit.record(submit(clock, "t" + std::to_string(i)));
  AuditList q;
  q.limit = 10;
  std::vector<AuditRecord> all;
  int pages = 0;
  for (;; ++pages) {
    auto page = audit.list(q);
    for (const auto& e : page.records) all.push_back(audit_record(e));
    if (page.next_seq == 0) break;
    q.from_seq = page.next_seq;
  }
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(all.size(), 25u);
  EXPECT_EQ(all.back().seq, 25u);
  EXPECT_FALSE(verify_audit_chain(all).has_value());
  // The hex form round-trips: an entry verifies as the record it shows.
  EXPECT_EQ(all[3].hash.size(), kAuditHashBytes);
}

TEST(AuditLogTest, AStoredRecordThatDoesNotReadIsServedAndVerificationNamesIt) {
  ManualClock clock;
  Store store;
  AuditLog audit;
  for (int i = 1; i <= 5; ++i) audit.record(submit(clock, "t" + std::to_string(i)));
  store.drain(audit);
  store.records[3] = "not a record";
  AuditLog loaded;
  for (const auto& [seq, b] : store.records) loaded.hold(seq, b);
  auto page = loaded.list(AuditList{});
  ASSERT_EQ(page.records.size(), 5u);
  EXPECT_EQ(page.records[2].seq, 3);
  EXPECT_NE(page.records[2].detail.find("does not read"), std::string::npos);
  std::vector<AuditRecord> shown;
  for (const auto& e : page.records) shown.push_back(audit_record(e));
  auto bad = verify_audit_chain(shown);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 3u);
}

TEST(AuditLogTest, AFollowerHoldsAndForgetsWhatTheLeaderWrote) {
  ManualClock clock;
  AuditLog leader(3), follower(1'000);
  Store store;
  for (int i = 1; i <= 5; ++i) {
    leader.record(submit(clock, "t" + std::to_string(i)));
    leader.drain([&](std::uint64_t seq, std::string b) { follower.hold(seq, std::move(b)); },
                 [&](std::uint64_t seq) { follower.forget(seq); });
  }
  EXPECT_EQ(follower.size(), 3u);  // the leader's retention, not its own
  // Promoted, it continues the chain from the last record it holds.
  follower.record(submit(clock, "t6"));
  follower.drain([&](std::uint64_t seq, std::string b) { store.records[seq] = std::move(b); }, [](std::uint64_t) {});
  std::vector<AuditRecord> all;
  for (const auto& e : follower.list(AuditList{}).records) all.push_back(audit_record(e));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.back().seq, 6u);
  EXPECT_FALSE(verify_audit_chain(all).has_value());
}

TEST(RefusalBudgetTest, RefusalsPastTheBudgetAreCountedAndSummedUpOnceTheSecondIsOver) {
  ManualClock clock;
  RefusalBudget budget(3);
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += budget.admit(clock.now_ms());
  EXPECT_EQ(admitted, 3);
  EXPECT_EQ(budget.summary(clock.now_ms()), 0u);  // the second is not over
  clock.advance(1000);
  EXPECT_EQ(budget.summary(clock.now_ms()), 7u);
  EXPECT_EQ(budget.summary(clock.now_ms()), 0u);
  EXPECT_TRUE(budget.admit(clock.now_ms()));
}

}  // namespace
}  // namespace orion
