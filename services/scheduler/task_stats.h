// What SCHEDULER_STATS answers (common/stats_messages.h): tasks by state and by priority, queue
// wait and run time (p50, p95) per task type, and the ready tasks still waiting, by the
// capabilities they need. A read of the tasks the scheduler holds; it changes nothing.
//
//   SchedulerStatsOk exact = task_stats(core.tasks(), wall_clock_now_ms);
//
// Queue wait of a task = its (last) assignment - when it (last) became ready; run time = its end
// - its (last) start. Retried tasks count their last attempt. Cost: O(n log n) in the tasks held.
// This is the exact reference: the scheduler answers from counts it keeps as tasks change
// (SchedulerCore::stats, live_stats.h), and the tests compare those with this.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "common/stats_messages.h"
#include "services/scheduler/task_record.h"

namespace orion::scheduler {

SchedulerStatsOk task_stats(const std::vector<const TaskRecord*>& tasks, std::int64_t now_ms);

// Any seq -> TaskRecord table (the core's TaskTable, a std::map in tests).
template <class Table>
SchedulerStatsOk task_stats(const Table& table, std::int64_t now_ms) {
  std::vector<const TaskRecord*> all;
  all.reserve(table.size());
  for (const auto& [seq, r] : table) all.push_back(&r);
  return task_stats(all, now_ms);
}

// Rows with the most tasks first (ties keep their order), at most kMaxStatsRows.
template <class Row>
void keep_largest(std::vector<Row>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.tasks > b.tasks; });
  if (rows.size() > kMaxStatsRows) rows.resize(kMaxStatsRows);
}

// The nearest-rank percentile (0 < q <= 1) of `values`, which it sorts; 0 for none.
double percentile(std::vector<double>& values, double q);

}  // namespace orion::scheduler
