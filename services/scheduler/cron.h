// Cron expressions and when they fire, in a time zone: the clock of schedules. Pure functions of
// their arguments (no clock is read here): the caller passes "after when", so schedules are
// tested in simulated time.
//
//   auto e = CronExpr::parse("30 2 * * MON-FRI");          // five fields, or six with seconds first
//   auto tz = find_time_zone("Europe/Paris");              // the system's tz database (tzdata)
//   std::int64_t next = next_fire(*e, *tz, now_ms);        // epoch ms, > now_ms; -1: never
//
// Fields: [second] minute hour day-of-month month day-of-week. Each is `*`, a number, a range
// `a-b`, a step `*/n` or `a-b/n` or `a/n`, or a comma-separated list of those; months take
// JAN..DEC and days SUN..SAT (any case), day-of-week 0..7 with 0 and 7 both Sunday. The macros
// @yearly (@annually), @monthly, @weekly, @daily (@midnight) and @hourly stand for their five
// fields. As in Vixie cron, when both day-of-month and day-of-week are restricted (neither is
// `*`), a day matches when either does.
//
// Local times that daylight saving skips or repeats:
//   - a time in a skipped interval (02:30 on the night clocks go 02:00 -> 03:00) fires once, at
//     the end of the gap (03:00 local); several such times fire once together;
//   - a time that occurs twice (01:30 on the night clocks go 02:00 -> 01:00) fires once, at its
//     first occurrence.
// So a schedule never fires twice for one local time and never loses a day's firing.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace date {
class time_zone;
}

namespace orion::scheduler {

struct CronExpr {
  std::bitset<60> seconds;  // {0} when the expression has five fields
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1..31
  std::bitset<13> months;   // 1..12
  std::bitset<7> weekdays;  // 0..6, Sunday = 0
  bool days_restricted = false;      // day-of-month was not `*`
  bool weekdays_restricted = false;  // day-of-week was not `*`
  bool has_seconds = false;

  // INVALID_ARGUMENT naming the field and what it takes; at most 256 bytes of text.
  static Result<CronExpr> parse(const std::string& text);
  // Whether a local calendar day matches (month, day-of-month, day-of-week).
  bool day_matches(unsigned month, unsigned day, unsigned weekday) const;
};

// A zone of the system's tz database by its IANA name ("UTC", "America/New_York");
// INVALID_ARGUMENT for an unknown name.
Result<const date::time_zone*> find_time_zone(const std::string& name);

// The first instant after `after_ms` (epoch ms) at which `expr` fires in `zone`, as above;
// -1 when it does not fire within 5 years (a day that does not exist: "0 0 30 2 *").
std::int64_t next_fire(const CronExpr& expr, const date::time_zone& zone, std::int64_t after_ms);

}  // namespace orion::scheduler
