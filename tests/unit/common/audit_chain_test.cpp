// The audit log's hash chain: an intact chain verifies, and a changed, removed, inserted or
// reordered record is found at the right record; stored bytes round-trip and damage is an error.
#include "common/audit_chain.h"

#include <gtest/gtest.h>

#include <random>

namespace orion {
namespace {

std::vector<AuditRecord> chain_of(std::size_t n) {
  AuditChain chain;
  std::vector<AuditRecord> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(chain.append({1000 + static_cast<std::int64_t>(i), "ci", "submit", "t" + std::to_string(i + 1), "OK",
                                "type=compile"}));
  }
  return out;
}

TEST(AuditChainTest, AnIntactChainVerifiesAndContinuesAfterARestart) {
  auto records = chain_of(10);
  EXPECT_EQ(records[0].seq, 1u);
  EXPECT_EQ(records[0].prev_hash, std::string(kAuditHashBytes, '\0'));
  EXPECT_EQ(records[5].prev_hash, records[4].hash);
  EXPECT_FALSE(verify_audit_chain(records).has_value());

  AuditChain resumed(records.back());
  records.push_back(resumed.append({2000, "ops", "cancel", "t3", "OK", ""}));
  EXPECT_EQ(records.back().seq, 11u);
  EXPECT_FALSE(verify_audit_chain(records).has_value());
  // Retention dropped the oldest: what is kept still verifies.
  EXPECT_FALSE(verify_audit_chain({records.begin() + 4, records.end()}).has_value());
}

TEST(AuditChainTest, EachKindOfTamperingIsFoundAtTheFirstBadRecord) {
  const auto good = chain_of(10);

  auto changed = good;
  changed[6].event.principal = "alice";
  auto bad = verify_audit_chain(changed);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 7u);
  EXPECT_NE(bad->why.find("changed"), std::string::npos) << bad->why;

  auto rehashed = good;  // changed and rehashed: the next record no longer chains to it
  rehashed[6].event.outcome = "PERMISSION_DENIED";
  rehashed[6].hash = audit_hash(rehashed[6]);
  bad = verify_audit_chain(rehashed);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->seq, 8u);
  EXPECT_NE(bad->why.find("does not chain to record 7"), std::string::npos) << bad->why;

  auto removed = good;
  removed.erase(removed.begin() + 3);
  bad = verify_audit_chain(removed);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 3u);
  EXPECT_EQ(bad->seq, 5u);
  EXPECT_NE(bad->why.find("records 4 to 4 are missing"), std::string::npos) << bad->why;

  auto inserted = good;
  AuditRecord forged = good[2];
  forged.event.target = "t999";
  forged.hash = audit_hash(forged);
  inserted.insert(inserted.begin() + 3, forged);
  bad = verify_audit_chain(inserted);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 3u);
  EXPECT_NE(bad->why.find("inserted"), std::string::npos) << bad->why;

  auto reordered = good;
  std::swap(reordered[4], reordered[5]);
  bad = verify_audit_chain(reordered);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->index, 4u);
  EXPECT_EQ(bad->seq, 6u);
  EXPECT_NE(bad->why.find("record 5 is stored after it (reordered)"), std::string::npos) << bad->why;
}

TEST(AuditChainTest, StoredBytesRoundTripAndDamageIsAnErrorNotACrash) {
  AuditChain chain;
  auto r = chain.append({5, "p", "vote", "p7", "OK", std::string(5000, 'x')});
  EXPECT_EQ(r.event.detail.size(), kMaxAuditField) << "long fields are cut";
  EXPECT_EQ(r.event.detail.substr(kMaxAuditField - 3), "...");
  const std::string bytes = encode_audit_record(r);
  auto back = decode_audit_record(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->seq, r.seq);
  EXPECT_EQ(back->event.detail, r.event.detail);
  EXPECT_EQ(back->hash, r.hash);
  EXPECT_EQ(back->prev_hash, r.prev_hash);
  EXPECT_EQ(audit_hash(*back), back->hash);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto cut = decode_audit_record(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(cut.ok()) << "truncated to " << n;
  }
  std::mt19937 rng(9);
  for (int i = 0; i < 2000; ++i) {
    std::string damaged = bytes;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto d = decode_audit_record(damaged);  // must not crash; a change that still decodes fails the hash
    if (!d.ok()) {
      EXPECT_EQ(d.error().code, ErrorCode::INTERNAL);
      continue;
    }
    const auto& e = d->event;
    const bool same = d->seq == r.seq && e.time_ms == r.event.time_ms && e.principal == r.event.principal &&
                      e.action == r.event.action && e.target == r.event.target && e.outcome == r.event.outcome &&
                      e.detail == r.event.detail && d->prev_hash == r.prev_hash && d->hash == r.hash;
    if (!same) {
      EXPECT_NE(audit_hash(*d), d->hash) << "a damaged record that still decodes does not verify";
    }
  }
}

}  // namespace
}  // namespace orion
