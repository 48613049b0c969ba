#include "cli/human.h"

#include <cstdio>
#include <ctime>

namespace orion::cli {

std::string local_time(std::int64_t epoch_ms) {
  if (epoch_ms <= 0) return "-";
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  if (!localtime_r(&secs, &tm)) return std::to_string(epoch_ms) + " ms";
  char day[32];
  std::strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03d", day, static_cast<int>(epoch_ms % 1000));
  return out;
}

std::string human_duration(std::int64_t ms) {
  if (ms < 0) return "-" + human_duration(ms == INT64_MIN ? INT64_MAX : -ms);
  char out[48];
  constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;
  if (ms < kSecond) {
    std::snprintf(out, sizeof out, "%lld ms", static_cast<long long>(ms));
  } else if (ms < kMinute) {
    std::snprintf(out, sizeof out, "%.2f s", static_cast<double>(ms) / kSecond);
  } else if (ms < kHour) {
    std::snprintf(out, sizeof out, "%lld min %lld s", static_cast<long long>(ms / kMinute),
                  static_cast<long long>(ms % kMinute / kSecond));
  } else if (ms < kDay) {
    std::snprintf(out, sizeof out, "%lld h %lld min", static_cast<long long>(ms / kHour),
                  static_cast<long long>(ms % kHour / kMinute));
  } else {
    std::snprintf(out, sizeof out, "%lld d %lld h", static_cast<long long>(ms / kDay),
                  static_cast<long long>(ms % kDay / kHour));
  }
  return out;
}

std::string between(std::int64_t from_ms, std::int64_t to_ms) {
  if (from_ms <= 0 || to_ms <= 0) return "-";
  return human_duration(to_ms - from_ms);
}

std::string fixed(double value, int digits) {
  char out[64];
  std::snprintf(out, sizeof out, "%.*f", digits, value);
  return out;
}

}  // namespace orion::cli
