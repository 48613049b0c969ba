// Loading a single scheduler's store at start-up: every record of its Log replayed in key order
// into the core and the workflow manager (task records, then workflows, batch records, batch
// hits, the retention mark, agent id bindings: the order of their kinds), then the restore finished (the graph
// linked, ready tasks queued, leases adopted, workflows checked against their tasks).
//
//   SchedulerCore core(clock, options);
//   WorkflowManager workflows(core, clock);
//   LoadPhases phases;
//   if (auto s = load_store(*log, core, workflows, &phases); !s) return s;   // INTERNAL: corrupt
//   // then persist what the restore changed (core.drain_dirty, ...), as after any turn
//
// One definition for the service (SchedulerService::start) and for orion-restart-phases, which
// times the same code phase by phase.
#pragma once

#include <cstddef>

#include "services/scheduler/service_logs.h"
#include "common/log_store.h"
#include "common/status.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/workflow_manager.h"

namespace orion::scheduler {

// Where a load's wall time went (steady clock, ms) and what it held. The phases are disjoint:
// read is the store's own time (SQLite), the rest is the service thread's.
struct LoadPhases {
  double read_ms = 0;     // the store: records read off the file
  double decode_ms = 0;   // batch records: their bodies read into the tasks' specs
  double restore_ms = 0;  // the core: tasks made again from their records and indexed
  double finish_ms = 0;   // finish_restore of the core and of the workflows
  std::size_t task_records = 0, batch_records = 0, batch_tasks = 0, other_records = 0;
};

// INTERNAL on a record that does not decode or does not fit what is held (a corrupt store);
// `phases` may be null. Audit records (audit_trail.h) are held by `audit` as stored, unread (a
// damaged one is found by verification, not refused here); nullptr: skipped.
Status load_store(LogStore& log, SchedulerCore& core, WorkflowManager& workflows, LoadPhases* phases,
                  ServiceLogs logs = {});

}  // namespace orion::scheduler
