// The scheduler's state as records: what one loop turn changed, how a replica applies records
// it did not make, and the whole state as a snapshot. One definition, used by SchedulerService
// (the SQLite path and the Raft replicas) and by the Raft fixture tests.
//
//   LogBatch turn = drain_turn_records(core, workflows, std::move(batch_records));
//   if (!turn.empty()) persist(std::move(turn));                      // leader, every turn
//   if (auto s = apply_replica_records(core, workflows, e.records); !s) ...   // follower
//   raft_->snapshot_taken(replica_snapshot(core, workflows, replicas));
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "services/scheduler/service_logs.h"
#include "common/log_store.h"
#include "common/status.h"
#include "services/scheduler/replica_entry.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/workflow_manager.h"

namespace orion::scheduler {

// Every record the turn changed, after `batch_records` (the batches it took in): batch hits,
// tasks (each also shown to the workflows: step events and ends land in this same batch), spent
// batches deleted (one taken in and spent in the same turn is put, then deleted), workflows;
// then the deletions of what expired (tasks, batch hits, workflows) and, with them, the
// retention mark.
LogBatch drain_turn_records(SchedulerCore& core, WorkflowManager& workflows, LogBatch batch_records);

// A leader's records applied to a follower's core and workflows, in order. An empty record is
// a deletion the follower's core accounts for itself. INTERNAL for a record that does not decode.
// Audit records and history events (service_logs.h) are held by `logs` as written (a null
// member: skipped).
Status apply_replica_records(SchedulerCore& core, WorkflowManager& workflows, const LogBatch& records,
                             ServiceLogs logs = {});

// The retention mark (retention_mark.h) of this state, and its restore (INTERNAL: corrupt).
std::string retention_mark_record(const SchedulerCore& core, const WorkflowManager& workflows);
Status restore_retention_mark(SchedulerCore& core, WorkflowManager& workflows, std::string_view bytes);

// The state as raft stores it in a snapshot (encode_snapshot_state): one HELLO per known
// replica, then every record in one entry, written record by record into one buffer.
// INTERNAL when the records entry outgrows its 4-byte length (4 GiB of records).
// With `logs`, the audit records and history events too (service_logs.h).
Result<std::string> replica_snapshot(const SchedulerCore& core, const WorkflowManager& workflows,
                                     const std::map<std::uint64_t, ReplicaAddress>& replicas,
                                     ServiceLogs logs = {});

}  // namespace orion::scheduler
