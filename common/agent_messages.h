// The agent channel (MsgType 50..59 on the scheduler's ROUTER 7201: ATTACH .. DETACH, and DRAIN)
// and the scheduler's agent requests of its client API (DRAIN_AGENT, AGENT_STATS_OK), as value
// types with to_body() and a from_body() that returns an error naming the first bad field.
// docs/protocol.md sections 5.4 and 5.5 are the specification.
//
//   TaskResult r{"T7", 1, true, Json{{"sum", 3}}, ""};
//   Json body = r.to_body();
//   Result<TaskResult> back = TaskResult::from_body(body);  // TOO_LARGE for an output over 4 MiB
//
// They and the records TaskRef and AgentPerf are generated from common/protocol.toml (family
// "agent") into common/gen/agent_messages.{h,cpp} in the build tree. ASSIGN, TASK_PROGRESS,
// TASK_RESULT and RESULT_OK also have to_packed() and from_packed(): the hot path reads and writes
// them without a Json tree (TASK_PROGRESS, TASK_RESULT and RESULT_OK in to_body's key order).
#pragma once

#include "common/gen/agent_messages.h"

namespace orion {

inline bool operator==(const TaskRef& a, const TaskRef& b) { return a.task_id == b.task_id && a.attempt == b.attempt; }

}  // namespace orion
