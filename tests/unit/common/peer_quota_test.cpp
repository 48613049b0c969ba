// Tests of common/peer_quota.*: held requests bounded per connection and in all.
#include "common/peer_quota.h"

#include <gtest/gtest.h>

namespace orion {
namespace {

TEST(PeerQuota, RefusesAPeerPastItsHoldsOrUnitsAndOthersStillGetIn) {
  PeerQuota q({2, 10, 100, 1000});
  ASSERT_TRUE(q.admit("a", 4));
  q.add("a", 4);
  q.add("a", 4);
  auto s = q.admit("a", 1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_TRUE(q.admit("b", 10));
  EXPECT_FALSE(q.admit("b", 11));  // over the per-peer units
  q.remove("a", 4);
  EXPECT_TRUE(q.admit("a", 2));
  EXPECT_FALSE(q.admit("a", 7));  // 4 + 7 units > 10
}

TEST(PeerQuota, RefusesEveryoneWhenTheTotalsAreFull) {
  PeerQuota q({10, 100, 3, 5});
  q.add("a", 1);
  q.add("b", 1);
  q.add("c", 3);
  EXPECT_FALSE(q.admit("d", 1));  // 3 holds
  q.remove("a", 1);
  EXPECT_TRUE(q.admit("d", 1));   // 3 holds, 5 units: exactly full
  EXPECT_FALSE(q.admit("d", 2));  // 6 units > 5
}

TEST(PeerQuota, ForgetsAPeerWithNothingHeld) {
  PeerQuota q;
  q.add("a", 3);
  EXPECT_EQ(q.holds_of("a"), 1u);
  q.remove("a", 3);
  EXPECT_EQ(q.holds_of("a"), 0u);
  EXPECT_EQ(q.holds(), 0u);
  EXPECT_EQ(q.units(), 0u);
  q.remove("nobody", 1);  // harmless
  EXPECT_EQ(q.holds(), 0u);
}

}  // namespace
}  // namespace orion
