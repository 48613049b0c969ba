// The records a task is made of besides its spec and view: RetryPolicy (with the enum BackoffKind)
// and StateChange, one entry of a task's history (docs/protocol.md section 5.1).
//
//   RetryPolicy p; p.kind = BackoffKind::EXPONENTIAL; p.initial_ms = 500;
//   Result<RetryPolicy> back = RetryPolicy::from_json(p.to_json());
//
// Generated from common/protocol.toml (family "task_parts") into
// common/gen/task_parts_messages.{h,cpp} in the build tree, with their packed writers and readers
// (write_packed, from_object) for the task codecs that hold them (task_pack.cpp,
// task_list_decode.cpp, object_fields.cpp). check_retry_policy is in task_records.cpp.
#pragma once

#include "common/gen/task_parts_messages.h"
