// The rules of a ScheduleSpec that span its fields (protocol.md section 17.1). The cron
// expression and the time zone are read by the scheduler (services/scheduler/cron.h), which
// names their errors; here only what needs no tz database.
#include "common/namespace_messages.h"
#include "common/schedule_messages.h"

namespace orion {

bool valid_schedule_id(const std::string& id) {
  if (id.empty() || id.size() > kMaxScheduleIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status check_schedule_spec(ScheduleSpec& m) {
  auto bad = [](const std::string& what) { return make_error(ErrorCode::INVALID_ARGUMENT, what); };
  if (!m.schedule_id.empty() && !valid_schedule_id(m.schedule_id)) {
    return bad("schedule_id: \"" + m.schedule_id + "\" is not 1..64 letters, digits, '_' or '-'");
  }
  if (m.cron.empty() == (m.interval_ms == 0)) return bad("cron, interval_ms: give exactly one of them");
  if (m.interval_ms != 0 && m.interval_ms < kMinScheduleIntervalMs) {
    return bad("interval_ms: " + std::to_string(m.interval_ms) + " is below the shortest interval, " +
               std::to_string(kMinScheduleIntervalMs) + " ms");
  }
  if (m.task.has_value() == m.workflow.has_value()) return bad("task, workflow: give exactly one of them");
  if (m.task && !m.task->idempotency_key.empty()) {
    return bad("task.idempotency_key: not allowed, the schedule sets it for each firing");
  }
  if (auto s = check_namespace(m.ns, "namespace"); !s) return s;
  if (m.time_zone.empty()) m.time_zone = "UTC";
  return {};
}

}  // namespace orion
