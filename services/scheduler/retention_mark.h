// The retention mark: one record of the scheduler's Log (kind kRetentionMarkKind, id 1) holding
// the next task seq and the next workflow seq. Without it a restart after the newest tasks
// expired would hand their ids out again (next seq = highest stored + 1), and an expired id
// would read as never existed. Written in every turn that expired something, and in every
// snapshot; replayed after the task, workflow and batch records (a higher kind than theirs); the
// audit records (kind 5, audit_trail.h) and the agent id bindings (kind 6) come after it and
// change no task state.
//
//   msgpack {"t": next task seq, "w": next workflow seq}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/log_store.h"
#include "common/status.h"

namespace orion::scheduler {

inline constexpr std::uint8_t kRetentionMarkKind = 4;  // tasks 0, workflows 1, batches 2, hits 3
inline constexpr std::uint64_t kRetentionMarkKey = log_key(kRetentionMarkKind, 1);

struct RetentionMark {
  std::uint64_t next_task = 1, next_workflow = 1;
};

std::string encode_retention_mark(const RetentionMark& mark);
// INTERNAL on bytes that are not a mark (a corrupt store).
Result<RetentionMark> decode_retention_mark(std::string_view bytes);

}  // namespace orion::scheduler
