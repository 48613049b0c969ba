#include "services/scheduler/task_record.h"

namespace orion::scheduler {

namespace {

const TaskRecord::Cold kNoCold{};

bool is_empty(const TaskRecord::Cold& c) {
  return c.assigned_agent.empty() && c.progress == 0 && c.output.is_null() && c.error.empty() && c.reason.empty() &&
         c.assigned_ms == 0 && c.started_ms == 0 && c.finished_ms == 0 && c.gate.id.empty() &&
         c.gate.proposal_id.empty() && c.gate.outcome.empty();
}

}  // namespace

std::string task_id_for(std::uint64_t seq) { return "t" + std::to_string(seq); }

TaskRecord::TaskRecord(const TaskRecord& o)
    : seq(o.seq),
      request_id(o.request_id),
      spec(o.spec),
      state(o.state),
      effective_priority(o.effective_priority),
      failures(o.failures),
      retry_at_ms(o.retry_at_ms),
      attempt(o.attempt),
      created_ms(o.created_ms),
      history(o.history),
      deps(o.deps),
      dependants(o.dependants),
      unmet(o.unmet),
      ready_ms(o.ready_ms),
      deadline_ms(o.deadline_ms),
      retry_due_ms(o.retry_due_ms),
      class_key(o.class_key),
      in_batch_record(o.in_batch_record),
      counted(o.counted),
      cold_(o.cold_ ? std::make_unique<Cold>(*o.cold_) : nullptr) {}

TaskRecord& TaskRecord::operator=(const TaskRecord& o) {
  if (this != &o) *this = TaskRecord(o);
  return *this;
}

const TaskRecord::Cold& TaskRecord::cold() const { return cold_ ? *cold_ : kNoCold; }

TaskRecord::Cold& TaskRecord::mutable_cold() {
  if (!cold_) cold_ = std::make_unique<Cold>();
  return *cold_;
}

std::string TaskRecord::task_id() const { return task_id_for(seq); }

TaskView TaskRecord::view() const {
  const Cold& c = cold();
  TaskView v;
  v.task_id = task_id();
  v.spec = spec;
  v.state = state;
  v.effective_priority = effective_priority;
  v.failures = failures;
  v.retry_at_ms = retry_at_ms;
  v.history = history;
  v.assigned_agent = c.assigned_agent;
  v.attempt = attempt;
  v.progress = c.progress;
  v.output = c.output;
  v.error = c.error;
  v.reason = c.reason;
  v.created_ms = created_ms;
  v.assigned_ms = c.assigned_ms;
  v.started_ms = c.started_ms;
  v.finished_ms = c.finished_ms;
  v.gate = c.gate;
  return v;
}

namespace {

// The fields a TaskRecord holds as a TaskView has them (the hot part), moved from either.
template <class From>
void move_hot_fields(From&& from, TaskRecord& to) {
  to.spec = std::move(from.spec);
  to.state = from.state;
  to.effective_priority = from.effective_priority;
  to.failures = from.failures;
  to.retry_at_ms = from.retry_at_ms;
  to.attempt = from.attempt;
  to.created_ms = from.created_ms;
  to.history = std::move(from.history);
}

}  // namespace

void TaskRecord::take_view(TaskRecord&& o) {
  move_hot_fields(std::move(o), *this);
  cold_ = std::move(o.cold_);
}

void TaskRecord::set_view(TaskView&& v) {
  move_hot_fields(std::move(v), *this);
  Cold c;
  c.assigned_agent = std::move(v.assigned_agent);
  c.progress = v.progress;
  c.output = std::move(v.output);
  c.error = std::move(v.error);
  c.reason = std::move(v.reason);
  c.assigned_ms = v.assigned_ms;
  c.started_ms = v.started_ms;
  c.finished_ms = v.finished_ms;
  c.gate = std::move(v.gate);
  if (is_empty(c)) cold_.reset();
  else cold_ = std::make_unique<Cold>(std::move(c));
}

}  // namespace orion::scheduler
