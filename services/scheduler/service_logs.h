// The logs a scheduler keeps beside its tasks, as records of its Log written with the turn's
// other changes: the audit log (kind kAuditRecordKind, audit_trail.h) and the event history
// (kind kEventHistoryKind keyed by position, common/event_history.h, protocol.md section 16).
// What loads, applies and snapshots the state takes them here; a null member is skipped.
#pragma once

#include <cstdint>

#include "common/audit_log.h"
#include "common/event_history.h"
#include "common/log_store.h"

namespace orion::scheduler {

class ScheduleBook;   // schedule_book.h: schedules, records of kind kScheduleRecordKind (10)
class LimitBook;      // limit_book.h: limit rules, records of kind kLimitRecordKind (11)
class NamespaceBook;  // namespace_book.h: namespace settings, records of kind kNamespaceRecordKind (12)

// tasks 0, workflows 1, batches 2, hits 3, the retention mark 4, audit 5, agent holders 6
inline constexpr std::uint8_t kEventHistoryKind = 7;
inline constexpr std::uint64_t event_history_key(std::uint64_t pos) { return log_key(kEventHistoryKind, pos); }

struct ServiceLogs {
  AuditLog* audit = nullptr;
  EventHistory* events = nullptr;
  ScheduleBook* schedules = nullptr;
  LimitBook* limits = nullptr;
  NamespaceBook* namespaces = nullptr;
};

}  // namespace orion::scheduler
