// orion-dag-phases: where accepting one 100,000-task SUBMIT_BATCH goes, phase by phase, in one
// process without sockets: the scheduler's own code for each step the service takes, timed in
// wall time and in the thread's CPU time (the CPU time is what to compare on a shared machine).
//
//   build/bin/orion-dag-phases [DIR]   # DIR: where the SQLite file goes (default: a temp dir)
//
// The batch is the one orion-bench's dag_100k_ms sends (100 layers of 1,000, 1-2 dependencies).
// Then what a replicated scheduler does with those tasks off the answer's path: the snapshot a
// replica's service thread encodes for raft, and a follower's restore of it into a fresh core.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "bench/layered_dag.h"
#include "bench/phase_clock.h"
#include "common/envelope.h"
#include "common/huge_page_heap.h"
#include "common/log_store.h"
#include "common/task_pack.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/replica_entry.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_manager.h"

using namespace orion;

namespace {

using Mark = bench::PhaseMark;
Mark now() { return bench::phase_start(); }

void report(const char* phase, const Mark& since, const std::string& note = "") {
  std::printf("%-16s %9.1f ms wall %9.1f ms cpu %s\n", phase, bench::wall_ms_since(since), bench::cpu_ms_since(since),
              note.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_huge_page_heap(argv);  // the heap the scheduler runs with (docs/operations.md "Memory")
  auto frames = encode_frames(Envelope{MsgType::SUBMIT_BATCH, "0123456789abcdef", bench::layered_dag(100'000, 1'000, "bench-none").to_body()});
  std::vector<std::string_view> views(frames.begin(), frames.end());
  std::printf("SUBMIT_BATCH body: %zu bytes\n", frames[3].size());

  auto t = now();
  std::string rid;
  auto env = decode_frame_views(views, &rid, default_limits(), [](MsgType m) { return m == MsgType::SUBMIT_BATCH; });
  report("frames", t);
  t = now();
  auto batch = SubmitBatch::from_packed(env->packed_body);
  if (!batch) return std::fprintf(stderr, "%s\n", batch.error().to_string().c_str()), 1;
  report("from_packed", t);

  SystemClock clock;
  scheduler::SchedulerCore core(clock, {});
  t = now();
  std::vector<std::string> keys;
  keys.reserve(batch->tasks.size());
  for (const auto& e : batch->tasks) keys.push_back(e.key);
  scheduler::BatchIntake intake;
  auto ok = core.accept_batch(rid, std::move(batch->tasks), {}, &intake);
  if (!ok) return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  report("accept_batch", t, "validated, seqs handed out");
  t = now();
  auto reply = scheduler::pack_batch_answer(keys, intake);
  report("reply", t, std::to_string(reply.size()) + " bytes");
  t = now();
  LogBatch records;
  // As the service does: one batch record for the new tasks.
  records.put(log_key(scheduler::kBatchRecordKind, intake.first), scheduler::encode_batch_record(intake, std::move(env->packed_body)));
  report("encode record", t, std::to_string(records.records.front().second.size()) + " bytes");
  std::filesystem::path dir = argc > 1 ? std::filesystem::path(argv[1])
                                       : std::filesystem::temp_directory_path() / ("orion-dag-phases-" + rid);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto log = SqliteLogStore::open((dir / "scheduler.db").string());
  if (!log) return std::fprintf(stderr, "%s\n", log.error().to_string().c_str()), 1;
  t = now();
  if (auto s = (*log)->append(records); !s) return std::fprintf(stderr, "%s\n", s.error().to_string().c_str()), 1;
  report("commit", t, "one transaction, fsync (the acknowledgement waits for this)");
  t = now();
  (*log)->maintain();
  report("checkpoint", t, "after the acknowledgement");
  t = now();
  while (core.apply_batches(8192)) {
  }
  std::size_t dirty = 0;
  core.drain_dirty([&](const scheduler::TaskRecord&) { ++dirty; });
  report("apply_batches", t, "after the acknowledgement: the tasks made (" + std::to_string(dirty) + " written alone)");
  t = now();
  std::uint64_t seq = 0;
  std::size_t event_bytes = 0;
  for (const auto& e : core.outbox().events) event_bytes += pack_event(e.topic, "scheduler", 1, ++seq, 0, e.data).size();
  report("pack events", t,
         std::to_string(core.outbox().events.size()) + " events, " + std::to_string(event_bytes) + " bytes, after the reply");
  log->reset();
  std::filesystem::remove_all(dir);

  scheduler::WorkflowManager workflows(core, clock);
  t = now();
  auto state = scheduler::replica_snapshot(core, workflows, {});
  if (!state) return std::fprintf(stderr, "%s\n", state.error().to_string().c_str()), 1;
  report("snapshot", t, std::to_string(state->size()) + " bytes: a replica's state for raft (service thread)");
  t = now();
  scheduler::SchedulerCore standby(clock, {});
  scheduler::WorkflowManager standby_workflows(standby, clock);
  auto entries = scheduler::decode_snapshot_state(*state);
  if (!entries) return std::fprintf(stderr, "%s\n", entries.error().to_string().c_str()), 1;
  for (auto bytes : *entries) {
    auto e = scheduler::decode_replica_entry(bytes);
    if (!e) return std::fprintf(stderr, "%s\n", e.error().to_string().c_str()), 1;
    if (e->kind != scheduler::ReplicaEntry::RECORDS) continue;
    if (auto s = scheduler::apply_replica_records(standby, standby_workflows, e->records); !s) {
      return std::fprintf(stderr, "%s\n", s.error().to_string().c_str()), 1;
    }
  }
  report("snapshot restore", t, std::to_string(standby.task_count()) + " tasks on a follower's fresh core");
  return 0;
}
