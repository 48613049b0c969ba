// Task values written straight to msgpack with MsgWriter: the same maps as TaskSpec::to_json
// and TaskView::to_json (same keys, same optional fields), without the Json tree. The
// scheduler's hot paths use these; the tests check they decode to exactly what to_json gives.
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

void pack(MsgWriter& w, const TaskSpec& s);
// A TaskView's fields held elsewhere (the scheduler keeps a task in its own record): pack()
// writes exactly the map of the TaskView they make up.
struct TaskViewParts {
  const std::string& task_id;
  const TaskSpec& spec;
  TaskState state;
  Priority effective_priority;
  std::int64_t failures, retry_at_ms;
  const std::vector<std::string>& waiting_on;
  const std::vector<StateChange>& history;
  const std::string& assigned_agent;
  std::int64_t attempt;
  double progress;
  const Json& output;
  const std::string& error;
  const std::string& reason;
  std::int64_t created_ms, assigned_ms, started_ms, finished_ms;
  const GateState& gate;
};
// with_waiting_on = false leaves out the derived "waiting_on" (stored records).
void pack(MsgWriter& w, const TaskViewParts& v, bool with_waiting_on = true);
void pack(MsgWriter& w, const TaskView& v, bool with_waiting_on = true);
// A TASK_INFO body: {"task": view}.
std::string pack_task_info(const TaskView& v);
// A TASK_LIST body with no next page: {"tasks": [views], "next": ""}.
std::string pack_task_list(const std::vector<TaskView>& views);
// The same from views held elsewhere (no copies).
std::string pack_task_list(const std::vector<const TaskView*>& views);
// The same for `count` views, the i-th written by pack_view(w, i) (one pack() call).
std::string pack_task_list(std::size_t count, const std::function<void(MsgWriter&, std::size_t)>& pack_view);
// A SUBMIT_BATCH body, as SubmitBatch::to_body for these entries and batch gate (decodes to the
// same value): the client's side of a batch, without a Json tree of it.
std::string pack_submit_batch(const std::vector<BatchEntry>& tasks, const ConsensusGate& consensus);
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
