#include "services/scheduler/replica_state.h"

#include <utility>
#include <vector>

#include "services/scheduler/agent_holder_record.h"
#include "services/scheduler/audit_trail.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/limit_book.h"
#include "services/scheduler/retention_mark.h"
#include "services/scheduler/namespace_book.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_record.h"

namespace orion::scheduler {

LogBatch drain_turn_records(SchedulerCore& core, WorkflowManager& workflows, LogBatch batch_records) {
  LogBatch batch;
  batch.merge(std::move(batch_records));
  core.drain_batch_hits([&](const BatchHits& h) { batch.put(log_key(kBatchHitsKind, h.id), encode_batch_hits(h)); });
  core.drain_dirty([&](const TaskRecord& r) {
    batch.put(r.seq, encode_task_record(r));
    workflows.on_task(r);
  });
  core.drain_spent_batches([&](std::uint64_t first) { batch.erase(log_key(kBatchRecordKind, first)); });
  core.drain_holders([&](std::uint64_t number, const std::string& agent_id, const std::string& principal) {
    batch.put(log_key(kAgentHolderKind, number), encode_agent_holder({agent_id, principal}));
  });
  workflows.drain_dirty([&](std::uint64_t key, std::string rec) { batch.put(key, std::move(rec)); });
  // Expiry (retention): deletions, after every put, and the next seqs so ids are never reused.
  bool expired = false;
  core.drain_expired([&](std::uint64_t seq) { batch.erase(seq), expired = true; },
                     [&](std::uint64_t id) { batch.erase(log_key(kBatchHitsKind, id)), expired = true; });
  workflows.drain_expired([&](std::uint64_t key) { batch.erase(key), expired = true; });
  if (expired) batch.put(kRetentionMarkKey, retention_mark_record(core, workflows));
  return batch;
}

std::string retention_mark_record(const SchedulerCore& core, const WorkflowManager& workflows) {
  return encode_retention_mark(RetentionMark{core.seq_floor(), workflows.next_seq()});
}

Status restore_retention_mark(SchedulerCore& core, WorkflowManager& workflows, std::string_view bytes) {
  auto m = decode_retention_mark(bytes);
  if (!m) return m.error();
  core.restore_next_seq(m->next_task);
  workflows.restore_next_seq(m->next_workflow);
  return {};
}

Status apply_replica_records(SchedulerCore& core, WorkflowManager& workflows, const LogBatch& records,
                             ServiceLogs logs) {
  for (const auto& [key, bytes] : records.records) {
    if (log_kind(key) == kAuditRecordKind) {
      if (!logs.audit) continue;
      if (bytes.empty()) {
        logs.audit->forget(log_id(key));
      } else {
        logs.audit->hold(log_id(key), bytes);
      }
      continue;
    }
    if (log_kind(key) == kEventHistoryKind) {
      if (!logs.events) continue;
      if (bytes.empty()) {
        logs.events->forget(log_id(key));
      } else {
        logs.events->hold(log_id(key), bytes);
      }
      continue;
    }
    if (log_kind(key) == kScheduleRecordKind) {  // a deletion too (empty bytes)
      if (!logs.schedules) continue;
      if (auto s = logs.schedules->apply_record(log_id(key), bytes); !s) return s;
      continue;
    }
    if (log_kind(key) == kLimitRecordKind) {  // a deletion too (empty bytes)
      if (!logs.limits) continue;
      if (auto s = logs.limits->apply_record(log_id(key), bytes); !s) return s;
      continue;
    }
    if (log_kind(key) == kNamespaceRecordKind) {  // a deletion too (empty bytes)
      if (!logs.namespaces) continue;
      if (auto s = logs.namespaces->apply_record(log_id(key), bytes); !s) return s;
      continue;
    }
    if (bytes.empty()) {
      // A deletion: what the leader expired (a spent batch: the core keeps its own account).
      switch (log_kind(key)) {
        case 0:
          core.apply_task_expiry(log_id(key));
          break;
        case kWorkflowRecordKind:
          workflows.apply_expiry(log_id(key));
          break;
        case kBatchHitsKind:
          core.apply_hits_expiry(log_id(key));
          break;
        default:
          break;
      }
      continue;
    }
    switch (log_kind(key)) {
      case kRetentionMarkKind:
        if (auto s = restore_retention_mark(core, workflows, bytes); !s) return s;
        break;
      case kWorkflowRecordKind:
        if (auto s = workflows.apply_record(log_id(key), bytes); !s) return s;
        break;
      case kBatchHitsKind: {
        auto h = decode_batch_hits(log_id(key), bytes);
        if (!h) return h.error();
        core.restore_batch_hits(std::move(*h));
        core.discard_expired();  // a standby expires only what the leader did
        break;
      }
      case kBatchRecordKind: {
        auto b = StoredBatch::read(bytes);
        if (!b) return b.error();
        if (auto s = core.apply_batch_record((*b)->intake(), **b); !s) return s;
        break;
      }
      case kAgentHolderKind: {
        auto b = decode_agent_holder(bytes);
        if (!b) return b.error();
        core.restore_holder(log_id(key), b->agent_id, b->principal);
        break;
      }
      default: {
        auto r = decode_task_record(key, bytes);
        if (!r) return r.error();
        core.apply_record(std::move(*r));
      }
    }
  }
  return {};
}

Result<std::string> replica_snapshot(const SchedulerCore& core, const WorkflowManager& workflows,
                                     const std::map<std::uint64_t, ReplicaAddress>& replicas,
                                     ServiceLogs logs) {
  constexpr std::size_t kBytesPerTask = 420;  // a record is about 390 bytes: one allocation, seldom two
  SnapshotStateWriter w(static_cast<std::uint32_t>(replicas.size() + 1), core.task_count() * kBytesPerTask);
  for (const auto& [id, r] : replicas) {
    ReplicaEntry h;
    h.kind = ReplicaEntry::HELLO;
    h.hello = r;
    w.entry(h);
  }
  w.begin_records();
  for (const auto& [seq, t] : core.tasks()) w.record(seq, encode_task_record(t));
  workflows.each_record([&](std::uint64_t key, std::string rec) { w.record(key, rec); });
  core.each_batch_hits([&](const BatchHits& h) { w.record(log_key(kBatchHitsKind, h.id), encode_batch_hits(h)); });
  w.record(kRetentionMarkKey, retention_mark_record(core, workflows));
  if (logs.audit) logs.audit->each([&](std::uint64_t seq, const std::string& bytes) { w.record(audit_key(seq), bytes); });  // kind 5
  for (const auto& [agent_id, b] : core.holders().all()) {  // kind 6, after the mark and the audit
    w.record(log_key(kAgentHolderKind, b.number), encode_agent_holder({agent_id, b.principal}));
  }
  if (logs.events) {  // kind 7
    logs.events->each([&](std::uint64_t pos, const std::string& bytes) { w.record(event_history_key(pos), bytes); });
  }
  if (logs.schedules) {  // kind 10
    logs.schedules->each_record([&](std::uint64_t key, const std::string& bytes) { w.record(key, bytes); });
  }
  if (logs.limits) {  // kind 11
    logs.limits->each_record([&](std::uint64_t key, const std::string& bytes) { w.record(key, bytes); });
  }
  if (logs.namespaces) {  // kind 12
    logs.namespaces->each_record([&](std::uint64_t key, const std::string& bytes) { w.record(key, bytes); });
  }
  return w.finish();
}

}  // namespace orion::scheduler
