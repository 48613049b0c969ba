// The task messages kept by hand: SUBMIT_BATCH and TASK_LIST (their Json readers are the
// reference the services' packed readers, batch_decode.cpp and task_list_decode.cpp, mirror error
// for error). Every other message is generated from common/protocol.toml and included from here,
// so this header still names every message:
//   registry_messages.h    REGISTER .. ANNOUNCE and the agent records (section 5.3)
//   task_messages.h        SUBMIT .. WAIT_TASKS but the two above, and BatchEntry (section 5.4)
//   agent_messages.h       ATTACH .. DETACH, DRAIN_AGENT, AGENT_STATS_OK (sections 5.4, 5.5)
//   event_messages.h       EVENT (section 5.6)
//   task_records.h         TaskSpec and TaskView (by hand)
//   task_parts_messages.h  RetryPolicy and StateChange, which they hold
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
#include "common/event_messages.h"
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

struct TaskList {
  std::vector<TaskView> tasks;
  std::string next;  // pass as `after` for the next page; empty at the end
  Json to_body() const;
  static Result<TaskList> from_body(const Json& b);
};

}  // namespace orion
