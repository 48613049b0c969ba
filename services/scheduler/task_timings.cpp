#include "services/scheduler/task_timings.h"

namespace orion::scheduler {

TaskTimings::Series& TaskTimings::series(const std::string& type) {
  auto it = by_type_.find(type);
  if (it != by_type_.end()) return it->second;
  const std::string& key = by_type_.size() < kMaxTypes ? type : std::string("other");
  return by_type_.try_emplace(key).first->second;
}

void TaskTimings::write(MetricsText& m) const {
  m.family("orion_scheduler_task_queue_wait_seconds", "histogram",
           "Time from ready to assigned of the tasks this replica assigned, by task type.");
  for (const auto& [type, s] : by_type_) m.histogram("orion_scheduler_task_queue_wait_seconds", {{"type", type}}, s.waits.snapshot());
  m.family("orion_scheduler_task_run_seconds", "histogram",
           "Time from start to end of the tasks that ended on this replica's watch, by task type.");
  for (const auto& [type, s] : by_type_) m.histogram("orion_scheduler_task_run_seconds", {{"type", type}}, s.runs.snapshot());
}

}  // namespace orion::scheduler
