// The schedule messages of the scheduler's client API (docs/protocol.md section 17), as value
// types with to_body() and a bounded from_body() that names the first bad field.
//
//   ScheduleSpec s;
//   s.name = "nightly"; s.cron = "0 2 * * *"; s.time_zone = "Europe/Paris";
//   s.task = TaskSpec{}; s.task->type = "report";
//   client.call(true, MsgType::SCHEDULE_CREATE, ScheduleCreate{s}.to_body(), timeout);  // -> SCHEDULE_INFO
//
// The structs, their readers and writers are generated from common/protocol.toml (family
// "schedule") into common/gen/schedule_messages.{h,cpp} in the build tree; the rules that span
// fields are check_schedule_spec (schedule_checks.cpp). When a schedule fires is
// services/scheduler/schedule_book.h.
#pragma once

#include <string>

#include "common/gen/schedule_messages.h"
#include "common/messages.h"

namespace orion {

inline constexpr std::int64_t kMinScheduleIntervalMs = 1000;  // ms: the shortest interval
inline constexpr std::size_t kMaxScheduleIdBytes = 64;

// The idempotency key (and request id) of a schedule's tick, and of a trigger.
inline std::string schedule_tick_key(const std::string& schedule_id, std::int64_t tick_ms) {
  return "schedule:" + schedule_id + ":" + std::to_string(tick_ms);
}
inline std::string schedule_trigger_key(const std::string& schedule_id, const std::string& request_id) {
  return "schedule:" + schedule_id + ":trigger:" + request_id;
}

// True for a schedule id a client may give: 1..64 letters, digits, '_' or '-'.
bool valid_schedule_id(const std::string& id);

}  // namespace orion
