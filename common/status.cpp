#include "common/status.h"

#include <array>

namespace orion {

namespace {
constexpr std::array<std::string_view, 14> kNames = {
    "UNKNOWN",   "INVALID_ARGUMENT",    "NOT_FOUND", "FAILED_PRECONDITION", "PERMISSION_DENIED",
    "UNAVAILABLE", "NOT_LEADER",        "MALFORMED", "UNSUPPORTED_VERSION", "TOO_LARGE",
    "UNKNOWN_TYPE", "DEADLINE_EXCEEDED", "ALREADY_EXISTS", "INTERNAL"};
}  // namespace

std::string_view to_string(ErrorCode code) {
  auto i = static_cast<std::size_t>(code);
  return i < kNames.size() ? kNames[i] : kNames[0];
}

ErrorCode error_code_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ErrorCode>(i);
  }
  return ErrorCode::UNKNOWN;
}

std::string Error::to_string() const {
  std::string out(orion::to_string(code));
  out += ": ";
  out += message;
  return out;
}

}  // namespace orion
