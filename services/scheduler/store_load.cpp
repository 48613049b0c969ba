#include "services/scheduler/store_load.h"

#include <chrono>

#include "services/scheduler/agent_holder_record.h"
#include "services/scheduler/audit_trail.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/limit_book.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/retention_mark.h"
#include "services/scheduler/namespace_book.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {

namespace {
using Steady = std::chrono::steady_clock;
double ms_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
}  // namespace

Status load_store(LogStore& log, SchedulerCore& core, WorkflowManager& workflows, LoadPhases* phases,
                  ServiceLogs logs) {
  LoadPhases local;
  LoadPhases& p = phases ? *phases : local;
  double in_callbacks_ms = 0;
  const auto start = Steady::now();
  auto replayed = log.replay([&](std::uint64_t key, std::string_view bytes) -> Status {
    const auto t0 = Steady::now();
    Status s;
    switch (log_kind(key)) {
      // Workflows are records of their own kind; they replay after every task.
      case kWorkflowRecordKind:
        s = workflows.restore(log_id(key), bytes);
        ++p.other_records;
        break;
      // Batch records replay after every task record, so they make again only the tasks that
      // have no record of their own.
      case kBatchRecordKind: {
        // Unpacked here; each spec is read as its task is made (so decode_ms is the unpacking).
        auto b = StoredBatch::read(bytes);
        const auto t1 = Steady::now();
        p.decode_ms += ms_between(t0, t1);
        if (!b) return b.error();
        p.batch_tasks += (*b)->size();
        s = core.restore_batch((*b)->intake(), **b);
        ++p.batch_records;
        const auto t2 = Steady::now();
        p.restore_ms += ms_between(t1, t2);
        in_callbacks_ms += ms_between(t0, t2);
        return s;
      }
      case kRetentionMarkKind:
        s = restore_retention_mark(core, workflows, bytes);
        ++p.other_records;
        break;
      case kAuditRecordKind:
        if (logs.audit) logs.audit->hold(log_id(key), std::string(bytes));
        ++p.other_records;
        break;
      case kBatchHitsKind: {
        auto h = decode_batch_hits(log_id(key), bytes);
        if (!h) return h.error();
        core.restore_batch_hits(std::move(*h));
        ++p.other_records;
        break;
      }
      case kEventHistoryKind:
        // An event that does not read is left out of the history (it cannot be served).
        if (logs.events) logs.events->hold(log_id(key), bytes);
        ++p.other_records;
        break;
      case kAgentHolderKind: {
        auto b = decode_agent_holder(bytes);
        if (!b) return b.error();
        core.restore_holder(log_id(key), b->agent_id, b->principal);
        ++p.other_records;
        break;
      }
      case kScheduleRecordKind:
        if (logs.schedules) s = logs.schedules->apply_record(log_id(key), bytes);
        ++p.other_records;
        break;
      case kLimitRecordKind:
        if (logs.limits) s = logs.limits->apply_record(log_id(key), bytes);
        ++p.other_records;
        break;
      case kNamespaceRecordKind:
        if (logs.namespaces) s = logs.namespaces->apply_record(log_id(key), bytes);
        ++p.other_records;
        break;
      default: {
        auto r = decode_task_record(key, bytes);
        if (!r) return r.error();
        core.restore(std::move(*r));
        ++p.task_records;
      }
    }
    const double took = ms_between(t0, Steady::now());
    p.restore_ms += took;
    in_callbacks_ms += took;
    return s;
  });
  p.read_ms = ms_between(start, Steady::now()) - in_callbacks_ms;
  if (!replayed) return replayed;
  const auto t = Steady::now();
  core.finish_restore();
  auto s = workflows.finish_restore();
  p.finish_ms = ms_between(t, Steady::now());
  return s;
}

}  // namespace orion::scheduler
