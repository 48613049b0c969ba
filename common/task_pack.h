// Bodies the scheduler writes straight to msgpack with MsgWriter around values it holds (no copy
// into a message struct, no Json tree): the same bytes as the generated to_body/to_packed of
// those messages; the tests check they decode to exactly what to_body gives.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/messages.h"
#include "common/msg_writer.h"

namespace orion {

// TaskSpec, TaskView (TaskViewRef for one whose fields are held elsewhere) and SUBMIT_BATCH are
// written by their generated codec (common/task_messages.h: write_packed, to_packed).

// A TASK_INFO body: {"task": view}.
std::string pack_task_info(const TaskView& v);
// A TASK_LIST body with no next page, as TaskList::to_packed writes it, for `count` views held
// elsewhere: the i-th written by pack_view(w, i) (one write_packed call), none copied.
std::string pack_task_list(std::size_t count, const std::function<void(MsgWriter&, std::size_t)>& pack_view);
// An ASSIGN body, as Assign::to_body for the view's current attempt; `deps` holds
// (dependency task id, its output) pairs.
std::string pack_assign(const TaskView& v, const std::vector<std::pair<std::string, const Json*>>& deps);
// The same from its parts, with `input` sent in place of spec.input.
std::string pack_assign(const std::string& task_id, std::int64_t attempt, const TaskSpec& spec, const Json& input,
                        const std::vector<std::pair<std::string, const Json*>>& deps);
// A SUBMIT_BATCH_OK body, as SubmitBatchOk::to_body.
std::string pack_submit_batch_ok(const SubmitBatchOk& ok);
// An EVENT body, as Event::to_body, around data already packed (one msgpack map).
std::string pack_event(const std::string& topic, const std::string& publisher, std::uint64_t epoch, std::uint64_t seq,
                       std::int64_t ts_ms, std::string_view packed_data);

}  // namespace orion
