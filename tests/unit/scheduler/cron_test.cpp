// services/scheduler/cron.*: cron expressions and when they fire, in simulated time (every
// "now" is an argument), across daylight-saving gaps and folds.
#include "services/scheduler/cron.h"

#include <chrono>

#include <date/tz.h>
#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

using namespace std::chrono;

// Epoch ms of a UTC wall-clock time.
std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi = 0, int s = 0) {
  const auto day = date::sys_days{date::year{y} / date::month{mo} / date::day{d}};
  return duration_cast<milliseconds>((day + hours(h) + minutes(mi) + seconds(s)).time_since_epoch()).count();
}

CronExpr expr(const std::string& text) {
  auto e = CronExpr::parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error().to_string());
  return e.ok() ? *e : CronExpr{};
}

const date::time_zone& zone(const std::string& name) {
  auto z = find_time_zone(name);
  EXPECT_TRUE(z.ok()) << name;
  return **z;
}

std::string error_of(const std::string& text) {
  auto e = CronExpr::parse(text);
  EXPECT_FALSE(e.ok()) << text << " parsed";
  return e.ok() ? "" : e.error().message;
}

TEST(Cron, ParsesListsRangesStepsNamesAndMacros) {
  auto e = expr("0,30 9-17/2 * JAN-mar,dec mon-FRI");
  EXPECT_TRUE(e.minutes[0] && e.minutes[30] && !e.minutes[15]);
  EXPECT_TRUE(e.hours[9] && e.hours[11] && e.hours[17] && !e.hours[10] && !e.hours[18]);
  EXPECT_TRUE(e.months[1] && e.months[3] && e.months[12] && !e.months[4]);
  EXPECT_TRUE(e.weekdays[1] && e.weekdays[5] && !e.weekdays[0] && !e.weekdays[6]);
  EXPECT_FALSE(e.has_seconds);
  EXPECT_EQ(e.seconds.count(), 1u) << "five fields fire at second 0";

  auto sunday = expr("0 0 * * 7");
  EXPECT_TRUE(sunday.weekdays[0]) << "7 is Sunday, as 0 is";
  auto from_ten = expr("10/20 * * * *");
  EXPECT_TRUE(from_ten.minutes[10] && from_ten.minutes[30] && from_ten.minutes[50] && !from_ten.minutes[0]);
  auto with_seconds = expr("*/15 * * * * *");
  EXPECT_TRUE(with_seconds.has_seconds);
  EXPECT_EQ(with_seconds.seconds.count(), 4u);

  auto daily = expr("@daily");
  EXPECT_TRUE(daily.minutes[0] && daily.hours[0] && daily.minutes.count() == 1 && daily.hours.count() == 1);
  EXPECT_TRUE(expr("@hourly").hours.all());
}

TEST(Cron, RefusesWhatItCannotReadNamingTheField) {
  EXPECT_EQ(error_of("61 * * * *"), "cron expression '61 * * * *': minute '61': expected a number in 0..59");
  EXPECT_EQ(error_of("* 24 * * *"), "cron expression '* 24 * * *': hour '24': expected a number in 0..23");
  EXPECT_EQ(error_of("* * 0 * *"), "cron expression '* * 0 * *': day-of-month '0': expected a number in 1..31");
  EXPECT_EQ(error_of("* * * FOO *"), "cron expression '* * * FOO *': month 'FOO': expected a number in 1..12 or a name");
  EXPECT_EQ(error_of("* * * * 5-2"), "cron expression '* * * * 5-2': day-of-week '5-2': a range runs from low to high");
  EXPECT_EQ(error_of("*/0 * * * *"), "cron expression '*/0 * * * *': minute '*/0': the step must be a number in 1..59");
  EXPECT_EQ(error_of("1,,2 * * * *"), "cron expression '1,,2 * * * *': minute: an empty item in '1,,2'");
  EXPECT_EQ(error_of("* * * *"),
            "cron expression '* * * *': expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds "
            "first), got 4");
  EXPECT_EQ(error_of("@often"), "cron expression '@often': unknown macro (@yearly, @monthly, @weekly, @daily, @hourly)");
  EXPECT_EQ(error_of(std::string(300, '*')), "cron expression: at most 256 bytes");
  EXPECT_EQ(error_of("-5 * * * *"), "cron expression '-5 * * * *': minute '-5': expected a number in 0..59");
  EXPECT_FALSE(find_time_zone("Mars/Olympus").ok());
  EXPECT_EQ(find_time_zone("Mars/Olympus").error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST(Cron, NextFireIsStrictlyAfterAndFollowsEveryField) {
  const auto& z = zone("UTC");
  EXPECT_EQ(next_fire(expr("*/15 * * * *"), z, utc(2026, 12, 6, 10, 7)), utc(2026, 12, 6, 10, 15));
  EXPECT_EQ(next_fire(expr("*/15 * * * *"), z, utc(2026, 12, 6, 10, 15)), utc(2026, 12, 6, 10, 30))
      << "a firing time is not fired again";
  EXPECT_EQ(next_fire(expr("*/15 * * * *"), z, utc(2026, 12, 6, 10, 14, 59) + 999), utc(2026, 12, 6, 10, 15));
  EXPECT_EQ(next_fire(expr("*/10 * * * * *"), z, utc(2026, 12, 6, 10, 0, 5)), utc(2026, 12, 6, 10, 0, 10));
  // 2026-12-04 is a Friday: weekdays at 09:00 go on to Monday the 7th.
  EXPECT_EQ(next_fire(expr("0 9 * * MON-FRI"), z, utc(2026, 12, 4, 10)), utc(2026, 12, 7, 9));
  // Day-of-month and day-of-week both restricted: either matches (the 13th, or a Friday).
  EXPECT_EQ(next_fire(expr("0 0 13 * FRI"), z, utc(2026, 12, 5, 0)), utc(2026, 12, 11, 0));
  EXPECT_EQ(next_fire(expr("0 0 13 * FRI"), z, utc(2026, 12, 11, 0)), utc(2026, 12, 13, 0));
  EXPECT_EQ(next_fire(expr("@yearly"), z, utc(2026, 12, 6, 0)), utc(2027, 1, 1, 0));
  EXPECT_EQ(next_fire(expr("0 12 29 2 *"), z, utc(2026, 12, 6, 0)), utc(2028, 2, 29, 12)) << "the next leap day";
  EXPECT_EQ(next_fire(expr("0 0 30 2 *"), z, utc(2026, 12, 6, 0)), -1) << "a day that never comes";
  EXPECT_EQ(next_fire(expr("0 3 * * *"), zone("Europe/Paris"), utc(2026, 12, 6, 0)), utc(2026, 12, 6, 2))
      << "03:00 in Paris in winter is 02:00 UTC";
}

// New York, 2026-03-08: at 02:00 EST (07:00 UTC) clocks jump to 03:00 EDT.
TEST(Cron, ATimeDaylightSavingSkipsFiresOnceAtTheEndOfTheGap) {
  const auto& ny = zone("America/New_York");
  const auto daily = expr("30 2 * * *");
  EXPECT_EQ(next_fire(daily, ny, utc(2026, 3, 7, 17)), utc(2026, 3, 8, 7)) << "02:30 does not exist: at 03:00 EDT";
  EXPECT_EQ(next_fire(daily, ny, utc(2026, 3, 8, 7)), utc(2026, 3, 9, 6, 30)) << "then 02:30 EDT the next day";

  const auto quarter = expr("*/15 * * * *");
  std::vector<std::int64_t> fired;
  for (std::int64_t t = utc(2026, 3, 8, 6, 40); fired.size() < 4; t = fired.back()) fired.push_back(next_fire(quarter, ny, t));
  EXPECT_EQ(fired, (std::vector<std::int64_t>{utc(2026, 3, 8, 6, 45), utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 15),
                                             utc(2026, 3, 8, 7, 30)}))
      << "01:45 EST, then 02:00..02:45 and 03:00 (all at the gap's end) once, then 03:15 EDT";
}

// New York, 2026-11-01: at 02:00 EDT (06:00 UTC) clocks go back to 01:00 EST.
TEST(Cron, ATimeThatOccursTwiceFiresOnceAtItsFirstOccurrence) {
  const auto& ny = zone("America/New_York");
  const auto daily = expr("30 1 * * *");
  EXPECT_EQ(next_fire(daily, ny, utc(2026, 10, 31, 16)), utc(2026, 11, 1, 5, 30)) << "01:30 EDT";
  EXPECT_EQ(next_fire(daily, ny, utc(2026, 11, 1, 5, 30)), utc(2026, 11, 2, 6, 30))
      << "not again at 01:30 EST the same night: the next day's 01:30 EST";
  // Asked from inside the second 01:xx (a scheduler that restarted then): no firing of a time
  // already had.
  EXPECT_EQ(next_fire(daily, ny, utc(2026, 11, 1, 6, 10)), utc(2026, 11, 2, 6, 30));

  const auto half = expr("*/30 * * * *");
  std::vector<std::int64_t> fired;
  for (std::int64_t t = utc(2026, 11, 1, 4, 45); fired.size() < 3; t = fired.back()) fired.push_back(next_fire(half, ny, t));
  EXPECT_EQ(fired, (std::vector<std::int64_t>{utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7, 0)}))
      << "01:00 and 01:30 EDT, then 02:00 EST: the repeated hour is not fired twice";
}

}  // namespace
}  // namespace orion::scheduler
