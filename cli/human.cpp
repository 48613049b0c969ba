#include "cli/human.h"

#include <cctype>
#include <cstdio>
#include <cstring>
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

std::optional<std::int64_t> parse_iso_time_ms(const std::string& text) {
  if (text.size() > 64) return std::nullopt;
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) end = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!end) return std::nullopt;
  std::int64_t ms = 0;
  if (*end == '.') {  // fractions of a second: the first three digits count
    ++end;
    int digits = 0;
    for (; std::isdigit(static_cast<unsigned char>(*end)); ++end, ++digits) {
      if (digits < 3) ms = ms * 10 + (*end - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) ms *= 10;
  }
  std::int64_t offset_ms = 0;
  if (end[0] == 'Z' && end[1] == '\0') {
    // UTC
  } else if ((end[0] == '+' || end[0] == '-') && std::strlen(end) == 6 && std::isdigit(static_cast<unsigned char>(end[1])) &&
             std::isdigit(static_cast<unsigned char>(end[2])) && end[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(end[4])) && std::isdigit(static_cast<unsigned char>(end[5]))) {
    const int hours = (end[1] - '0') * 10 + (end[2] - '0'), minutes = (end[4] - '0') * 10 + (end[5] - '0');
    if (hours > 23 || minutes > 59) return std::nullopt;
    offset_ms = (hours * 60LL + minutes) * 60'000 * (end[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  const std::time_t secs = timegm(&tm);
  if (secs < 0) return std::nullopt;
  return static_cast<std::int64_t>(secs) * 1000 + ms - offset_ms;
}

}  // namespace orion::cli
