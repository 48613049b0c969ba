// The scheduler's task requests and answers (docs/protocol.md section 5.4): SUBMIT, SUBMIT_BATCH,
// GET_TASK, WAIT_TASK, WAIT_TASKS, LIST_TASKS, CANCEL, REPRIORITIZE and their answers, and the
// TaskSpec and TaskView they carry (section 5.1), as value types with to_body() (to_json()) and a
// from_body() (from_json()) that returns an error naming the first bad field. SUBMIT_BATCH and
// TASK_LIST, the hot ones, also read and write msgpack without a Json tree (from_packed,
// to_packed; TaskSpec and TaskView from_object, write_packed; TaskViewRef for a view whose fields
// are held elsewhere).
//
//   Reprioritize r{"T7", Priority::URGENT};
//   Result<Reprioritize> back = Reprioritize::from_body(r.to_body());
//
// Generated from common/protocol.toml (family "task") into common/gen/task_messages.{h,cpp} in the
// build tree; the hand-written checks and read hooks are common/task_hooks.cpp.
#pragma once

#include "common/gen/task_messages.h"

namespace orion {

// TaskSpec's on_exhausted as the CLI and batch files name it: "" or "fail" -> false, "park" ->
// true; INVALID_ARGUMENT naming the field otherwise (the wire's reader says the same).
Result<bool> on_exhausted_from(const std::string& value);

}  // namespace orion
