// The scheduler's task requests and answers (docs/protocol.md section 5.4): SUBMIT, GET_TASK,
// WAIT_TASK, WAIT_TASKS, CANCEL, REPRIORITIZE and their answers, SUBMIT_BATCH_OK, as value types
// with to_body() and a from_body() that returns an error naming the first bad field.
//
//   Reprioritize r{"T7", Priority::URGENT};
//   Result<Reprioritize> back = Reprioritize::from_body(r.to_body());
//
// Generated from common/protocol.toml (family "task") into common/gen/task_messages.{h,cpp} in the
// build tree; the TaskSpec and TaskView they carry are common/task_records.h. SUBMIT_BATCH,
// LIST_TASKS and TASK_LIST are in common/messages.h.
#pragma once

#include "common/gen/task_messages.h"
