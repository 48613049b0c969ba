#include "services/scheduler/workflow_manager.h"

#include <algorithm>

#include "common/log.h"

namespace orion::scheduler {

WorkflowManager::WorkflowManager(SchedulerCore& core, const Clock& clock) : core_(core), clock_(clock) {}

std::int64_t WorkflowManager::expiry_of(const WorkflowRecord& w) const {
  return w.finished_ms + (w.spec.result_ttl_ms >= 0 ? w.spec.result_ttl_ms : core_.options().retention_ms);
}

void WorkflowManager::index_expiry(const WorkflowRecord& w) {
  if (w.state != WorkflowState::RUNNING) expiry_.insert({expiry_of(w), w.seq});
}

std::size_t WorkflowManager::expire() {
  const std::int64_t now = clock_.wall_ms();
  const std::size_t slice = core_.options().expire_slice;
  std::size_t removed = 0, examined = 0;
  std::vector<std::pair<std::int64_t, std::uint64_t>> unwritten;
  while (!expiry_.empty() && removed < slice && examined < 2 * slice && expiry_.begin()->first <= now) {
    const auto entry = *expiry_.begin();
    expiry_.erase(expiry_.begin());
    ++examined;
    auto it = flows_.find(entry.second);
    if (it == flows_.end() || it->second.state == WorkflowState::RUNNING || expiry_of(it->second) != entry.first) continue;
    if (dirty_.count(entry.second)) {
      unwritten.push_back(entry);  // its record goes out first
      continue;
    }
    erase(entry.second);
    expired_.push_back(entry.second);
    ++removed;
  }
  expiry_.insert(unwritten.begin(), unwritten.end());
  return removed;
}

void WorkflowManager::erase(std::uint64_t seq) {
  auto it = flows_.find(seq);
  if (it == flows_.end()) return;
  std::vector<std::uint64_t> tasks = std::move(it->second.task_seqs);
  for (auto t : tasks) by_task_.erase(t);
  if (auto r = by_request_.find(it->second.request_id); r != by_request_.end() && r->second == seq) by_request_.erase(r);
  dirty_.erase(seq);
  flows_.erase(it);
  core_.release_hold(tasks);
}

void WorkflowManager::apply_expiry(std::uint64_t seq) { erase(seq); }

Error WorkflowManager::missing(const std::string& workflow_id) const {
  const std::uint64_t seq = workflow_seq_of(workflow_id);
  if (seq > 0 && seq < next_seq_) {
    return make_error(ErrorCode::NOT_FOUND, "workflow " + workflow_id +
                                                " has expired: a workflow is kept for the scheduler's retention (or its "
                                                "result_ttl_ms) after it ended");
  }
  return make_error(ErrorCode::NOT_FOUND, "workflow " + workflow_id + " does not exist");
}

Envelope WorkflowManager::handle(const Envelope& e) {
  auto answer = [&](MsgType type, auto&& result) {
    if (!result) return error_envelope(e.request_id, result.error());
    return Envelope{type, e.request_id, result->to_body()};
  };
  switch (e.type) {
    case MsgType::WORKFLOW_RUN: {
      auto m = WorkflowRun::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::WORKFLOW_RUN_OK, run(e.request_id, std::move(m->workflow)));
    }
    case MsgType::GET_WORKFLOW: {
      auto m = GetWorkflow::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      auto v = get(m->workflow_id);
      if (!v) return error_envelope(e.request_id, v.error());
      return Envelope{MsgType::WORKFLOW_INFO, e.request_id, WorkflowInfo{std::move(*v)}.to_body()};
    }
    case MsgType::CANCEL_WORKFLOW: {
      auto m = CancelWorkflow::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::CANCEL_WORKFLOW_OK, cancel(*m));
    }
    case MsgType::RETRY_WORKFLOW: {
      auto m = RetryWorkflow::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::RETRY_WORKFLOW_OK, retry(e.request_id, *m));
    }
    default:
      return error_envelope(e.request_id, make_error(ErrorCode::UNKNOWN_TYPE, std::string(to_string(e.type)) +
                                                                                   " is not a workflow request"));
  }
}

WorkflowRecord* WorkflowManager::find(const std::string& workflow_id) {
  auto it = flows_.find(workflow_seq_of(workflow_id));
  return it == flows_.end() ? nullptr : &it->second;
}

const WorkflowRecord* WorkflowManager::find(const std::string& workflow_id) const {
  auto it = flows_.find(workflow_seq_of(workflow_id));
  return it == flows_.end() ? nullptr : &it->second;
}

// The derived fields of `w`, and its entries in the indexes.
void WorkflowManager::index(WorkflowRecord& w) {
  w.step_states.assign(w.spec.steps.size(), TaskState::UNKNOWN);
  std::shared_ptr<SchedulerCore::StepTable> steps;  // made when a step references another
  for (std::size_t i = 0; i < w.spec.steps.size(); ++i) {
    if (const TaskRecord* t = core_.task(w.task_seqs[i])) w.step_states[i] = t->state;
    by_task_[w.task_seqs[i]] = {w.seq, i};
  }
  for (std::size_t i = 0; i < w.spec.steps.size(); ++i) {
    if (!may_hold_refs(w.spec.steps[i].task.input)) continue;
    if (!steps) {
      steps = std::make_shared<SchedulerCore::StepTable>();
      steps->workflow_id = workflow_id_for(w.seq);
      for (std::size_t j = 0; j < w.spec.steps.size(); ++j) {
        steps->names.push_back(w.spec.steps[j].name);
        steps->seqs[w.spec.steps[j].name] = w.task_seqs[j];
      }
    }
    core_.resolve_input_from(w.task_seqs[i], steps, i);
  }
  core_.hold(w.task_seqs);  // a workflow's steps are kept as long as it is
  if (!w.request_id.empty()) by_request_[w.request_id] = w.seq;
  next_seq_ = std::max(next_seq_, w.seq + 1);
}

WorkflowRunOk WorkflowManager::run_ok(const WorkflowRecord& w, bool duplicate) const {
  WorkflowRunOk ok;
  ok.workflow_id = workflow_id_for(w.seq);
  ok.duplicate = duplicate;
  for (std::size_t i = 0; i < w.spec.steps.size(); ++i) ok.task_ids[w.spec.steps[i].name] = task_id_for(w.task_seqs[i]);
  return ok;
}

void WorkflowManager::publish(const char* topic, const WorkflowRecord& w) {
  std::size_t done = 0;
  for (auto s : w.step_states) done += s == TaskState::COMPLETED;
  Json data{{"workflow_id", workflow_id_for(w.seq)},
            {"name", w.spec.name},
            {"state", std::string(to_string(w.state))},
            {"run", w.run},
            {"steps", w.spec.steps.size()},
            {"steps_completed", done}};
  if (!w.reason.empty()) data["reason"] = w.reason;
  core_.outbox().events.push_back({topic, encode_value(data)});
}

Result<WorkflowRunOk> WorkflowManager::run(const std::string& request_id, WorkflowSpec spec) {
  if (!request_id.empty()) {
    auto it = by_request_.find(request_id);
    if (it != by_request_.end()) return run_ok(flows_.at(it->second), true);
  }
  // ---- CONSENSUS GATE HOOK: the one place where a workflow's gate meets the scheduler. ----
  // spec.consensus ({"type", "capability", "voters", "timeout_ms", "data"}, checked by
  // WorkflowSpec) becomes the batch-level gate of the submit_batch below: every step is held
  // PENDING until one proposal is APPROVED, and all are cancelled if it is REJECTED or EXPIRED.
  ConsensusGate gate;
  if (!spec.consensus.is_null()) {
    auto g = ConsensusGate::from_json(spec.consensus, "consensus");
    if (!g) return g.error();
    gate = std::move(*g);
  }
  const std::uint64_t seq = next_seq_;
  const std::string id = workflow_id_for(seq);
  std::vector<BatchEntry> entries;
  entries.reserve(spec.steps.size());
  for (const auto& step : spec.steps) {
    BatchEntry e{step.name, step.task};
    e.spec.name = step.name;
    if (e.spec.result_ttl_ms < 0) e.spec.result_ttl_ms = spec.result_ttl_ms;  // the workflow's, if set
    e.spec.metadata["workflow_id"] = id;
    e.spec.metadata["workflow_step"] = step.name;
    entries.push_back(std::move(e));
  }
  // All or nothing: a refused batch created no task. Its request ids ("wf:<rid>#<step>") keep
  // apart from plain submits'.
  auto batch = core_.submit_batch(request_id.empty() ? "" : "wf:" + request_id, std::move(entries), gate);
  if (!batch) return batch.error();
  WorkflowRecord& w = flows_[seq];
  w.seq = seq;
  w.request_id = request_id;
  w.spec = std::move(spec);
  w.created_ms = clock_.wall_ms();
  for (const auto& step : w.spec.steps) w.task_seqs.push_back(*core_.seq_of(batch->task_ids.at(step.name)));
  index(w);
  dirty_.insert(seq);
  spdlog::info("event=workflow_started workflow={} name={} steps={}",
               id, orion::logfmt_value(w.spec.name), w.spec.steps.size());
  publish("workflow.started", w);
  return run_ok(w, false);
}

Result<WorkflowView> WorkflowManager::get(const std::string& workflow_id) const {
  const WorkflowRecord* w = find(workflow_id);
  if (!w) return missing(workflow_id);
  WorkflowView v;
  v.workflow_id = workflow_id_for(w->seq);
  v.name = w->spec.name;
  v.ns = w->spec.ns;
  v.state = w->state;
  v.run = w->run;
  v.reason = w->reason;
  v.consensus = w->spec.consensus;
  if (!w->spec.consensus.is_null()) v.gate = core_.task(w->task_seqs[0])->cold().gate.to_json();
  v.created_ms = w->created_ms;
  v.finished_ms = w->finished_ms;
  double total = 0;
  for (std::size_t i = 0; i < w->spec.steps.size(); ++i) {
    const TaskRecord& t = *core_.task(w->task_seqs[i]);
    const TaskRecord::Cold& c = t.cold();
    StepView s;
    s.name = w->spec.steps[i].name;
    s.task_id = t.task_id();
    s.type = t.spec.type;
    s.depends_on = w->spec.steps[i].task.depends_on;
    s.state = t.state;
    s.progress = t.state == TaskState::COMPLETED ? 100.0 : c.progress;
    s.attempt = t.attempt;
    s.agent = c.assigned_agent;
    s.error = c.error;
    s.created_ms = t.created_ms;
    s.started_ms = c.started_ms ? c.started_ms : c.assigned_ms;
    s.finished_ms = c.finished_ms;
    if (t.state == TaskState::PENDING) s.reason = core_.explain_pending(t);
    if (s.started_ms && (v.started_ms == 0 || s.started_ms < v.started_ms)) v.started_ms = s.started_ms;
    total += s.progress;
    v.steps.push_back(std::move(s));
  }
  v.progress = total / static_cast<double>(w->spec.steps.size());
  return v;
}

Result<CancelWorkflowOk> WorkflowManager::cancel(const CancelWorkflow& r) {
  WorkflowRecord* w = find(r.workflow_id);
  if (!w) return missing(r.workflow_id);
  CancelWorkflowOk ok{workflow_id_for(w->seq), w->state, {}};
  if (is_terminal(w->state)) return ok;
  std::vector<bool> open(w->spec.steps.size());
  for (std::size_t i = 0; i < open.size(); ++i) open[i] = !is_terminal(core_.task(w->task_seqs[i])->state);
  const std::string why = "workflow " + ok.workflow_id + " cancelled" + (r.reason.empty() ? "" : ": " + r.reason);
  for (std::size_t i = 0; i < open.size(); ++i) {
    // A step an earlier cancel's cascade ended is answered as it is: no change.
    if (open[i]) core_.cancel(Cancel{task_id_for(w->task_seqs[i]), why});
  }
  for (std::size_t i = 0; i < open.size(); ++i) {
    if (open[i]) ok.ended.push_back(w->spec.steps[i].name);
  }
  w->state = WorkflowState::CANCELLED;
  w->reason = why;
  w->finished_ms = clock_.wall_ms();
  dirty_.insert(w->seq);
  index_expiry(*w);
  spdlog::info("event=workflow_cancelled workflow={} ended={}", ok.workflow_id, ok.ended.size());
  publish("workflow.cancelled", *w);
  ok.state = w->state;
  return ok;
}

Result<RetryWorkflowOk> WorkflowManager::retry(const std::string& request_id, const RetryWorkflow& r) {
  WorkflowRecord* w = find(r.workflow_id);
  if (!w) return missing(r.workflow_id);
  const std::string id = workflow_id_for(w->seq);
  if (!request_id.empty() && request_id == w->retry_request_id) return RetryWorkflowOk{id, w->state, w->run, w->last_retried};
  if (w->state != WorkflowState::FAILED && w->state != WorkflowState::CANCELLED) {
    return make_error(ErrorCode::FAILED_PRECONDITION, "workflow " + id + " is " + std::string(to_string(w->state)) +
                                                          "; only a FAILED or CANCELLED workflow can be retried");
  }
  std::vector<std::string> tasks, steps;
  for (std::size_t i = 0; i < w->spec.steps.size(); ++i) {
    const TaskRecord& v = *core_.task(w->task_seqs[i]);
    const GateState& gate = v.cold().gate;
    // A step its consensus gate stopped was never approved: re-opening it would run it
    // ungated. Asking the agents again is a new run of the workflow.
    if (!gate.id.empty() && gate.outcome != "APPROVED") {
      return make_error(ErrorCode::FAILED_PRECONDITION,
                        "workflow " + id + ": the consensus gate of step " + w->spec.steps[i].name + " ended " +
                            (gate.outcome.empty() ? std::string("undecided") : gate.outcome) +
                            "; run the workflow again to ask for a new approval");
    }
    if (v.state == TaskState::COMPLETED) continue;
    tasks.push_back(task_id_for(w->task_seqs[i]));
    steps.push_back(w->spec.steps[i].name);
  }
  auto s = core_.reopen(tasks, "re-opened by a retry of workflow " + id + " (run " + std::to_string(w->run + 1) + ")");
  if (!s) return s.error();
  w->state = WorkflowState::RUNNING;
  w->run += 1;
  w->reason.clear();
  w->finished_ms = 0;
  w->retry_request_id = request_id;
  w->last_retried = steps;
  dirty_.insert(w->seq);
  spdlog::info("event=workflow_retried workflow={} run={} steps={}", id, w->run, steps.size());
  publish("workflow.retried", *w);
  return RetryWorkflowOk{id, w->state, w->run, std::move(steps)};
}

void WorkflowManager::on_task(const TaskRecord& t) {
  auto it = by_task_.find(t.seq);
  if (it == by_task_.end()) return;
  WorkflowRecord& w = flows_.at(it->second.first);
  std::size_t i = it->second.second;
  if (w.step_states[i] == t.state) return;  // progress or priority only: not a step change
  w.step_states[i] = t.state;
  Json data{{"workflow_id", workflow_id_for(w.seq)},
            {"step", w.spec.steps[i].name},
            {"task_id", t.task_id()},
            {"state", std::string(to_string(t.state))},
            {"agent", t.cold().assigned_agent},
            {"attempt", t.attempt}};
  if (!t.cold().error.empty()) data["error"] = t.cold().error;
  core_.outbox().events.push_back({"workflow.step", encode_value(data)});
  end_if_done(w);
}

// RUNNING -> COMPLETED or FAILED once every step has ended.
void WorkflowManager::end_if_done(WorkflowRecord& w) {
  if (w.state != WorkflowState::RUNNING) return;
  const TaskRecord* first_failure = nullptr;
  std::size_t failed_step = 0;
  for (std::size_t i = 0; i < w.task_seqs.size(); ++i) {
    const TaskRecord& v = *core_.task(w.task_seqs[i]);
    if (!is_terminal(v.state)) return;
    if (v.state == TaskState::COMPLETED) continue;
    // The step that failed by itself, not one a dependency's failure ended.
    bool cascaded = v.cold().error.rfind("dependency ", 0) == 0;
    if (!first_failure || (!cascaded && first_failure->cold().error.rfind("dependency ", 0) == 0)) {
      first_failure = &v;
      failed_step = i;
    }
  }
  const std::string id = workflow_id_for(w.seq);
  w.finished_ms = clock_.wall_ms();
  dirty_.insert(w.seq);
  if (!first_failure) {
    w.state = WorkflowState::COMPLETED;
    index_expiry(w);
    spdlog::info("event=workflow_completed workflow={} run={}", id, w.run);
    publish("workflow.completed", w);
    return;
  }
  // A step that was cancelled (CANCEL of its task, or a consensus gate that did not approve)
  // and not one that failed by itself: the workflow was cancelled, not failed.
  w.state = first_failure->state == TaskState::CANCELLED ? WorkflowState::CANCELLED : WorkflowState::FAILED;
  const std::string& error = first_failure->cold().error;
  w.reason = "step " + w.spec.steps[failed_step].name + " (" + first_failure->task_id() + ") ended " +
             std::string(to_string(first_failure->state)) + (error.empty() ? "" : ": " + error);
  index_expiry(w);
  spdlog::info("event=workflow_ended workflow={} state={} run={} reason={}",
               id, to_string(w.state), w.run, orion::logfmt_value(w.reason));
  publish(w.state == WorkflowState::CANCELLED ? "workflow.cancelled" : "workflow.failed", w);
}

Status WorkflowManager::restore(std::uint64_t seq, std::string_view bytes) {
  auto r = decode_workflow_record(seq, bytes);
  if (!r) return r.error();
  flows_[seq] = std::move(*r);
  restored_.push_back(seq);
  return {};
}

Status WorkflowManager::finish_restore() {
  for (auto seq : restored_) {
    WorkflowRecord& w = flows_.at(seq);
    for (auto t : w.task_seqs) {
      if (!core_.task(t)) {
        return make_error(ErrorCode::INTERNAL, "stored workflow " + workflow_id_for(seq) + " names task " +
                                                   task_id_for(t) + ", which is not in the store");
      }
    }
    index(w);
    end_if_done(w);  // cannot change anything unless the store was written by a buggy build
    index_expiry(w);
  }
  restored_.clear();
  return {};
}

Status WorkflowManager::apply_record(std::uint64_t seq, std::string_view bytes) {
  auto r = decode_workflow_record(seq, bytes);
  if (!r) return r.error();
  WorkflowRecord& w = flows_[seq] = std::move(*r);
  index(w);
  index_expiry(w);
  return {};
}

void WorkflowManager::promote() {
  for (auto& [seq, w] : flows_) index(w);
}

Status WorkflowManager::check_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  for (const auto& [seq, w] : flows_) {
    const std::string id = workflow_id_for(seq);
    if (seq >= next_seq_) return broken(id + ": seq not below next_seq");
    if (w.task_seqs.size() != w.spec.steps.size()) return broken(id + ": not one task per step");
    std::size_t ended = 0, completed = 0;
    for (std::size_t i = 0; i < w.task_seqs.size(); ++i) {
      const TaskRecord* t = core_.task(w.task_seqs[i]);
      if (!t) return broken(id + ": step " + w.spec.steps[i].name + " has no task");
      auto b = by_task_.find(w.task_seqs[i]);
      if (b == by_task_.end() || b->second != std::make_pair(seq, i)) return broken(id + ": task index out of step");
      if (w.step_states[i] != t->state) return broken(id + ": step " + w.spec.steps[i].name + " state not seen");
      ended += is_terminal(t->state);
      completed += t->state == TaskState::COMPLETED;
    }
    const std::size_t n = w.task_seqs.size();
    switch (w.state) {
      case WorkflowState::RUNNING:
        if (ended == n) return broken(id + " is RUNNING with every step ended");
        if (w.finished_ms != 0) return broken(id + " is RUNNING with a finish time");
        break;
      case WorkflowState::COMPLETED:
        if (completed != n) return broken(id + " is COMPLETED with a step not COMPLETED");
        break;
      case WorkflowState::FAILED:
      case WorkflowState::CANCELLED:
        if (ended != n) return broken(id + " ended with a step still running");
        break;
      default:
        return broken(id + " has no state");
    }
  }
  return {};
}

}  // namespace orion::scheduler
