// Every message of ORION/1 is generated from common/protocol.toml; this header includes them all,
// so it still names every message:
//   registry_messages.h    REGISTER .. ANNOUNCE and the agent records (section 5.3)
//   task_messages.h        SUBMIT .. WAIT_TASKS, BatchEntry, TaskSpec and TaskView (sections 5.1, 5.4)
//   agent_messages.h       ATTACH .. DETACH, DRAIN_AGENT, AGENT_STATS_OK (sections 5.4, 5.5)
//   event_messages.h       EVENT (section 5.6)
//   task_parts_messages.h  RetryPolicy and StateChange, which TaskSpec and TaskView hold
// docs/protocol.md is the specification; this file and that document change together.
//
//   SubmitTask m; m.spec.type = "echo"; m.spec.input = {{"x", 1}};
//   Json body = m.to_body();                                // {"task": {"type": "echo", ...}}
//   Result<SubmitTask> back = SubmitTask::from_body(body);  // back->spec.type == "echo"
//   SubmitTask::from_body(Json::object());                  // error: "field 'task': is required"
#pragma once

#include "common/agent_messages.h"
#include "common/codec.h"
#include "common/event_messages.h"
#include "common/protocol_schema.h"
#include "common/registry_messages.h"
#include "common/task_gate.h"
#include "common/task_messages.h"
#include "common/task_model.h"

// MsgType, is_known(MsgType) and to_string(MsgType) are generated from common/protocol.toml
// (common/protocol_schema.h, included through fields.h), as are the wire bounds (kMax...).
