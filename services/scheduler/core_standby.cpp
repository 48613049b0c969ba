// Hot standby: a follower replica keeps its SchedulerCore as the leader's, record by record
// (scheduler_core.h, "Hot standby"). The records carry the persisted fields (view, deps,
// ready_ms, request id); everything derived (dependants, unmet, queues, retry waits) is kept
// here the way the leader's own transitions keep it.
#include <algorithm>

#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

void SchedulerCore::place(TaskRecord& t) {
  unqueue(t);
  if (t.state != TaskState::PENDING || t.unmet != 0) return;
  if (t.retry_at_ms != 0) {
    // A retry waiting out its backoff: due on our monotonic clock when the leader's wall clock says.
    t.retry_due_ms = clock_.now_ms() + std::max<std::int64_t>(0, t.retry_at_ms - clock_.wall_ms());
    ready_.wait_retry(t);
    return;
  }
  if (not_before_ahead(t)) {
    // A delayed task: due when its not_before_ms comes, as on the leader (hold_until_due).
    t.retry_due_ms = clock_.now_ms() + (t.spec.not_before_ms - clock_.wall_ms());
    ready_.wait_retry(t);
    return;
  }
  if (t.ready_ms == 0) t.ready_ms = wall_ms();  // the leader's record of it follows in this entry
  ready_.push(t);
  restat(t);
}

// Dependencies always have lower seqs, so they are held already.
void SchedulerCore::link_standby(TaskRecord& t) {
  for (auto d : t.deps) {
    auto it = tasks_.find(d);
    if (it != tasks_.end()) it->second.dependants.push_back(t.seq);
  }
}

void SchedulerCore::apply_record(TaskRecord record) {
  const std::uint64_t seq = record.seq;
  TaskState before = TaskState::UNKNOWN;
  auto found = tasks_.find(seq);
  TaskRecord* t;
  if (found != tasks_.end()) {
    t = &found->second;
    before = t->state;
    unqueue(*t);  // under its old queue key
    if (t->in_batch_record) written_alone(*t);
    live_.remove(*t);  // counted again as the record it becomes, below
    if (t->spec.idempotency_key != record.spec.idempotency_key && !record.spec.idempotency_key.empty()) {
      by_idempotency_[record.spec.idempotency_key] = seq;
    }
    t->request_id = std::move(record.request_id);
    t->take_view(std::move(record));
    t->deps = std::move(record.deps);
    t->ready_ms = record.ready_ms;
    by_request_[t->request_id] = seq;
  } else {
    restore(std::move(record));
    t = &tasks_.at(seq);
    link_standby(*t);
  }
  const auto& v = *t;
  const bool leased = is_leased(v.state);
  if (leased) standby_leased_.insert(seq);
  else standby_leased_.erase(seq);
  const bool gated = !is_terminal(v.state) && v.cold().gate.pending();
  if (gated) standby_gated_.insert(seq);
  else standby_gated_.erase(seq);
  t->unmet = 0;
  if (!is_terminal(v.state)) {
    for (auto d : t->deps) t->unmet += tasks_.count(d) && tasks_.at(d).state != TaskState::COMPLETED;
    t->unmet += gated;
  }
  place(*t);
  restat(*t);
  // The expiry index as the leader keeps it, for a promotion (a follower expires nothing itself).
  index_expiry(*t);
  if (is_terminal(v.state)) {
    for (auto d : t->deps) {
      if (auto dep = tasks_.find(d); dep != tasks_.end()) index_expiry(dep->second);
    }
  }
  if (before != TaskState::COMPLETED && v.state == TaskState::COMPLETED) {
    for (auto d : t->dependants) {
      TaskRecord& dep = tasks_.at(d);
      if (dep.state != TaskState::PENDING || dep.unmet == 0) continue;
      if (--dep.unmet == 0) place(dep);
    }
  }
  dirty_.clear();
  books_.discard_spent();
  discard_expired();
}

Status SchedulerCore::apply_batch_record(const BatchIntake& intake, std::vector<BatchEntry> entries) {
  DecodedEntries decoded(std::move(entries));
  return apply_batch_record(intake, decoded);
}

Status SchedulerCore::apply_batch_record(const BatchIntake& intake, BatchEntries& entries) {
  const std::uint64_t before = next_seq_;
  if (auto s = restore_batch(intake, entries); !s) return s;
  for (std::uint64_t seq = std::max(before, intake.first); seq <= intake.last; ++seq) {
    auto it = tasks_.find(seq);
    if (it == tasks_.end()) continue;
    TaskRecord& t = it->second;
    link_standby(t);
    t.unmet = 0;
    for (auto d : t.deps) t.unmet += tasks_.count(d) && tasks_.at(d).state != TaskState::COMPLETED;
    place(t);
  }
  books_.discard_spent();
  discard_expired();
  return {};
}

void SchedulerCore::promote() {
  // The previous leader may have sent an attempt past the durable one (scheduler_core.h, "Attempt numbers").
  for (auto& [seq, t] : tasks_) t.skip_attempt = !is_terminal(t.state);
  for (auto seq : standby_gated_) {
    TaskRecord& t = tasks_.at(seq);
    if (!is_terminal(t.state) && t.cold().gate.pending()) open_gate(t, t.cold().gate.id);
  }
  standby_gated_.clear();
  // Leases of the previous leader: kept for one liveness window, for their agents to claim
  // when they re-attach here (adopt_leases); the rest are re-queued then.
  adopt_leases(std::vector<std::uint64_t>(standby_leased_.begin(), standby_leased_.end()),
               options_.heartbeat_ms * options_.liveness);
  standby_leased_.clear();
  dispatch_needed_ = true;
}

void SchedulerCore::demote() {
  std::vector<std::string> agents;
  for (const auto& [id, a] : pool_.agents()) agents.push_back(id);
  for (const auto& id : agents) pool_.remove(id);
  waiters_.clear();
  discard_expired();
  unclaimed_.clear();
  gates_.clear();
  dirty_.clear();
  books_.discard_spent();
  outbox_.clear();
  standby_leased_.clear();
  standby_gated_.clear();
  // A follower holds nothing back and counts nothing: the tasks a limit held are ready again.
  for (auto seq : limit_waits_.take_all()) {
    TaskRecord& t = tasks_.at(seq);
    t.limit_held = false;
    make_ready(t);
  }
  limits_.begin_term(clock_.now_ms());
  for (auto& [seq, t] : tasks_) {
    const auto& v = t;
    t.deadline_ms = 0;
    if (is_leased(v.state)) standby_leased_.insert(seq);
    if (!is_terminal(v.state) && v.cold().gate.pending()) standby_gated_.insert(seq);
    index_expiry(t);  // the waits that retained some are gone
  }
}

}  // namespace orion::scheduler
