// How much event history a service keeps (event_history.h, protocol.md section 16), from its
// flags: `--event-history N` (env ORION_EVENT_HISTORY; the newest N events, default 100,000; 0 =
// no history) and `--event-history-age D` (env ORION_EVENT_HISTORY_AGE; none older than D before
// the newest, default 1h).
//
//   add_event_history_options(opts);
//   auto bounds = parse_event_history(args);     // Result<EventHistoryBounds>
#pragma once

#include <cstddef>
#include <cstdint>

#include <cxxopts.hpp>

#include "common/status.h"

namespace orion {

struct EventHistoryBounds {
  std::size_t keep = 100'000;            // events; 0 = no history (nothing recorded)
  std::int64_t max_age_ms = 3'600'000;   // before the newest event's ts_ms; >= 1
};

void add_event_history_options(cxxopts::Options& options);
Result<EventHistoryBounds> parse_event_history(const cxxopts::ParseResult& args);

}  // namespace orion
