// A schedule's ticks (protocol.md section 17.1): the instants a cron expression matches in its
// zone, or start_ms + k * interval_ms. All is built on one function, next_after(t): the first
// tick after t; the searches over a span of ticks are bounded (about 45 next_after calls, or
// 45 x (n + 1) for the n newest), whatever the span: a per-second cron over a week of downtime
// costs the same as over a minute.
//
//   auto ticks = ScheduleTicks::make(spec);       // INVALID_ARGUMENT: bad cron, unknown zone
//   auto t = ticks->next_after(now_ms);           // -1: never again
//   auto last = ticks->latest_in(from_ms, now_ms);  // the most recent tick in [from, now]
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/schedule_messages.h"
#include "services/scheduler/cron.h"

namespace orion::scheduler {

class ScheduleTicks {
 public:
  // From a checked spec (check_schedule_spec): its cron expression (errors "cron: ...") and
  // zone ("time_zone: ..."), or its interval; an interval's start_ms must be set.
  static Result<ScheduleTicks> make(const ScheduleSpec& spec);

  // The first tick strictly after t; -1 when there is none (a cron day that never comes).
  std::int64_t next_after(std::int64_t t) const;
  // The most recent tick in [from, now]; -1 when there is none.
  std::int64_t latest_in(std::int64_t from, std::int64_t now) const;
  // Ticks in [from, now], oldest first: all of them when there are at most n, else the n most
  // recent.
  std::vector<std::int64_t> newest_in(std::int64_t from, std::int64_t now, std::size_t n) const;
  // How many ticks are in [from, now], counting to `cap` at most.
  std::size_t count_in(std::int64_t from, std::int64_t now, std::size_t cap) const;

 private:
  ScheduleTicks() = default;
  // Ticks in [from, now], oldest first, at most `cap` of them (the oldest).
  std::vector<std::int64_t> first_in(std::int64_t from, std::int64_t now, std::size_t cap) const;
  std::optional<CronExpr> cron_;
  const date::time_zone* zone_ = nullptr;
  std::int64_t interval_ms_ = 0, start_ms_ = 0;
};

}  // namespace orion::scheduler
