// The subscriber's de-duplicator: copies from several buses, gaps, restarts, bounded memory.
#include "common/event_dedup.h"

#include <gtest/gtest.h>

namespace orion {
namespace {

TEST(EventDedup, TheSecondCopyOfAnEventIsDropped) {
  EventDedup d;
  EXPECT_TRUE(d.accept("scheduler", 7, 1).fresh);
  EXPECT_FALSE(d.accept("scheduler", 7, 1).fresh);
  EXPECT_TRUE(d.accept("scheduler", 7, 2).fresh);
  EXPECT_FALSE(d.accept("scheduler", 7, 2).fresh);
  EXPECT_TRUE(d.accept("registry", 7, 1).fresh) << "another publisher numbers its own events";
}

TEST(EventDedup, TwoBusesInterleavedDeliverEachEventOnce) {
  EventDedup d;
  int delivered = 0;
  // Bus A is ahead of bus B by three events; both carry 1..100.
  for (std::uint64_t s = 1; s <= 103; ++s) {
    if (s <= 100) delivered += d.accept("p", 1, s).fresh;
    if (s > 3) delivered += d.accept("p", 1, s - 3).fresh;
  }
  EXPECT_EQ(delivered, 100);
}

TEST(EventDedup, AGapIsReportedAndALateEventStillDelivered) {
  EventDedup d;
  EXPECT_EQ(d.accept("p", 1, 1).missed, 0u);
  auto v = d.accept("p", 1, 5);
  EXPECT_TRUE(v.fresh);
  EXPECT_EQ(v.missed, 3u);
  // 3 arrives late on the slower bus: news, once.
  EXPECT_TRUE(d.accept("p", 1, 3).fresh);
  EXPECT_FALSE(d.accept("p", 1, 3).fresh);
  EXPECT_EQ(d.accept("p", 1, 6).missed, 0u);
}

TEST(EventDedup, ANewEpochIsARestartNotAGapNorADuplicate) {
  EventDedup d;
  for (std::uint64_t s = 1; s <= 50; ++s) d.accept("scheduler", 100, s);
  auto v = d.accept("scheduler", 200, 1);
  EXPECT_TRUE(v.fresh) << "seq 1 again, but of a new process";
  EXPECT_TRUE(v.restarted);
  EXPECT_EQ(v.missed, 0u);
  EXPECT_FALSE(d.accept("scheduler", 200, 1).fresh);
  EXPECT_FALSE(d.accept("scheduler", 200, 2).restarted);
  EXPECT_FALSE(d.accept("scheduler", 100, 50).fresh) << "the old epoch's copy arriving late is still a copy";
}

TEST(EventDedup, EventsWithoutNumberingAreAlwaysFresh) {
  EventDedup d;
  EXPECT_TRUE(d.accept("old", 0, 5).fresh);
  EXPECT_TRUE(d.accept("old", 0, 5).fresh);
  EXPECT_TRUE(d.accept("old", 3, 0).fresh);
  EXPECT_EQ(d.streams(), 0u);
}

TEST(EventDedup, MemoryIsBoundedByStreamsAndWindow) {
  EventDedup d;
  for (std::uint64_t e = 1; e <= EventDedup::kMaxStreams + 500; ++e) d.accept("p", e, 1);
  EXPECT_EQ(d.streams(), EventDedup::kMaxStreams);
  // The least recently heard streams went first: epoch 1 is forgotten, the newest is kept.
  EXPECT_FALSE(d.accept("p", EventDedup::kMaxStreams + 500, 1).fresh);
  EXPECT_TRUE(d.accept("p", 1, 1).fresh) << "forgotten, so heard as new";
  // Far behind the window: cannot be told apart, dropped.
  EventDedup w;
  w.accept("p", 9, 1);
  w.accept("p", 9, 1 + EventDedup::kWindow + 10);
  EXPECT_FALSE(w.accept("p", 9, 5).fresh);
  EXPECT_TRUE(w.accept("p", 9, 20).fresh) << "inside the window and not heard";
}

TEST(EventDedup, AJumpPastTheWindowForgetsTheOldBits) {
  EventDedup d;
  for (std::uint64_t s = 1; s <= 10; ++s) d.accept("p", 1, s);
  auto v = d.accept("p", 1, 10 + 3 * EventDedup::kWindow);
  EXPECT_EQ(v.missed, 3 * EventDedup::kWindow - 1);
  // A seq whose window slot held an old, heard seq is not mistaken for heard.
  EXPECT_TRUE(d.accept("p", 1, 10 + 3 * EventDedup::kWindow - EventDedup::kWindow + 5).fresh);
}

}  // namespace
}  // namespace orion
