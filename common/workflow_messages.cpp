#include "common/workflow_messages.h"

#include "common/fields.h"

namespace orion {

std::string_view to_string(WorkflowState s) {
  switch (s) {
    case WorkflowState::RUNNING: return "RUNNING";
    case WorkflowState::COMPLETED: return "COMPLETED";
    case WorkflowState::FAILED: return "FAILED";
    case WorkflowState::CANCELLED: return "CANCELLED";
    default: return "UNKNOWN";
  }
}

Json StepView::to_json() const {
  Json j{{"name", name},       {"task_id", task_id},     {"type", type},
         {"depends_on", depends_on}, {"state", static_cast<int>(state)}, {"progress", progress},
         {"attempt", attempt}, {"agent", agent},         {"created_ms", created_ms},
         {"started_ms", started_ms}, {"finished_ms", finished_ms}};
  if (!error.empty()) j["error"] = error;
  return j;
}

Result<StepView> StepView::from_json(const Json& j) {
  std::int64_t state = 0;
  auto r = read_body<StepView>(j, [&](Fields& f, StepView& s) {
    f.str("name", s.name, Need::REQUIRED);
    f.str("task_id", s.task_id, Need::REQUIRED);
    f.str("type", s.type, Need::OPTIONAL);
    f.str_list("depends_on", s.depends_on, Need::OPTIONAL, kMaxWorkflowSteps);
    f.integer("state", state, Need::REQUIRED, 0, 7);
    f.number("progress", s.progress, Need::OPTIONAL, 0, 100);
    f.integer("attempt", s.attempt, Need::OPTIONAL, 0, kMaxAttempt);
    f.str("agent", s.agent, Need::OPTIONAL);
    f.str("error", s.error, Need::OPTIONAL, kMaxInputBytes);
    f.integer("created_ms", s.created_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("started_ms", s.started_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("finished_ms", s.finished_ms, Need::OPTIONAL, 0, INT64_MAX);
  });
  if (r) r->state = static_cast<TaskState>(state);
  return r;
}

Json WorkflowView::to_json() const {
  Json s = Json::array();
  for (const auto& step : steps) s.push_back(step.to_json());
  Json j{{"workflow_id", workflow_id}, {"name", name},   {"state", static_cast<int>(state)},
         {"progress", progress},       {"run", run},     {"created_ms", created_ms},
         {"started_ms", started_ms},   {"finished_ms", finished_ms}, {"steps", std::move(s)}};
  if (!reason.empty()) j["reason"] = reason;
  if (!consensus.is_null()) j["consensus"] = consensus;
  if (!gate.is_null()) j["gate"] = gate;
  return j;
}

Result<WorkflowView> WorkflowView::from_json(const Json& j) {
  std::int64_t state = 0;
  auto r = read_body<WorkflowView>(j, [&](Fields& f, WorkflowView& w) {
    f.str("workflow_id", w.workflow_id, Need::REQUIRED);
    f.str("name", w.name, Need::OPTIONAL);
    f.integer("state", state, Need::REQUIRED, 0, 4);
    f.number("progress", w.progress, Need::OPTIONAL, 0, 100);
    f.integer("run", w.run, Need::OPTIONAL, 1, kMaxRun);
    f.str("reason", w.reason, Need::OPTIONAL, kMaxInputBytes);
    f.object("consensus", w.consensus, Need::OPTIONAL);
    f.object("gate", w.gate, Need::OPTIONAL);
    f.integer("created_ms", w.created_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("started_ms", w.started_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("finished_ms", w.finished_ms, Need::OPTIONAL, 0, INT64_MAX);
  });
  if (!r) return r;
  r->state = static_cast<WorkflowState>(state);
  auto steps = j.find("steps");
  if (steps == j.end() || !steps->is_array() || steps->size() > kMaxWorkflowSteps) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'steps': must be an array of at most " +
                                                       std::to_string(kMaxWorkflowSteps) + " steps");
  }
  for (std::size_t i = 0; i < steps->size(); ++i) {
    auto s = StepView::from_json((*steps)[i]);
    if (!s) return make_error(ErrorCode::INVALID_ARGUMENT, "steps[" + std::to_string(i) + "]: " + s.error().message);
    r->steps.push_back(std::move(*s));
  }
  return r;
}

Json WorkflowRun::to_body() const { return {{"workflow", workflow.to_json()}}; }
Result<WorkflowRun> WorkflowRun::from_body(const Json& b) {
  if (!b.is_object()) return make_error(ErrorCode::MALFORMED, "body is not a map");
  auto w = b.find("workflow");
  if (w == b.end() || w->is_null()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'workflow': is required");
  auto spec = WorkflowSpec::from_json(*w);
  if (!spec) return spec.error();
  return WorkflowRun{std::move(*spec)};
}

Json WorkflowRunOk::to_body() const {
  return {{"workflow_id", workflow_id}, {"task_ids", task_ids}, {"duplicate", duplicate}};
}
Result<WorkflowRunOk> WorkflowRunOk::from_body(const Json& b) {
  return read_body<WorkflowRunOk>(b, [](Fields& f, WorkflowRunOk& m) {
    f.str("workflow_id", m.workflow_id, Need::REQUIRED);
    f.str_map("task_ids", m.task_ids, Need::REQUIRED, kMaxWorkflowSteps);
    f.boolean("duplicate", m.duplicate, Need::OPTIONAL);
  });
}

Json GetWorkflow::to_body() const { return {{"workflow_id", workflow_id}}; }
Result<GetWorkflow> GetWorkflow::from_body(const Json& b) {
  return read_body<GetWorkflow>(b, [](Fields& f, GetWorkflow& m) { f.str("workflow_id", m.workflow_id, Need::REQUIRED); });
}

Json WorkflowInfo::to_body() const { return {{"workflow", workflow.to_json()}}; }
Result<WorkflowInfo> WorkflowInfo::from_body(const Json& b) {
  if (!b.is_object()) return make_error(ErrorCode::MALFORMED, "body is not a map");
  auto w = b.find("workflow");
  if (w == b.end()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'workflow': is required");
  auto v = WorkflowView::from_json(*w);
  if (!v) return make_error(v.error().code, "field 'workflow': " + v.error().message);
  return WorkflowInfo{std::move(*v)};
}

Json CancelWorkflow::to_body() const { return {{"workflow_id", workflow_id}, {"reason", reason}}; }
Result<CancelWorkflow> CancelWorkflow::from_body(const Json& b) {
  return read_body<CancelWorkflow>(b, [](Fields& f, CancelWorkflow& m) {
    f.str("workflow_id", m.workflow_id, Need::REQUIRED);
    f.str("reason", m.reason, Need::OPTIONAL, 4096);
  });
}

Json CancelWorkflowOk::to_body() const {
  return {{"workflow_id", workflow_id}, {"state", static_cast<int>(state)}, {"ended", ended}};
}
Result<CancelWorkflowOk> CancelWorkflowOk::from_body(const Json& b) {
  std::int64_t state = 0;
  auto r = read_body<CancelWorkflowOk>(b, [&](Fields& f, CancelWorkflowOk& m) {
    f.str("workflow_id", m.workflow_id, Need::REQUIRED);
    f.integer("state", state, Need::REQUIRED, 0, 4);
    f.str_list("ended", m.ended, Need::OPTIONAL, kMaxWorkflowSteps);
  });
  if (r) r->state = static_cast<WorkflowState>(state);
  return r;
}

Json RetryWorkflow::to_body() const { return {{"workflow_id", workflow_id}}; }
Result<RetryWorkflow> RetryWorkflow::from_body(const Json& b) {
  return read_body<RetryWorkflow>(b, [](Fields& f, RetryWorkflow& m) { f.str("workflow_id", m.workflow_id, Need::REQUIRED); });
}

Json RetryWorkflowOk::to_body() const {
  return {{"workflow_id", workflow_id}, {"state", static_cast<int>(state)}, {"run", run}, {"retried", retried}};
}
Result<RetryWorkflowOk> RetryWorkflowOk::from_body(const Json& b) {
  std::int64_t state = 0;
  auto r = read_body<RetryWorkflowOk>(b, [&](Fields& f, RetryWorkflowOk& m) {
    f.str("workflow_id", m.workflow_id, Need::REQUIRED);
    f.integer("state", state, Need::REQUIRED, 0, 4);
    f.integer("run", m.run, Need::OPTIONAL, 0, kMaxRun);
    f.str_list("retried", m.retried, Need::OPTIONAL, kMaxWorkflowSteps);
  });
  if (r) r->state = static_cast<WorkflowState>(state);
  return r;
}

}  // namespace orion
