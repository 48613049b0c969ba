// SchedulerCore, part 4: retention. Terminal tasks expire retention_ms (or their spec's
// result_ttl_ms) after they ended, in bounded slices from tick(); see scheduler_core.h
// ("Retention") for what keeps a task past its due time.
//
// Expiry state machine of one task (state, event -> actions, next state):
//   live       ends (finish, a standby's record, a restore)  -> indexed at finished_ms + ttl -> due-indexed
//   due-indexed  due, nothing retains it                     -> removed, deletion written     -> expired
//   due-indexed  due, something retains it                   -> dropped from the index        -> retained
//   retained   what retained it lets go                      -> indexed again (its own due)   -> due-indexed
//   due-indexed  re-opened (RETRY_WORKFLOW)                  -> its entry is stale, dropped when due -> live
// An expired seq is never handed out again (next_seq_ is stored: retention_mark.h), so its id
// answers NOT_FOUND "has expired" for good.
#include <algorithm>

#include "common/log.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

std::int64_t SchedulerCore::expiry_of(const TaskRecord& t) const {
  const std::int64_t ttl = t.spec.result_ttl_ms >= 0 ? t.spec.result_ttl_ms : options_.retention_ms;
  return t.cold().finished_ms + ttl;
}

void SchedulerCore::index_expiry(const TaskRecord& t) {
  if (is_terminal(t.state)) expiry_.insert({expiry_of(t), t.seq});
}

bool SchedulerCore::retained(const TaskRecord& t) const {
  for (auto d : t.dependants) {
    if (!is_terminal(tasks_.at(d).state)) return true;
  }
  if (waiters_.names(t.seq)) return true;
  if (!t.cold().gate.id.empty() && gates_.holds(t.cold().gate.id)) return true;
  // A batch record that still makes other tasks of the batch at a restart would make this one
  // again too, were its own record deleted.
  if (books_.in_record(t.seq)) return true;
  return held_.count(t.seq) > 0;
}

std::size_t SchedulerCore::expire_retained() {
  const std::int64_t now = clock_.wall_ms();
  const std::size_t slice = options_.expire_slice;
  std::size_t removed = 0, examined = 0;
  std::vector<std::pair<std::int64_t, std::uint64_t>> unwritten;  // changed this turn: next turn
  while (!expiry_.empty() && removed < slice && examined < 2 * slice) {
    const auto entry = *expiry_.begin();
    if (entry.first > now) break;
    expiry_.erase(expiry_.begin());
    ++examined;
    auto it = tasks_.find(entry.second);
    if (it == tasks_.end()) continue;
    const TaskRecord& t = it->second;
    if (!is_terminal(t.state) || expiry_of(t) != entry.first) continue;  // stale entry
    if (dirty_.count(t.seq)) {
      unwritten.push_back(entry);  // its record (and the workflows' view of it) goes out first
      continue;
    }
    if (retained(t)) continue;  // indexed again when what retains it lets go
    erase_task(t.seq);
    expired_tasks_.push_back(entry.second);
    ++removed;
  }
  expiry_.insert(unwritten.begin(), unwritten.end());
  if (removed < slice) removed += books_.expire_hits(now, slice - removed);
  if (removed > 0) spdlog::debug("event=expired records={} indexed={}", removed, expiry_.size());
  return removed;
}

void SchedulerCore::erase_task(std::uint64_t seq) {
  TaskRecord& t = tasks_.at(seq);
  live_.remove(t);
  parked_.erase(seq);
  held_.erase(seq);
  input_refs_.erase(seq);
  unqueue(t);
  if (auto r = by_request_.find(t.request_id); r != by_request_.end() && r->second == seq) by_request_.erase(r);
  const auto& key = t.spec.idempotency_key;
  if (!key.empty()) {
    if (auto k = by_idempotency_.find(key); k != by_idempotency_.end() && k->second == seq) by_idempotency_.erase(k);
  }
  for (auto d : t.deps) {
    auto it = tasks_.find(d);
    if (it == tasks_.end()) continue;
    auto& list = it->second.dependants;
    list.erase(std::remove(list.begin(), list.end(), seq), list.end());
  }
  standby_leased_.erase(seq);
  standby_gated_.erase(seq);
  books_.task_gone(seq);
  tasks_.erase(seq);
}

void SchedulerCore::hold(const std::vector<std::uint64_t>& seqs) { held_.insert(seqs.begin(), seqs.end()); }

void SchedulerCore::release_hold(const std::vector<std::uint64_t>& seqs) {
  for (auto seq : seqs) {
    held_.erase(seq);
    if (auto it = tasks_.find(seq); it != tasks_.end()) index_expiry(it->second);
  }
}

void SchedulerCore::apply_task_expiry(std::uint64_t seq) {
  if (tasks_.count(seq)) erase_task(seq);
  discard_expired();
}

void SchedulerCore::apply_hits_expiry(std::uint64_t id) {
  books_.drop_hits(id);
  discard_expired();
}

bool SchedulerCore::expired_id(const std::string& task_id) const {
  auto seq = parse_task_seq(task_id);
  return seq && *seq > 0 && *seq < next_seq_ && !tasks_.count(*seq);
}

Error SchedulerCore::missing(const std::string& task_id) const {
  if (expired_id(task_id)) {
    return make_error(ErrorCode::NOT_FOUND, "task " + task_id +
                                                " has expired: a task is kept for the scheduler's retention (or its "
                                                "result_ttl_ms) after it ended");
  }
  return make_error(ErrorCode::NOT_FOUND, "task " + task_id + " does not exist");
}

}  // namespace orion::scheduler
