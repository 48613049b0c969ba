// The task model's enums, with their wire values frozen (UNKNOWN = 0 first, never renumbered).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orion {

// Higher is more urgent. Wire values are the brief's numbers.
enum class Priority : std::uint8_t { UNKNOWN = 0, LOW = 1, NORMAL = 2, HIGH = 3, CRITICAL = 4, URGENT = 5 };

enum class TaskState : std::uint8_t {
  UNKNOWN = 0,
  PENDING = 1,    // accepted and durable, waiting for an agent (or its dependencies)
  ASSIGNED = 2,   // leased to an agent, not yet started
  RUNNING = 3,    // the agent reported it started
  COMPLETED = 4,  // terminal: output is set
  FAILED = 5,     // terminal: error is set
  CANCELLED = 6,  // terminal
  TIMEOUT = 7,    // terminal: ran past its timeout
  // A dead letter: its retries are spent and its spec says on_exhausted "park". Not terminal:
  // its dependants keep waiting, and it leaves only by RETRY_PARKED (PENDING) or DISCARD_PARKED
  // (CANCELLED). error holds its last attempt's error.
  PARKED = 8,
};

std::string_view to_string(Priority p);      // "LOW" .. "URGENT"
std::string_view to_string(TaskState s);     // "PENDING" .. "TIMEOUT", "PARKED"
// Accepts names in any case ("high", "HIGH") and the numbers "1".."5".
std::optional<Priority> priority_from_string(std::string_view name);
std::optional<TaskState> task_state_from_string(std::string_view name);
bool is_terminal(TaskState s);
inline bool is_valid(Priority p) { return p >= Priority::LOW && p <= Priority::URGENT; }

}  // namespace orion
