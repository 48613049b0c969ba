// One task as the scheduler holds it: the spec the client submitted plus its execution state.
// The store persists exactly this; the core changes it only through its transitions.
#pragma once

#include <cstdint>
#include <string>

#include "common/messages.h"

namespace orion::scheduler {

struct TaskRecord {
  std::uint64_t seq = 0;       // submission order, unique, > 0; the task id is derived from it
  std::string request_id;      // the client's request id of the SUBMIT (deduplicates retries)
  TaskView view;               // id, spec and execution state as shown to clients
  // Monotonic deadline of the running attempt (0 = none). Not persisted: re-derived on assign.
  std::int64_t deadline_ms = 0;
};

std::string task_id_for(std::uint64_t seq);  // "t42"

}  // namespace orion::scheduler
