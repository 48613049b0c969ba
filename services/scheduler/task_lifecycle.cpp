#include "services/scheduler/task_lifecycle.h"

#include <cassert>

#include "common/log.h"

namespace orion::scheduler {

std::string_view to_string(Cause cause) {
  const auto i = static_cast<std::size_t>(cause);
  return i < kTransitions.size() ? kTransitions[i].name : "UNKNOWN";
}

bool refuse_transition(const TaskRecord& t, TaskState to, Cause cause) {
  spdlog::error("event=transition_refused task={} from={} to={} cause={}", t.task_id(), to_string(t.state), to_string(to),
                to_string(cause));
  assert(!"a task state change the lifecycle table does not allow (task_lifecycle.h)");
  return false;
}

}  // namespace orion::scheduler
