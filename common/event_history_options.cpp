#include "common/event_history_options.h"

#include "common/config.h"

namespace orion {

void add_event_history_options(cxxopts::Options& options) {
  add_option(options, "event-history", "ORION_EVENT_HISTORY", "100000",
             "events kept for EVENT_HISTORY (orionctl watch --since), the newest; 0 = none");
  add_option(options, "event-history-age", "ORION_EVENT_HISTORY_AGE", "1h",
             "events older than this before the newest leave the history (30s, 5m, 1h, 1d)");
}

Result<EventHistoryBounds> parse_event_history(const cxxopts::ParseResult& args) {
  auto keep = parse_int("event-history", args["event-history"].as<std::string>(), 0, 10'000'000);
  if (!keep) return keep.error();
  auto age = parse_duration_ms("event-history-age", args["event-history-age"].as<std::string>(), 1'000,
                               3'650LL * 86'400'000);
  if (!age) return age.error();
  return EventHistoryBounds{static_cast<std::size_t>(*keep), *age};
}

}  // namespace orion
