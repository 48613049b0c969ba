// How orionctl shows times and quantities to people (never in --json, which keeps the wire's
// epoch milliseconds and _ms integers): local wall-clock times, durations with their unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace orion::cli {

// "2026-12-06 03:27:21.474" in the local time zone (TZ); "-" for 0 (not happened).
std::string local_time(std::int64_t epoch_ms);
// "850 ms", "2.50 s", "5 min 3 s", "1 h 2 min", "3 d 4 h"; negative durations as "-" + that.
std::string human_duration(std::int64_t ms);
// The duration between two wall-clock times, or "-" when either is 0.
std::string between(std::int64_t from_ms, std::int64_t to_ms);
// An ISO-8601 instant with its zone, as people write one: "2026-12-06T10:00:00Z",
// "2026-12-06T11:00:00.5+01:00" (a space may stand for the T). nullopt without a zone (the
// instant would depend on where the command runs) or when it does not read.
std::optional<std::int64_t> parse_iso_time_ms(const std::string& text);
// A number with `digits` decimals ("12.5").
std::string fixed(double value, int digits);

}  // namespace orion::cli
