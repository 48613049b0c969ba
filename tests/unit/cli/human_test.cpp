// cli/human.*: times and durations as orionctl shows them to people.
#include "cli/human.h"

#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

namespace orion::cli {
namespace {

TEST(Human, DurationsCarryTheirUnit) {
  EXPECT_EQ(human_duration(0), "0 ms");
  EXPECT_EQ(human_duration(850), "850 ms");
  EXPECT_EQ(human_duration(2500), "2.50 s");
  EXPECT_EQ(human_duration(5 * 60'000 + 3'000), "5 min 3 s");
  EXPECT_EQ(human_duration(3'600'000 + 2 * 60'000), "1 h 2 min");
  EXPECT_EQ(human_duration(3 * 86'400'000LL + 4 * 3'600'000LL), "3 d 4 h");
  EXPECT_EQ(human_duration(-1500), "-1.50 s");
}

TEST(Human, BetweenTwoTimesOrADashWhenOneIsMissing) {
  EXPECT_EQ(between(1'000, 1'250), "250 ms");
  EXPECT_EQ(between(0, 1'250), "-");
  EXPECT_EQ(between(1'000, 0), "-");
}

TEST(Human, LocalTimeIsTheWallClockInTheLocalZone) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(local_time(1'796'527'241'474), "2026-12-06 03:20:41.474");
  setenv("TZ", "XYZ-1", 1);  // POSIX form (no time zone database needed): UTC+1
  tzset();
  EXPECT_EQ(local_time(1'796'527'241'474), "2026-12-06 04:20:41.474");
  EXPECT_EQ(local_time(0), "-") << "a time that has not happened is a dash, not 1970";
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST(Human, Fixed) {
  EXPECT_EQ(fixed(12.345, 1), "12.3");
  EXPECT_EQ(fixed(100.0, 0), "100");
}

}  // namespace
}  // namespace orion::cli
