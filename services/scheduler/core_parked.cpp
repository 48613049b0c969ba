// SchedulerCore, dead letters: tasks PARKED once their retries are spent (TaskSpec on_exhausted
// "park"), and the two ways out, RETRY_PARKED and DISCARD_PARKED (scheduler_core.h, "Dead
// letters"; docs/protocol.md section 8.2).
#include <algorithm>

#include "common/log.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

void SchedulerCore::park(TaskRecord& t) {
  if (!transition(t, TaskState::PARKED, Cause::RETRIES_EXHAUSTED)) return;
  release_slot(t);
  auto& c = t.mutable_cold();
  spdlog::info("event=task_parked task={} type={} agent={} attempt={} failures={} error={}", t.task_id(),
               logfmt_value(t.spec.type), logfmt_value(c.assigned_agent), t.attempt, t.failures,
               logfmt_value(c.error.substr(0, 512)));
  c.reason = "parked: " + std::to_string(t.failures) + " failed attempts, its retries spent; waits for " +
             "RETRY_PARKED or DISCARD_PARKED";
  note(t, TaskState::PARKED, c.error);
  mark(t, "task.parked");
}

void SchedulerCore::unpark(TaskRecord& t) {
  if (!transition(t, TaskState::PENDING, Cause::PARKED_RETRY)) return;
  auto& c = t.mutable_cold();
  const std::string last = c.error.substr(0, 512);
  // A fresh retry budget: failures count again from 0. The attempt number goes on, so a late
  // result of an attempt before the park is still fenced off.
  t.failures = 0;
  t.retry_at_ms = 0;
  t.ready_ms = 0;
  c.error.clear();
  c.assigned_agent.clear();
  c.progress = 0;
  c.reason = "retried from PARKED";
  note(t, TaskState::PENDING, "retried from PARKED (last error: " + last + ")");
  // It ran, so every dependency had COMPLETED, and a COMPLETED task never changes: unmet is 0.
  if (t.unmet == 0) make_ready(t);
  mark(t, "task.unparked");
}

Result<std::vector<std::uint64_t>> SchedulerCore::select_parked(const std::vector<std::string>& task_ids,
                                                                const std::string& type, bool* more) const {
  *more = false;
  if (task_ids.empty() == type.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'task_ids': give task ids or a 'type', not both and not neither");
  }
  std::vector<std::uint64_t> out;
  if (!type.empty()) {
    // Bounded: one request touches at most kMaxWaitTasks tasks; `more` asks for another.
    for (auto seq : parked_) {
      if (tasks_.at(seq).spec.type != type) continue;
      if (out.size() == kMaxWaitTasks) {
        *more = true;
        break;
      }
      out.push_back(seq);
    }
    return out;
  }
  for (const auto& id : task_ids) {
    const TaskRecord* t = find(id);
    if (!t) return missing(id);
    if (t->state != TaskState::PARKED) {
      return make_error(ErrorCode::FAILED_PRECONDITION,
                        "task " + id + " is " + std::string(to_string(t->state)) + ", not PARKED");
    }
    out.push_back(t->seq);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<RetryParkedOk> SchedulerCore::retry_parked(const RetryParked& r) {
  RetryParkedOk ok;
  auto seqs = select_parked(r.task_ids, r.type, &ok.more);
  if (!seqs) return seqs.error();
  for (auto seq : *seqs) {
    unpark(tasks_.at(seq));
    ok.task_ids.push_back(task_id_for(seq));
  }
  ok.count = static_cast<std::int64_t>(ok.task_ids.size());
  if (ok.count > 0) spdlog::info("event=parked_retried count={}", ok.count);
  return ok;
}

Result<DiscardParkedOk> SchedulerCore::discard_parked(const DiscardParked& r) {
  DiscardParkedOk ok;
  auto seqs = select_parked(r.task_ids, r.type, &ok.more);
  if (!seqs) return seqs.error();
  for (auto seq : *seqs) {
    TaskRecord& t = tasks_.at(seq);
    if (t.state != TaskState::PARKED) continue;  // never: a cascade skips parked tasks
    auto c = cancel(Cancel{t.task_id(), r.reason});  // a cancel of a parked task is its discard
    if (!c) return c.error();                        // cannot happen: the task is held
    ok.task_ids.push_back(t.task_id());
    for (auto& id : c->also_ended) ok.also_ended.push_back(std::move(id));
  }
  ok.count = static_cast<std::int64_t>(ok.task_ids.size());
  if (ok.count > 0) spdlog::info("event=parked_discarded count={}", ok.count);
  return ok;
}

}  // namespace orion::scheduler
