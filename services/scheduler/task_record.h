// One task as the scheduler holds it: the spec the client submitted, its execution state, and
// its place in the dependency graph. The store persists the view (view()), `deps` and
// `ready_ms`; the rest is derived again when the scheduler restarts.
//
// Memory: a million queued tasks are held at once (bench/README.md, "Memory per queued task"),
// so the record keeps only what a queued task uses. The view's fields that stay empty until the
// task is gated, runs or ends (its gate, agent, output, error, reason, later timestamps) live in
// one Cold part allocated by the first write (mutable_cold()); the task id is not stored (it is
// "t<seq>"), nor waiting_on (derived from deps when a view is built).
//
//   TaskRecord t;
//   t.cold().error;                // "" and no allocation while there is no Cold part
//   t.mutable_cold().error = "x";  // allocates it
//   TaskView v = t.view();         // what a client is shown (waiting_on left empty)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/messages.h"

namespace orion::scheduler {

struct TaskRecord {
  // TaskView's fields that are empty until the task is gated, runs or ends.
  struct Cold {
    std::string assigned_agent;
    double progress = 0;
    Json output;
    std::string error;
    std::string reason;
    std::int64_t assigned_ms = 0, started_ms = 0, finished_ms = 0;
    GateState gate;
  };

  TaskRecord() = default;
  TaskRecord(TaskRecord&&) = default;
  TaskRecord& operator=(TaskRecord&&) = default;
  TaskRecord(const TaskRecord& o);
  TaskRecord& operator=(const TaskRecord& o);

  std::uint64_t seq = 0;       // submission order, unique, > 0; the task id is "t<seq>"
  std::string request_id;      // the client's request id of the SUBMIT (deduplicates retries)
  // The view's fields a queued task uses, named as in TaskView.
  TaskSpec spec;
  TaskState state = TaskState::UNKNOWN;
  Priority effective_priority = Priority::UNKNOWN;  // after inheritance from dependants
  std::int64_t failures = 0;
  std::int64_t retry_at_ms = 0;
  std::int64_t attempt = 0;
  std::int64_t created_ms = 0;
  std::vector<StateChange> history;
  std::vector<std::uint64_t> deps;        // seqs this task waits on (persisted)
  std::vector<std::uint64_t> dependants;  // seqs waiting on this one (derived)
  std::uint32_t unmet = 0;     // deps not yet COMPLETED (derived). Invariant: 0 before assignment
  // The next assignment skips an attempt number (derived, leader only; in unmet's padding): set
  // for every unended task at a restart and when this replica becomes the leader, since an
  // attempt past the durable one may have reached an agent before its record was durable
  // (scheduler_core.h, "Attempt numbers"). Such an assignment goes out only once durable.
  bool skip_attempt = false;
  std::int64_t ready_ms = 0;   // wall clock when it last became ready: the base of its ageing
  std::int64_t deadline_ms = 0;   // monotonic end of the running attempt; 0 = none (derived)
  std::int64_t retry_due_ms = 0;  // monotonic time its retry becomes ready; 0 = none (derived)
  // Capabilities + exclusions: tasks of one class are served alike. Interned by the core (one
  // string per class, not per task); set whenever the record is in the core's table.
  const std::string* class_key = nullptr;
  bool in_batch_record = false;   // its only durable form is its batch's record (derived; BatchIntake)
  // Held back by a limit of one of its keys (limit_waits.h): out of its ready queue, in the
  // limit wait, until a task holding the key ends or the key's next token is due (derived, leader only).
  bool limit_held = false;
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

  // The Cold part to read: an empty one (shared, never written) while there is none.
  const Cold& cold() const;
  // The Cold part to write: allocated here on first use.
  Cold& mutable_cold();
  bool has_cold() const { return cold_ != nullptr; }  // false for a queued task never gated or run
  std::string task_id() const;  // "t<seq>"
  // The task as TaskView shows it, waiting_on left empty (the core fills it: scheduler_core.h).
  TaskView view() const;
  // Takes the view's fields (a decoded record); the task id is not kept (it is "t<seq>").
  void set_view(TaskView&& v);
  // Takes the view's fields of `o` (the same record, as stored again), leaving the rest as is.
  void take_view(TaskRecord&& o);

 private:
  std::unique_ptr<Cold> cold_;  // null = every Cold field empty
};

std::string task_id_for(std::uint64_t seq);  // "t42"

}  // namespace orion::scheduler
