#include "common/task_model.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace orion {

namespace {
constexpr std::array<std::string_view, 6> kPriorityNames = {"UNKNOWN", "LOW", "NORMAL", "HIGH", "CRITICAL", "URGENT"};
constexpr std::array<std::string_view, 9> kStateNames = {"UNKNOWN",   "PENDING", "ASSIGNED",  "RUNNING", "COMPLETED",
                                                         "FAILED",    "CANCELLED", "TIMEOUT", "PARKED"};

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}
}  // namespace

std::string_view to_string(Priority p) {
  auto i = static_cast<std::size_t>(p);
  return i < kPriorityNames.size() ? kPriorityNames[i] : kPriorityNames[0];
}

std::string_view to_string(TaskState s) {
  auto i = static_cast<std::size_t>(s);
  return i < kStateNames.size() ? kStateNames[i] : kStateNames[0];
}

std::optional<Priority> priority_from_string(std::string_view name) {
  if (name.size() == 1 && name[0] >= '1' && name[0] <= '5') return static_cast<Priority>(name[0] - '0');
  auto u = upper(name);
  for (std::size_t i = 1; i < kPriorityNames.size(); ++i) {
    if (kPriorityNames[i] == u) return static_cast<Priority>(i);
  }
  return std::nullopt;
}

std::optional<TaskState> task_state_from_string(std::string_view name) {
  auto u = upper(name);
  for (std::size_t i = 1; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == u) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

bool is_terminal(TaskState s) {
  return s == TaskState::COMPLETED || s == TaskState::FAILED || s == TaskState::CANCELLED || s == TaskState::TIMEOUT;
}

}  // namespace orion
