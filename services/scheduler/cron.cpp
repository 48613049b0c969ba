#include "services/scheduler/cron.h"

#include <array>
#include <cctype>
#include <chrono>
#include <sstream>
#include <vector>

#include <date/tz.h>

namespace orion::scheduler {

namespace {

constexpr std::size_t kMaxTextBytes = 256;

struct FieldSpec {
  const char* name;
  unsigned lo, hi;
  const char* const* names;  // nullptr, or hi - lo + 1 three-letter names from lo
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

Error bad(const std::string& text, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "cron expression '" + text + "': " + why);
}

// One value of a field: a number in [lo, hi] or, where the field has them, a name.
bool parse_value(const std::string& s, const FieldSpec& f, unsigned& out) {
  if (s.empty() || s.size() > 3) return false;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    unsigned v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    out = v;
    return v >= f.lo && v <= f.hi;
  }
  if (!f.names) return false;
  std::string upper;
  for (char c : s) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const unsigned count = f.names == kDayNames ? 7 : f.hi - f.lo + 1;
  for (unsigned i = 0; i < count; ++i) {
    if (upper == f.names[i]) {
      out = f.names == kDayNames ? i : f.lo + i;
      return true;
    }
  }
  return false;
}

// A field's text into the values it allows (a bitset of hi + 1 bits, set from lo); `star`
// says whether it was `*` alone.
Result<std::vector<bool>> parse_field(const std::string& text, const std::string& field, const FieldSpec& f,
                                      bool* star) {
  std::vector<bool> bits(f.hi + 1, false);
  *star = field == "*";
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t comma = field.find(',', start);
    if (comma == std::string::npos) comma = field.size();
    const std::string item = field.substr(start, comma - start);
    start = comma + 1;
    const std::string where = std::string(f.name) + " '" + item + "'";
    if (item.empty()) return bad(text, std::string(f.name) + ": an empty item in '" + field + "'");
    std::string range = item;
    unsigned step = 1;
    bool stepped = false;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      const std::string step_text = item.substr(slash + 1);
      FieldSpec steps{f.name, 1, f.hi, nullptr};
      if (!parse_value(step_text, steps, step)) {
        return bad(text, where + ": the step must be a number in 1.." + std::to_string(f.hi));
      }
      stepped = true;
    }
    unsigned lo = f.lo, hi = f.hi;
    if (range != "*") {
      const auto dash = range.find('-');
      if (!parse_value(range.substr(0, dash), f, lo)) {
        return bad(text, where + ": expected a number in " + std::to_string(f.lo) + ".." + std::to_string(f.hi) +
                             (f.names ? " or a name" : ""));
      }
      if (dash != std::string::npos) {
        if (!parse_value(range.substr(dash + 1), f, hi)) {
          return bad(text, where + ": expected a number in " + std::to_string(f.lo) + ".." + std::to_string(f.hi) +
                               (f.names ? " or a name" : ""));
        }
        if (hi < lo) return bad(text, where + ": a range runs from low to high");
      } else if (!stepped) {
        hi = lo;  // one value; "a/n" runs from a to the top
      }
    }
    for (unsigned v = lo; v <= hi; v += step) bits[v] = true;
    if (comma == field.size()) break;
  }
  return bits;
}

template <std::size_t N>
void copy_bits(const std::vector<bool>& from, std::bitset<N>& to) {
  for (std::size_t i = 0; i < N && i < from.size(); ++i) to[i] = from[i];
}

std::string expand_macro(const std::string& text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

}  // namespace

Result<CronExpr> CronExpr::parse(const std::string& original) {
  if (original.size() > kMaxTextBytes) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "cron expression: at most " + std::to_string(kMaxTextBytes) + " bytes");
  }
  std::string text = original;
  if (!text.empty() && text[0] == '@') {
    text = expand_macro(original);
    if (text.empty()) return bad(original, "unknown macro (@yearly, @monthly, @weekly, @daily, @hourly)");
  }
  std::vector<std::string> fields;
  std::istringstream in(text);
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5 && fields.size() != 6) {
    return bad(original, "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got " +
                             std::to_string(fields.size()));
  }
  CronExpr e;
  e.has_seconds = fields.size() == 6;
  const std::size_t off = e.has_seconds ? 1 : 0;
  bool star = false;
  if (e.has_seconds) {
    auto s = parse_field(original, fields[0], {"second", 0, 59, nullptr}, &star);
    if (!s) return s.error();
    copy_bits(*s, e.seconds);
  } else {
    e.seconds.set(0);
  }
  auto minutes = parse_field(original, fields[off], {"minute", 0, 59, nullptr}, &star);
  if (!minutes) return minutes.error();
  copy_bits(*minutes, e.minutes);
  auto hours = parse_field(original, fields[off + 1], {"hour", 0, 23, nullptr}, &star);
  if (!hours) return hours.error();
  copy_bits(*hours, e.hours);
  auto days = parse_field(original, fields[off + 2], {"day-of-month", 1, 31, nullptr}, &star);
  if (!days) return days.error();
  copy_bits(*days, e.days);
  e.days_restricted = !star;
  auto months = parse_field(original, fields[off + 3], {"month", 1, 12, kMonthNames}, &star);
  if (!months) return months.error();
  copy_bits(*months, e.months);
  auto weekdays = parse_field(original, fields[off + 4], {"day-of-week", 0, 7, kDayNames}, &star);
  if (!weekdays) return weekdays.error();
  e.weekdays_restricted = !star;
  for (unsigned d = 0; d <= 7; ++d) {
    if ((*weekdays)[d]) e.weekdays.set(d % 7);  // 7 is Sunday too
  }
  return e;
}

bool CronExpr::day_matches(unsigned month, unsigned day, unsigned weekday) const {
  if (!months[month]) return false;
  if (days_restricted && weekdays_restricted) return days[day] || weekdays[weekday];
  return days[day] && weekdays[weekday];
}

Result<const date::time_zone*> find_time_zone(const std::string& name) {
  if (name.empty() || name.size() > 64) return make_error(ErrorCode::INVALID_ARGUMENT, "time zone: 1 to 64 bytes");
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "unknown time zone '" + name + "' (an IANA name such as UTC or Europe/Paris)");
  }
}

std::int64_t next_fire(const CronExpr& e, const date::time_zone& zone, std::int64_t after_ms) {
  using namespace std::chrono;
  using date::local_days;
  using date::local_seconds;
  using date::sys_seconds;
  const sys_seconds after = floor<seconds>(date::sys_time<milliseconds>(milliseconds(after_ms)));
  const local_seconds start = zone.to_local(after);
  local_seconds cur = e.has_seconds ? start + seconds(1) : floor<minutes>(start) + minutes(1);
  const local_seconds end = start + date::days(5 * 366);
  while (cur < end) {
    const local_days day = floor<date::days>(cur);
    const date::year_month_day ymd{day};
    const unsigned month = static_cast<unsigned>(ymd.month());
    if (!e.months[month]) {
      auto next_month = ymd.year() / ymd.month();
      next_month += date::months(1);
      cur = local_days{next_month / 1};
      continue;
    }
    if (!e.day_matches(month, static_cast<unsigned>(ymd.day()), date::weekday{day}.c_encoding())) {
      cur = day + date::days(1);
      continue;
    }
    const auto since_midnight = cur - day;
    const auto h = floor<hours>(since_midnight);
    if (!e.hours[static_cast<std::size_t>(h.count())]) {
      cur = day + h + hours(1);
      continue;
    }
    const auto m = floor<minutes>(since_midnight - h);
    if (!e.minutes[static_cast<std::size_t>(m.count())]) {
      cur = day + h + m + minutes(1);
      continue;
    }
    const auto s = since_midnight - h - m;
    if (!e.seconds[static_cast<std::size_t>(s.count())]) {
      cur += seconds(1);
      continue;
    }
    // A local time the expression names: the instant it is (see cron.h for the gaps and folds).
    const date::local_info info = zone.get_info(cur);
    sys_seconds at;
    if (info.result == date::local_info::nonexistent) {
      at = info.second.begin;  // the end of the gap
    } else {
      at = sys_seconds{cur.time_since_epoch()} - info.first.offset;  // unique, or the first of two
    }
    const std::int64_t at_ms = duration_cast<milliseconds>(at.time_since_epoch()).count();
    if (at_ms > after_ms) return at_ms;
    cur += e.has_seconds ? seconds(1) : seconds(60);
  }
  return -1;
}

}  // namespace orion::scheduler
