// One task as the scheduler holds it: the spec the client submitted, its execution state, and
// its place in the dependency graph. The store persists `view`, `deps` and `ready_ms`; the
// rest is derived again when the scheduler restarts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/messages.h"

namespace orion::scheduler {

struct TaskRecord {
  std::uint64_t seq = 0;       // submission order, unique, > 0; the task id is "t<seq>"
  std::string request_id;      // the client's request id of the SUBMIT (deduplicates retries)
  TaskView view;               // id, spec and execution state as shown to clients
  std::vector<std::uint64_t> deps;        // seqs this task waits on (persisted)
  std::vector<std::uint64_t> dependants;  // seqs waiting on this one (derived)
  std::uint32_t unmet = 0;     // deps not yet COMPLETED (derived). Invariant: 0 before assignment
  std::int64_t ready_ms = 0;   // wall clock when it last became ready: the base of its ageing
  std::int64_t deadline_ms = 0;   // monotonic end of the running attempt; 0 = none (derived)
  std::int64_t retry_due_ms = 0;  // monotonic time its retry becomes ready; 0 = none (derived)
  // Capabilities + exclusions: tasks of one class are served alike. Interned by the core (one
  // string per class, not per task); set whenever the record is in the core's table.
  const std::string* class_key = nullptr;
  bool in_batch_record = false;   // its only durable form is its batch's record (derived; BatchIntake)
  // What SCHEDULER_STATS counts it as now (live_stats.h; derived). Fits the padding after
  // in_batch_record: no memory per task.
  struct Counted {
    std::uint8_t state = 0xFF;   // TaskState; 0xFF = not counted
    std::uint8_t priority = 0;   // submitted Priority
    std::uint16_t wait_bin = 0;  // its queue wait's DurationHistogram bin + 1; 0 = none
    std::uint16_t run_bin = 0;   // its run time's bin + 1; 0 = none
    bool counted() const { return state != 0xFF; }
    bool operator==(const Counted& o) const {
      return state == o.state && priority == o.priority && wait_bin == o.wait_bin && run_bin == o.run_bin;
    }
  } counted;
};

std::string task_id_for(std::uint64_t seq);  // "t42"

}  // namespace orion::scheduler
