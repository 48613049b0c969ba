// The workflow messages of the scheduler's client API (docs/protocol.md section 5.7), as value
// types with to_body() and a bounded from_body() that names the first bad field.
//
//   WorkflowRun run; run.workflow = *WorkflowSpec::from_json(file_json);
//   client.call(true, MsgType::WORKFLOW_RUN, run.to_body(), timeout);   // -> WORKFLOW_RUN_OK
//   auto info = WorkflowInfo::from_body(reply.body);                    // GET_WORKFLOW's answer
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/messages.h"
#include "common/workflow_spec.h"

namespace orion {

// Wire values frozen: UNKNOWN = 0 first, never renumbered.
enum class WorkflowState : std::uint8_t {
  UNKNOWN = 0,
  RUNNING = 1,    // some step is not terminal yet
  COMPLETED = 2,  // terminal: every step COMPLETED
  FAILED = 3,     // terminal: every step terminal, some not COMPLETED
  CANCELLED = 4,  // terminal: CANCEL_WORKFLOW ended it
};
std::string_view to_string(WorkflowState s);  // "RUNNING" ..
inline bool is_terminal(WorkflowState s) { return s == WorkflowState::COMPLETED || s == WorkflowState::FAILED || s == WorkflowState::CANCELLED; }

// One step as GET_WORKFLOW shows it: its template's place in the DAG and its task's execution.
struct StepView {
  std::string name;
  std::string task_id;
  std::string type;
  std::vector<std::string> depends_on;  // step names
  TaskState state = TaskState::UNKNOWN;
  double progress = 0;                  // per cent, 100 once COMPLETED
  std::int64_t attempt = 0;
  std::string agent;                    // of the latest attempt
  std::string error;
  std::int64_t created_ms = 0, started_ms = 0, finished_ms = 0;  // wall clock, 0 = not yet
  Json to_json() const;
  static Result<StepView> from_json(const Json& j);
};

struct WorkflowView {
  std::string workflow_id;  // "w<seq>"
  std::string name;
  WorkflowState state = WorkflowState::UNKNOWN;
  double progress = 0;      // mean of the steps' progress, per cent
  std::int64_t run = 1;     // 1, then +1 for each RETRY_WORKFLOW
  std::string reason;       // why FAILED or CANCELLED
  Json consensus;           // the gate as submitted, or null
  Json gate;                // with a gate: {id, proposal_id, outcome} (GateState), else null
  std::int64_t created_ms = 0, started_ms = 0, finished_ms = 0;  // wall clock, 0 = not yet
  std::vector<StepView> steps;  // in the order submitted
  Json to_json() const;
  static Result<WorkflowView> from_json(const Json& j);
};

struct WorkflowRun {
  WorkflowSpec workflow;
  Json to_body() const;
  static Result<WorkflowRun> from_body(const Json& b);
};

struct WorkflowRunOk {
  std::string workflow_id;
  std::map<std::string, std::string> task_ids;  // step name -> task id
  bool duplicate = false;  // the request id was seen before: this is the first answer again
  Json to_body() const;
  static Result<WorkflowRunOk> from_body(const Json& b);
};

struct GetWorkflow {
  std::string workflow_id;
  Json to_body() const;
  static Result<GetWorkflow> from_body(const Json& b);
};

struct WorkflowInfo {
  WorkflowView workflow;
  Json to_body() const;
  static Result<WorkflowInfo> from_body(const Json& b);
};

struct CancelWorkflow {
  std::string workflow_id;
  std::string reason;
  Json to_body() const;
  static Result<CancelWorkflow> from_body(const Json& b);
};

struct CancelWorkflowOk {
  std::string workflow_id;
  WorkflowState state = WorkflowState::UNKNOWN;  // after the cancel (already terminal: unchanged)
  std::vector<std::string> ended;                // steps this cancel ended
  Json to_body() const;
  static Result<CancelWorkflowOk> from_body(const Json& b);
};

struct RetryWorkflow {
  std::string workflow_id;
  Json to_body() const;
  static Result<RetryWorkflow> from_body(const Json& b);
};

struct RetryWorkflowOk {
  std::string workflow_id;
  WorkflowState state = WorkflowState::UNKNOWN;  // RUNNING
  std::int64_t run = 0;                          // the run this retry started
  std::vector<std::string> retried;              // steps re-opened
  Json to_body() const;
  static Result<RetryWorkflowOk> from_body(const Json& b);
};

}  // namespace orion
