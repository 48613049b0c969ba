#include "services/scheduler/replica_state.h"

#include <utility>
#include <vector>

#include "services/scheduler/batch_record.h"
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
  workflows.drain_dirty([&](std::uint64_t key, std::string rec) { batch.put(key, std::move(rec)); });
  return batch;
}

Status apply_replica_records(SchedulerCore& core, WorkflowManager& workflows, const LogBatch& records) {
  for (const auto& [key, bytes] : records.records) {
    if (bytes.empty()) continue;  // deleted (a spent batch): the core keeps its own account of that
    switch (log_kind(key)) {
      case kWorkflowRecordKind:
        if (auto s = workflows.apply_record(log_id(key), bytes); !s) return s;
        break;
      case kBatchHitsKind: {
        auto h = decode_batch_hits(log_id(key), bytes);
        if (!h) return h.error();
        core.restore_batch_hits(std::move(*h));
        break;
      }
      case kBatchRecordKind: {
        auto b = decode_batch_record(bytes);
        if (!b) return b.error();
        if (auto s = core.apply_batch_record(b->intake, std::move(b->batch.tasks)); !s) return s;
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

std::string replica_snapshot(const SchedulerCore& core, const WorkflowManager& workflows,
                             const std::map<std::uint64_t, ReplicaAddress>& replicas) {
  std::vector<std::string> entries;
  for (const auto& [id, r] : replicas) {
    ReplicaEntry h;
    h.kind = ReplicaEntry::HELLO;
    h.hello = r;
    entries.push_back(encode_replica_entry(h));
  }
  ReplicaEntry all;
  for (const auto& [seq, t] : core.tasks()) all.records.put(seq, encode_task_record(t));
  workflows.each_record([&](std::uint64_t key, std::string rec) { all.records.put(key, std::move(rec)); });
  core.each_batch_hits([&](const BatchHits& h) { all.records.put(log_key(kBatchHitsKind, h.id), encode_batch_hits(h)); });
  entries.push_back(encode_replica_entry(all));
  return encode_snapshot_state(entries);
}

}  // namespace orion::scheduler
