// The rules of limit keys and SET_LIMIT that span fields (protocol.md section 18).
#include "common/limit_messages.h"

namespace orion {

bool valid_limit_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxLimitKeyBytes) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool valid_limit_pattern(std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') pattern.remove_suffix(1);
  return valid_limit_key(pattern);
}

Status check_set_limit(SetLimit& m) {
  auto bad = [](const std::string& what) { return make_error(ErrorCode::INVALID_ARGUMENT, what); };
  if (!valid_limit_pattern(m.pattern)) {
    return bad("field 'pattern': \"" + m.pattern.substr(0, 160) + "\" is not a limit key (1.." +
               std::to_string(kMaxLimitKeyBytes) + " letters, digits, '_', '-', '.', ':'), optionally followed by '*'");
  }
  if (m.rate > 0 && m.period_ms < 1) return bad("field 'period_ms': 1 to " + std::to_string(kMaxLimitPeriodMs) + " with a rate");
  if (m.rate == 0 && m.period_ms != 0) return bad("field 'period_ms': only with a rate");
  if (m.max_running == 0 && m.rate == 0) return bad("limit '" + m.pattern + "' limits nothing: give max_running or rate");
  return {};
}

}  // namespace orion
