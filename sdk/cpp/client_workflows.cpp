// Client, workflows: WORKFLOW_RUN, GET_WORKFLOW, CANCEL_WORKFLOW, RETRY_WORKFLOW.
#include <algorithm>

#include "common/clock.h"
#include "sdk/cpp/client.h"

namespace orion::sdk {

Result<WorkflowRunOk> Client::run_workflow(const WorkflowSpec& spec) {
  // The spec's own checks (cycles, references) before it leaves: a refused one is not sent.
  auto checked = WorkflowSpec::from_json(spec.to_json());
  if (!checked) return checked.error();
  auto timeout_ms = std::max(options_.request_timeout_ms, options_.batch_timeout_ms);
  auto r = call(true, MsgType::WORKFLOW_RUN, WorkflowRun{*checked}.to_body(), timeout_ms);
  if (!r) return r.error();
  return WorkflowRunOk::from_body(r->body);
}

Result<WorkflowRunOk> Client::coordinate_multi_agent_workflow(const std::string& name,
                                                              const std::vector<WorkflowStep>& steps,
                                                              const Json& require_consensus) {
  WorkflowSpec spec;
  spec.name = name;
  spec.steps = steps;
  for (auto& s : spec.steps) s.task.name = s.name;
  if (require_consensus.is_boolean()) {
    if (require_consensus.get<bool>()) spec.consensus = Json{{"type", "majority"}};
  } else if (!require_consensus.is_null()) {
    spec.consensus = require_consensus;
  }
  return run_workflow(spec);
}

Result<WorkflowView> Client::workflow_status(const std::string& workflow_id) {
  auto info = ask<WorkflowInfo>(MsgType::GET_WORKFLOW, GetWorkflow{workflow_id}.to_body());
  if (!info) return info.error();
  return std::move(info->workflow);
}

Result<CancelWorkflowOk> Client::cancel_workflow(const std::string& workflow_id, const std::string& reason) {
  return ask<CancelWorkflowOk>(MsgType::CANCEL_WORKFLOW, CancelWorkflow{workflow_id, reason}.to_body());
}

Result<RetryWorkflowOk> Client::retry_workflow(const std::string& workflow_id) {
  return ask<RetryWorkflowOk>(MsgType::RETRY_WORKFLOW, RetryWorkflow{workflow_id}.to_body());
}

// Long-polls the unfinished steps' tasks with WAIT_TASKS (one request, not one per step), then
// reads the workflow again: its state follows its steps' in the same scheduler turn.
Result<WorkflowView> Client::wait_workflow(const std::string& workflow_id, std::int64_t timeout_ms) {
  auto deadline = steady_now_ms() + timeout_ms;
  while (true) {
    auto v = workflow_status(workflow_id);
    if (!v || is_terminal(v->state) || steady_now_ms() >= deadline) return v;
    std::vector<std::string> open;
    for (const auto& s : v->steps) {
      if (!is_terminal(s.state)) open.push_back(s.task_id);
    }
    if (open.empty()) continue;  // the workflow's own end is in the next read
    auto w = wait_all(open, std::max<std::int64_t>(0, deadline - steady_now_ms()));
    if (!w) return w.error();
  }
}

}  // namespace orion::sdk
