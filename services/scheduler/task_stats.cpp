#include "services/scheduler/task_stats.h"
#include "services/scheduler/task_lifecycle.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace orion::scheduler {

namespace {

struct TypeSamples {
  std::int64_t tasks = 0;
  std::vector<double> waits, runs;
};

struct ClassSamples {
  std::int64_t tasks = 0;
  std::int64_t oldest_wait_ms = 0;
};

}  // namespace

double percentile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::min(values.size(), std::max<std::size_t>(rank, 1)) - 1];
}

SchedulerStatsOk task_stats(const std::vector<const TaskRecord*>& tasks, std::int64_t now_ms) {
  SchedulerStatsOk out;
  std::map<std::string, TypeSamples> by_type;
  std::map<std::vector<std::string>, ClassSamples> waiting;
  for (const TaskRecord* task : tasks) {
    const TaskRecord& r = *task;
    const TaskRecord& v = r;
    ++out.total;
    ++out.by_state[std::string(to_string(v.state))];
    ++out.by_namespace[v.spec.ns][std::string(to_string(v.state))];
    ++out.by_priority[std::string(to_string(v.spec.priority))];
    TypeSamples& t = by_type[v.spec.type];
    ++t.tasks;
    std::int64_t ready_ms = r.ready_ms > 0 ? r.ready_ms : v.created_ms;
    if (v.cold().assigned_ms > 0) t.waits.push_back(static_cast<double>(std::max<std::int64_t>(0, v.cold().assigned_ms - ready_ms)));
    if (is_terminal(v.state) && v.cold().started_ms > 0 && v.cold().finished_ms >= v.cold().started_ms) {
      t.runs.push_back(static_cast<double>(v.cold().finished_ms - v.cold().started_ms));
    }
    // Ready and waiting for an agent: dependencies met, no retry pending.
    if (is_queued(r)) {
      auto caps = v.spec.capabilities;
      std::sort(caps.begin(), caps.end());
      ClassSamples& c = waiting[caps];
      ++c.tasks;
      c.oldest_wait_ms = std::max(c.oldest_wait_ms, std::max<std::int64_t>(0, now_ms - ready_ms));
    }
  }
  for (auto& [type, s] : by_type) {
    TypeStats row;
    row.type = type;
    row.tasks = s.tasks;
    row.started = static_cast<std::int64_t>(s.waits.size());
    row.finished = static_cast<std::int64_t>(s.runs.size());
    row.wait_p50_ms = percentile(s.waits, 0.50);
    row.wait_p95_ms = percentile(s.waits, 0.95);
    row.run_p50_ms = percentile(s.runs, 0.50);
    row.run_p95_ms = percentile(s.runs, 0.95);
    out.types.push_back(std::move(row));
  }
  for (auto& [caps, c] : waiting) out.waiting.push_back(WaitingClass{caps, c.tasks, c.oldest_wait_ms});
  keep_largest(out.types);
  keep_largest(out.waiting);
  return out;
}

}  // namespace orion::scheduler
