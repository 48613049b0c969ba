// orion-restart-phases: where a scheduler's start-up over a big store goes, in one process
// without sockets. It writes N queued tasks into a real SQLite file as the service does (one
// task submitted alone, then SUBMIT_BATCHes of 50,000 stored as batch records), then loads the
// file into a fresh core with the service's own code (load_store) and prints each phase in
// wall time and in the thread's CPU time (the CPU time is what to compare on a shared machine).
//
//   build/bin/orion-restart-phases [--tasks N] [--dir DIR] [--load-only]
//     --tasks N     queued tasks to write (default 200,000; restart_2m_s has 2,000,000)
//     --dir DIR     where scheduler.db goes; kept afterwards (default: a temp dir, removed), so
//                   `orion-scheduler --data-dir DIR` can be started on it
//     --load-only   load DIR's store as it is, write nothing
//
// The tasks are the ones orion-bench's restart_2m_s queues: `echo`, one capability no agent
// has, an integer input.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/phase_clock.h"
#include "common/codec.h"
#include "common/log_store.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/store_load.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_manager.h"

using namespace orion;

namespace {

using Mark = bench::PhaseMark;
Mark now() { return bench::phase_start(); }

double wall_since(const Mark& m) { return bench::wall_ms_since(m); }

long rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

TaskSpec parked_task(std::int64_t i) {
  TaskSpec s;
  s.type = "echo";
  s.capabilities = {"bench-none"};
  s.input = i;
  return s;
}

int fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.to_string().c_str());
  return 1;
}

// As the service takes them in: accepted with an intake, stored as one batch record per batch
// (a task submitted alone first, stored as a task record), made, and committed.
int write_store(LogStore& log, int total, int per_batch) {
  SystemClock clock;
  scheduler::SchedulerCore core(clock, {});
  LogBatch first;
  if (auto ok = core.submit("single", parked_task(-1)); !ok) return fail("submit", ok.error());
  core.drain_dirty([&](const scheduler::TaskRecord& r) { first.put(r.seq, scheduler::encode_task_record(r)); });
  if (auto s = log.append(first); !s) return fail("append", s.error());
  for (int sent = 0; sent < total; sent += per_batch) {
    SubmitBatch batch;
    const int m = std::min(per_batch, total - sent);
    batch.tasks.reserve(static_cast<std::size_t>(m));
    for (int i = 0; i < m; ++i) batch.tasks.push_back(BatchEntry{"q" + std::to_string(i), parked_task(sent + i)});
    std::string body = encode_value(batch.to_body());
    scheduler::BatchIntake intake;
    auto ok = core.accept_batch("batch-" + std::to_string(sent), std::move(batch.tasks), {}, &intake);
    if (!ok) return fail("accept_batch", ok.error());
    LogBatch records;
    records.put(log_key(scheduler::kBatchRecordKind, intake.first), scheduler::encode_batch_record(intake, std::move(body)));
    while (core.apply_batches(SIZE_MAX)) {
    }
    core.drain_dirty([&](const scheduler::TaskRecord& r) { records.put(r.seq, scheduler::encode_task_record(r)); });
    if (auto s = log.append(records); !s) return fail("append", s.error());
    log.maintain();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int total = 200'000;
  std::filesystem::path dir;
  bool load_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--tasks") && i + 1 < argc) {
      total = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) {
      dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--load-only")) {
      load_only = true;
    } else {
      std::fprintf(stderr, "usage: %s [--tasks N] [--dir DIR] [--load-only]\n", argv[0]);
      return 2;
    }
  }
  if (load_only && dir.empty()) return std::fprintf(stderr, "--load-only needs --dir\n"), 2;
  const bool keep = !dir.empty();
  if (!keep) dir = std::filesystem::temp_directory_path() / ("orion-restart-phases-" + std::to_string(::getpid()));
  const std::string path = (dir / "scheduler.db").string();
  if (!load_only) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto log = SqliteLogStore::open(path);
    if (!log) return fail("open", log.error());
    auto t = now();
    if (int rc = write_store(**log, total, 50'000); rc != 0) return rc;
    std::printf("%-14s %9.1f ms wall %9.1f ms cpu %d tasks, %.0f MB\n", "write", wall_since(t), bench::cpu_ms_since(t),
                total, static_cast<double>(std::filesystem::file_size(path)) / 1e6);
  }
  // Loaded as SchedulerService::start does, in a process whose heap the write phase warmed
  // (a fresh process also pays first-touch page faults for all of it: --load-only).
  const long rss_before = rss_mib();
  auto t = now();
  auto log = SqliteLogStore::open(path);
  if (!log) return fail("open", log.error());
  std::printf("%-14s %9.1f ms wall\n", "open", wall_since(t));
  SystemClock clock;
  scheduler::SchedulerCore core(clock, {});
  scheduler::WorkflowManager workflows(core, clock);
  scheduler::LoadPhases phases;
  t = now();
  if (auto s = scheduler::load_store(**log, core, workflows, &phases); !s) return fail("load", s.error());
  const double load_wall = wall_since(t), load_cpu = bench::cpu_ms_since(t);
  std::printf("%-14s %9.1f ms wall\n", "  read", phases.read_ms);
  std::printf("%-14s %9.1f ms wall\n", "  decode", phases.decode_ms);
  std::printf("%-14s %9.1f ms wall\n", "  restore", phases.restore_ms);
  std::printf("%-14s %9.1f ms wall\n", "  finish", phases.finish_ms);
  std::printf("%-14s %9.1f ms wall %9.1f ms cpu %zu tasks (%zu task records, %zu batch records), %zu ready; RSS %ld -> %ld MiB\n",
              "load", load_wall, load_cpu, core.task_count(), phases.task_records, phases.batch_records,
              core.ready_count(), rss_before, rss_mib());
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
