// A TaskRecord as a record of the scheduler's Log (common/log_store.h), keyed by its seq:
// msgpack {"v": TaskView, "d": [dependency seqs], "r": ready_ms, "q": request_id}. Derived
// fields (dependants, unmet, deadlines) are not stored; the core rebuilds them at restore.
#pragma once

#include <string>
#include <string_view>

#include "common/msg_writer.h"
#include "common/status.h"
#include "services/scheduler/task_record.h"

namespace orion::scheduler {

std::string encode_task_record(const TaskRecord& record);
// The record's view, as TaskView::write_packed writes record.view(); waiting_on, when written, is empty.
void pack_view(MsgWriter& w, const TaskRecord& record, bool with_waiting_on);
// INTERNAL on a record that does not decode: the file is corrupt.
Result<TaskRecord> decode_task_record(std::uint64_t seq, std::string_view bytes);

}  // namespace orion::scheduler
