// The task messages kept by hand: SUBMIT_BATCH, LIST_TASKS and TASK_LIST (their Json readers are
// the reference the services' packed readers, batch_decode.cpp and task_list_decode.cpp, mirror
// error for error), and EVENT. Every other message is generated from common/protocol.toml and
// included from here, so this header still names every message:
//   registry_messages.h  REGISTER .. ANNOUNCE and the agent records (section 5.3)
//   task_messages.h      SUBMIT .. WAIT_TASKS but the three above (section 5.4)
//   agent_messages.h     ATTACH .. DETACH, DRAIN_AGENT, AGENT_STATS_OK (sections 5.4, 5.5)
//   task_records.h       TaskSpec, TaskView and the records they hold (by hand)
// docs/protocol.md is the specification; this file and that document change together.
//
//   SubmitTask m; m.spec.type = "echo"; m.spec.input = {{"x", 1}};
//   Json body = m.to_body();                                // {"task": {"type": "echo", ...}}
//   Result<SubmitTask> back = SubmitTask::from_body(body);  // back->spec.type == "echo"
//   SubmitTask::from_body(Json::object());                  // error: "field 'task': is required"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/agent_messages.h"
#include "common/codec.h"
#include "common/protocol_schema.h"
#include "common/registry_messages.h"
#include "common/task_gate.h"
#include "common/task_messages.h"
#include "common/task_model.h"
#include "common/task_records.h"

namespace orion {

// MsgType, is_known(MsgType) and to_string(MsgType) are generated from common/protocol.toml
// (common/protocol_schema.h, included through fields.h), as are the wire bounds (kMax...).

// ---- Tasks ----------------------------------------------------------------------------------

struct SubmitBatch {
  std::vector<BatchEntry> tasks;
  ConsensusGate consensus;  // one gate for the whole batch: every task waits for one approval
  Json to_body() const;
  static Result<SubmitBatch> from_body(const Json& b);
  // The same, straight from the msgpack body bytes (no Json tree; batch_decode.cpp): accepts and
  // refuses exactly what decode_value followed by from_body does, with the same first error.
  static Result<SubmitBatch> from_packed(std::string_view body);
};

// Filters are ANDed; an empty list matches all. Tasks come in id order after `after`.
struct ListTasks {
  std::vector<TaskState> states;
  std::vector<std::string> types;
  std::vector<Priority> priorities;
  std::int64_t limit = 100;     // 1..10000
  std::string after;            // a task id; list those after it
  Json to_body() const;
  static Result<ListTasks> from_body(const Json& b);
};

struct TaskList {
  std::vector<TaskView> tasks;
  std::string next;  // pass as `after` for the next page; empty at the end
  Json to_body() const;
  static Result<TaskList> from_body(const Json& b);
};

// ---- Events ---------------------------------------------------------------------------------

// Body of an EVENT. Each publisher numbers its events from 1 within an epoch (a number drawn
// at each process start); (publisher, epoch, seq) names one event, so a subscriber connected
// to several registries' buses drops the copies (common/event_dedup.h). A gap in seq within
// an epoch tells it it missed some and should re-read state with a command; a new epoch is a
// restart, not a gap.
struct Event {
  std::string topic;      // also frame 0 on the bus: "task.completed", "agent.down", ...
  std::string publisher;  // "scheduler", "registry"
  std::uint64_t epoch = 0;  // 1..2^63-1 when sent; 0 = not sent (an older publisher)
  std::uint64_t seq = 0;
  std::int64_t ts_ms = 0;  // wall clock
  Json data = Json::object();
  Json to_body() const;
  static Result<Event> from_body(const Json& b);
};

}  // namespace orion
