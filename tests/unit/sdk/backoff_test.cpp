#include "sdk/cpp/backoff.h"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace orion::sdk {
namespace {

TEST(Backoff, DoublesFromInitialUpToMax) {
  Backoff b(100, 1000);
  EXPECT_EQ(b.next_ms(), 100);
  EXPECT_EQ(b.next_ms(), 200);
  EXPECT_EQ(b.next_ms(), 400);
  EXPECT_EQ(b.next_ms(), 800);
  EXPECT_EQ(b.next_ms(), 1000);
  EXPECT_EQ(b.next_ms(), 1000);
}

TEST(Backoff, PeekDoesNotAdvance) {
  Backoff b(100, 1000);
  EXPECT_EQ(b.peek_ms(), 100);
  EXPECT_EQ(b.peek_ms(), 100);
  EXPECT_EQ(b.next_ms(), 100);
  EXPECT_EQ(b.peek_ms(), 200);
}

TEST(Backoff, ResetStartsAgainFromInitial) {
  Backoff b(50, 5000);
  b.next_ms();
  b.next_ms();
  b.next_ms();
  b.reset();
  EXPECT_EQ(b.next_ms(), 50);
  EXPECT_EQ(b.next_ms(), 100);
}

TEST(Backoff, ClampsNonsenseOptionsToAPositiveDelay) {
  Backoff zero(0, 0);
  EXPECT_EQ(zero.next_ms(), 1);
  EXPECT_EQ(zero.next_ms(), 1);
  Backoff inverted(300, 100);  // max below initial: max becomes initial
  EXPECT_EQ(inverted.next_ms(), 300);
  EXPECT_EQ(inverted.next_ms(), 300);
}

TEST(Backoff, DoesNotOverflowNearTheLargestDelay) {
  const auto big = std::numeric_limits<std::int64_t>::max();
  Backoff b(big / 2 + 1, big);
  EXPECT_EQ(b.next_ms(), big / 2 + 1);
  EXPECT_EQ(b.next_ms(), big);
  EXPECT_EQ(b.next_ms(), big);
}

TEST(Backoff, AMaxThatIsNotAPowerOfTwoMultipleIsReachedExactly) {
  Backoff b(100, 5000);
  std::int64_t last = 0;
  for (int i = 0; i < 10; ++i) last = b.next_ms();
  EXPECT_EQ(last, 5000);
}

}  // namespace
}  // namespace orion::sdk
