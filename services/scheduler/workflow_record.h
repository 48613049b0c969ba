// One workflow as the scheduler holds it: the spec as submitted, which task runs each step,
// and the workflow's own state. Stored through the scheduler's Log as a record of kind
// kWorkflowRecordKind (log_key(kind, seq)), in the same batch (one SQLite transaction) as the
// tasks a change touched: msgpack {"spec", "t": [task seq per step], "s": state, "q": request
// id, "why", "run", "rq", "rr", "c", "f"}. Step states are not stored: they are the tasks'.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/workflow_messages.h"

namespace orion::scheduler {

inline constexpr std::uint8_t kWorkflowRecordKind = 1;  // tasks are kind 0

struct WorkflowRecord {
  std::uint64_t seq = 0;            // creation order, > 0; the id is "w<seq>"
  std::string request_id;           // of the WORKFLOW_RUN (deduplicates retries)
  WorkflowSpec spec;                // validated; step i runs as task task_seqs[i]
  std::vector<std::uint64_t> task_seqs;  // Invariant: one per step, each an existing task
  WorkflowState state = WorkflowState::RUNNING;
  std::string reason;               // why FAILED or CANCELLED
  std::int64_t run = 1;             // 1 + RETRY_WORKFLOWs accepted
  std::string retry_request_id;     // the last RETRY_WORKFLOW's request id, and its answer:
  std::vector<std::string> last_retried;  //   a retried request gets the same answer
  std::int64_t created_ms = 0, finished_ms = 0;  // wall clock; finished 0 while RUNNING

  // Derived at creation and restore, not stored.
  std::vector<TaskState> step_states;          // as last seen by on_task (for workflow.step)
};

std::string workflow_id_for(std::uint64_t seq);  // "w7"
// The seq of "w7", or 0 when `id` is not a workflow id.
std::uint64_t workflow_seq_of(const std::string& id);

std::string encode_workflow_record(const WorkflowRecord& record);
// INTERNAL on a record that does not decode: the file is corrupt. Derived fields are empty.
Result<WorkflowRecord> decode_workflow_record(std::uint64_t seq, std::string_view bytes);

}  // namespace orion::scheduler
