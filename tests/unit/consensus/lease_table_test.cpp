// Leases in log time (services/consensus/lease_table.*): the transition table in its header.
#include "services/consensus/lease_table.h"

#include <gtest/gtest.h>

namespace orion::consensus {
namespace {

class LeaseTableTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(table.check_invariants(), ""); }
  LeaseTable table;
};

TEST_F(LeaseTableTest, FreeLeaseIsGrantedWithTheFirstToken) {
  auto r = table.acquire("db", "h1", 1'000, 100);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->granted);
  EXPECT_EQ(r->lease.holder, "h1");
  EXPECT_EQ(r->lease.token, 1);
  EXPECT_EQ(r->lease.acquired_ms, 100);
  EXPECT_EQ(r->lease.expires_ms, 1'100);
}

TEST_F(LeaseTableTest, HeldLeaseIsRefusedToOthersAndExtendedForItsHolder) {
  table.acquire("db", "h1", 1'000, 0);
  auto other = table.acquire("db", "h2", 1'000, 500);
  EXPECT_FALSE(other->granted);
  EXPECT_EQ(other->lease.holder, "h1");
  auto again = table.acquire("db", "h1", 1'000, 500);  // a retried acquire
  EXPECT_TRUE(again->granted);
  EXPECT_EQ(again->lease.token, 1) << "same holder, same token";
  EXPECT_EQ(again->lease.expires_ms, 1'500);
}

TEST_F(LeaseTableTest, RenewOnlyByTheHolderBeforeExpiry) {
  table.acquire("db", "h1", 1'000, 0);
  EXPECT_TRUE(table.renew("db", "h1", 2'000, 900));
  EXPECT_EQ(table.get("db", 900).expires_ms, 2'900);
  EXPECT_EQ(table.renew("db", "h2", 2'000, 900).error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_EQ(table.renew("db", "h1", 2'000, 2'900).error().code, ErrorCode::FAILED_PRECONDITION) << "expired";
  EXPECT_EQ(table.renew("nothing", "h1", 2'000, 0).error().code, ErrorCode::FAILED_PRECONDITION);
}

TEST_F(LeaseTableTest, ExpiredLeaseGoesToTheNextAcquirerWithANewToken) {
  table.acquire("db", "h1", 1'000, 0);
  EXPECT_EQ(table.get("db", 999).holder, "h1");
  EXPECT_EQ(table.get("db", 1'000).holder, "") << "free at expires_ms";
  auto r = table.acquire("db", "h2", 1'000, 1'000);
  EXPECT_TRUE(r->granted);
  EXPECT_EQ(r->lease.token, 2);
  auto back = table.acquire("db", "h1", 1'000, 5'000);
  EXPECT_EQ(back->lease.token, 3) << "re-acquired after expiry: fenced with a new token";
}

TEST_F(LeaseTableTest, ReleaseFreesItOnlyForTheHolderAndIsIdempotent) {
  table.acquire("db", "h1", 1'000, 0);
  EXPECT_FALSE(table.release("db", "h2", 10).granted);
  EXPECT_EQ(table.get("db", 10).holder, "h1");
  EXPECT_TRUE(table.release("db", "h1", 10).granted);
  EXPECT_FALSE(table.release("db", "h1", 11).granted) << "a retried release changes nothing";
  EXPECT_EQ(table.get("db", 11).holder, "");
  EXPECT_TRUE(table.acquire("db", "h2", 1'000, 12)->granted);
}

TEST_F(LeaseTableTest, UnknownLeaseReadsAsFree) {
  auto v = table.get("never", 0);
  EXPECT_EQ(v.name, "never");
  EXPECT_EQ(v.holder, "");
  EXPECT_EQ(v.token, 0);
}

}  // namespace
}  // namespace orion::consensus
