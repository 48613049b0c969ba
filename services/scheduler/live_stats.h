// The task counts of SCHEDULER_STATS kept up to date as tasks change, so a request reads them in
// O(states + priorities + types) instead of a pass over every task (task_stats.h is that pass,
// kept as the reference the tests compare against). The core calls update() with a task each
// time it may have changed (scheduler_core.h: restat), and remove() before it replaces a record
// wholesale; each task carries what it was counted as (TaskRecord::counted), so an update takes
// that back and counts the task as it is now, and calling it twice changes nothing.
//
//   LiveStats live;
//   live.update(t);             // after t was created, changed, restored or applied
//   SchedulerStatsOk s;
//   live.fill(s);               // total, by_state, by_priority, types (not `waiting`)
//
// Percentiles: per task type, a DurationHistogram of the queue waits and one of the run times of
// the tasks held (the same samples task_stats() takes: last assignment - when last ready; end -
// last start), so they are within DurationHistogram::kRelativeError (1%) of the exact ones.
// Memory: O(task types * histogram bins), nothing per task beyond TaskRecord::counted.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/stats_messages.h"
#include "services/scheduler/duration_histogram.h"
#include "services/scheduler/task_record.h"
#include "services/scheduler/task_timings.h"

namespace orion::scheduler {

class LiveStats {
 public:
  // Counts t as it is now, in place of what t.counted says it was counted as.
  void update(TaskRecord& t);
  // Takes t out of the counts (t.counted says how it was counted; then nothing).
  void remove(TaskRecord& t);
  void fill(SchedulerStatsOk& out) const;

  // Tasks held per namespace, by TaskState value (section 19): only namespaces holding tasks.
  using StateCounts = std::array<std::int64_t, 9>;
  const std::unordered_map<std::string, StateCounts>& by_namespace() const { return by_ns_; }
  // The counts of one namespace (all zero when it holds no task).
  StateCounts namespace_counts(const std::string& ns) const {
    auto it = by_ns_.find(ns);
    return it == by_ns_.end() ? StateCounts{} : it->second;
  }

  // What t counts as now (its samples' bins + 1; 0 = no sample).
  static TaskRecord::Counted counted_as(const TaskRecord& t);

  // The waits and run times of the changes this process made (task_timings.h): a sample that
  // appears on a task counted before, never one a restored or applied record brings.
  const TaskTimings& timings() const { return timings_; }

 private:
  struct TypeAgg {
    std::int64_t tasks = 0, started = 0, finished = 0;
    DurationHistogram waits, runs;
  };
  void add(TypeAgg& type, const TaskRecord::Counted& c, int sign);

  std::int64_t total_ = 0;
  std::array<std::int64_t, 256> by_state_{};     // by TaskState value
  std::array<std::int64_t, 256> by_priority_{};  // by Priority value (submitted)
  std::unordered_map<std::string, TypeAgg> types_;  // types with tasks held only
  // Namespace -> tasks by state; an entry is dropped when its last task goes (bounded by the
  // namespaces of the tasks held). A task's namespace never changes.
  std::unordered_map<std::string, StateCounts> by_ns_;
  void add_ns(const std::string& ns, std::uint8_t state, int sign);
  TaskTimings timings_;
};

}  // namespace orion::scheduler
