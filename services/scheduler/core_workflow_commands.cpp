// SchedulerCore, part 3: the commands workflows (workflow_manager.h) give the core and nothing
// else does: re-opening ended tasks for RETRY_WORKFLOW, resolving a step's input from the
// outputs of the steps it references, and reading a task by seq.
#include <algorithm>
#include <set>

#include "common/workflow_spec.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

const TaskRecord* SchedulerCore::task(std::uint64_t seq) const {
  auto it = tasks_.find(seq);
  return it == tasks_.end() ? nullptr : &it->second;
}

void SchedulerCore::resolve_input_from(std::uint64_t seq, std::shared_ptr<const StepTable> steps, std::size_t step) {
  input_refs_[seq] = {std::move(steps), step};
}

Result<std::optional<Json>> SchedulerCore::input_for(const TaskRecord& t) const {
  auto it = input_refs_.find(t.seq);
  if (it == input_refs_.end()) return std::optional<Json>();
  const StepTable& steps = *it->second.first;
  auto resolved = resolve_refs(t.spec.input, "input", [&](const std::string& name) -> const Json* {
    auto s = steps.seqs.find(name);
    if (s == steps.seqs.end()) return nullptr;
    const TaskRecord* dep = task(s->second);
    return dep && dep->state == TaskState::COMPLETED ? &dep->cold().output : nullptr;
  });
  if (!resolved) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "workflow " + steps.workflow_id + " step " +
                                                       steps.names.at(it->second.second) + ": " + resolved.error().message);
  }
  return std::optional<Json>(std::move(*resolved));
}

// Checks everything first, then changes: a refused reopen changes nothing. Cost: O(tasks +
// their dependency edges), plus priority inheritance up the graph as for a submit.
Status SchedulerCore::reopen(const std::vector<std::string>& task_ids, const std::string& why) {
  std::vector<TaskRecord*> ts;
  std::set<std::uint64_t> reopening;
  for (const auto& id : task_ids) {
    TaskRecord* t = find(id);
    if (!t) return missing(id);
    auto st = t->state;
    if (st != TaskState::FAILED && st != TaskState::CANCELLED && st != TaskState::TIMEOUT) {
      return make_error(ErrorCode::FAILED_PRECONDITION, "task " + id + " is " + std::string(to_string(st)) +
                                                            "; only a FAILED, CANCELLED or TIMEOUT task can be re-opened");
    }
    if (reopening.insert(t->seq).second) ts.push_back(t);
  }
  for (TaskRecord* t : ts) {
    for (auto d : t->deps) {
      if (!tasks_.count(d)) {
        return make_error(ErrorCode::FAILED_PRECONDITION,
                          "task " + t->task_id() + " depends on " + task_id_for(d) + ", which has expired");
      }
      const auto& dep = tasks_.at(d);
      if (is_terminal(dep.state) && dep.state != TaskState::COMPLETED && !reopening.count(d)) {
        return make_error(ErrorCode::FAILED_PRECONDITION, "task " + t->task_id() + " depends on " + dep.task_id() +
                                                              ", which ended " + std::string(to_string(dep.state)) +
                                                              " and is not re-opened with it");
      }
    }
  }
  for (TaskRecord* t : ts) {
    auto& v = *t;
    transition(v, TaskState::PENDING, Cause::REOPEN);  // checked above: FAILED, CANCELLED or TIMEOUT
    v.mutable_cold().error.clear();
    v.mutable_cold().output = nullptr;
    v.failures = 0;
    v.retry_at_ms = 0;
    v.mutable_cold().finished_ms = 0;
    v.mutable_cold().assigned_ms = 0;
    v.mutable_cold().started_ms = 0;
    v.mutable_cold().assigned_agent.clear();
    v.mutable_cold().progress = 0;
    v.mutable_cold().reason = why;
    v.effective_priority = v.spec.priority;
    t->ready_ms = 0;
    t->unmet = 0;
    note(*t, TaskState::PENDING, why);
    mark(*t, "task.reopened");
  }
  // Count unmet dependencies only once every task is PENDING again, so a re-opened dependency
  // counts as unmet whatever the order of task_ids; queue the ready ones; only then lend
  // priority upwards (raise_priority re-queues a task it finds queued, so the queues must be
  // right before it runs).
  for (TaskRecord* t : ts) {
    for (auto d : t->deps) t->unmet += tasks_.at(d).state != TaskState::COMPLETED;
  }
  for (TaskRecord* t : ts) {
    if (t->unmet == 0) make_ready(*t);
  }
  for (TaskRecord* t : ts) {
    for (auto d : t->deps) {
      if (tasks_.at(d).state != TaskState::COMPLETED) raise_priority(d, t->effective_priority);
    }
  }
  return {};
}

}  // namespace orion::scheduler
