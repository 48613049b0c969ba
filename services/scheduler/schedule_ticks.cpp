#include "services/scheduler/schedule_ticks.h"

namespace orion::scheduler {

Result<ScheduleTicks> ScheduleTicks::make(const ScheduleSpec& spec) {
  ScheduleTicks t;
  if (spec.interval_ms > 0) {
    t.interval_ms_ = spec.interval_ms;
    t.start_ms_ = spec.start_ms;
    return t;
  }
  auto expr = CronExpr::parse(spec.cron);
  if (!expr) return make_error(ErrorCode::INVALID_ARGUMENT, "cron: " + expr.error().message);
  auto zone = find_time_zone(spec.time_zone);
  if (!zone) return make_error(ErrorCode::INVALID_ARGUMENT, "time_zone: " + zone.error().message);
  t.cron_ = *expr;
  t.zone_ = *zone;
  return t;
}

std::int64_t ScheduleTicks::next_after(std::int64_t t) const {
  if (cron_) return next_fire(*cron_, *zone_, t);
  if (t < start_ms_) return start_ms_;
  return start_ms_ + ((t - start_ms_) / interval_ms_ + 1) * interval_ms_;
}

std::vector<std::int64_t> ScheduleTicks::first_in(std::int64_t from, std::int64_t now, std::size_t cap) const {
  std::vector<std::int64_t> out;
  for (std::int64_t t = next_after(from - 1); t >= 0 && t <= now && out.size() < cap; t = next_after(t)) out.push_back(t);
  return out;
}

std::size_t ScheduleTicks::count_in(std::int64_t from, std::int64_t now, std::size_t cap) const {
  if (!cron_) {  // arithmetic: no walk
    const std::int64_t first = next_after(from - 1);
    if (first > now) return 0;
    const auto n = static_cast<std::size_t>((now - first) / interval_ms_ + 1);
    return std::min(n, cap);
  }
  return first_in(from, now, cap).size();
}

// next_after is monotone: the largest x in [from - 1, now) with next_after(x) <= now gives the
// latest tick, found by bisection (about 45 steps over any span).
std::int64_t ScheduleTicks::latest_in(std::int64_t from, std::int64_t now) const {
  std::int64_t lo = from - 1, hi = now;
  auto in = [&](std::int64_t x) {
    const std::int64_t t = next_after(x);
    return t >= 0 && t <= now;
  };
  if (lo >= hi || !in(lo)) return -1;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (in(mid) ? lo : hi) = mid;
  }
  return next_after(lo);
}

// More than n: bisect for the smallest x whose ticks in (x, now] are at most n; each probe
// counts at most n + 1 ticks.
std::vector<std::int64_t> ScheduleTicks::newest_in(std::int64_t from, std::int64_t now, std::size_t n) const {
  if (n == 0) return {};
  auto all = first_in(from, now, n + 1);
  if (all.size() <= n) return all;
  std::int64_t lo = from - 1, hi = now;  // count(lo) > n, count(hi) = 0 <= n
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (count_in(mid + 1, now, n + 1) <= n ? hi : lo) = mid;
  }
  return first_in(hi + 1, now, n);
}

}  // namespace orion::scheduler
