// The workflow messages of the scheduler's client API (docs/protocol.md section 5.7), as value
// types with to_body() and a bounded from_body() that names the first bad field.
//
//   WorkflowRun run; run.workflow = *WorkflowSpec::from_json(file_json);
//   client.call(true, MsgType::WORKFLOW_RUN, run.to_body(), timeout);   // -> WORKFLOW_RUN_OK
//   auto info = WorkflowInfo::from_body(reply.body);                    // GET_WORKFLOW's answer
//
// The structs, their readers and writers and the enum WorkflowState are generated from
// common/protocol.toml (family "workflow") into common/gen/workflow_messages.{h,cpp} in the build
// tree; the workflow a WORKFLOW_RUN carries is common/workflow_spec.h.
#pragma once

#include "common/gen/workflow_messages.h"
#include "common/messages.h"  // the task messages a workflow is made of

namespace orion {

// COMPLETED, FAILED and CANCELLED are final; RUNNING changes.
inline bool is_terminal(WorkflowState s) {
  return s == WorkflowState::COMPLETED || s == WorkflowState::FAILED || s == WorkflowState::CANCELLED;
}

}  // namespace orion
