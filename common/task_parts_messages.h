// The records a task is made of besides its spec and view: RetryPolicy (with the enum BackoffKind)
// and StateChange, one entry of a task's history (docs/protocol.md section 5.1).
//
//   RetryPolicy p; p.kind = BackoffKind::EXPONENTIAL; p.initial_ms = 500;
//   Result<RetryPolicy> back = RetryPolicy::from_json(p.to_json());
//
// Generated from common/protocol.toml (family "task_parts") into
// common/gen/task_parts_messages.{h,cpp} in the build tree, with their packed writers and readers
// (write_packed, from_object) for the packed codecs of TaskSpec and TaskView that hold them.
// check_retry_policy is in task_hooks.cpp. A RetryPolicy waits before retry n (n = 1 for the
// first retry):
//   FIXED        initial_ms
//   EXPONENTIAL  min(max_ms, initial_ms * multiplier^(n-1))
// then shortened by a deterministic fraction in [0, jitter) drawn from (task, n), so a replay of
// the log gives the same delays.
#pragma once

#include "common/gen/task_parts_messages.h"
