// SchedulerCore, limits: concurrency and rate limits per key (scheduler_core.h, "Limits";
// key_limits.h for the counting, limit_waits.h for the tasks held back).
#include <map>

#include "common/log.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

bool SchedulerCore::transition(TaskRecord& t, TaskState to, Cause cause) {
  const bool was_leased = is_leased(t.state);
  if (!scheduler::transition(t, to, cause)) return false;
  if (t.spec.limit_keys.empty()) return true;  // the usual case: one test
  const bool leased = is_leased(to);
  if (leased && !was_leased) {
    limits_.acquire(t.spec.limit_keys, clock_.now_ms());
    // A key that still has waiters may have room or a token left (a raised rule, a burst): its
    // first waiter is checked again in this dispatch pass, and held again if not.
    for (const auto& key : t.spec.limit_keys) wake_limited(key);
  } else if (was_leased && !leased) {
    limits_.release(t.spec.limit_keys);
    for (const auto& key : t.spec.limit_keys) wake_limited(key);
  } else if (!leased && (is_terminal(to) || to == TaskState::PARKED)) {
    // Ended without running (a cancel, a failed dependency): it may have been woken to take a
    // place a release made; the next waiter takes it instead.
    for (const auto& key : t.spec.limit_keys) wake_limited(key);
  }
  return true;
}

bool SchedulerCore::hold_by_limit(ReadyQueues::Class& c, TaskRecord& t) {
  auto wait = limits_.check(t.spec.limit_keys, clock_.now_ms());
  if (!wait) return false;
  ready_.pop(c, t);
  t.limit_held = true;
  limit_waits_.hold(t.seq, ready_.key(t), wait->key, wait->until_ms, std::move(wait->reason));
  return true;
}

void SchedulerCore::wake_limited(const std::string& key) {
  const std::uint64_t seq = limit_waits_.take_head(key);
  if (seq == 0) return;
  TaskRecord& t = tasks_.at(seq);
  t.limit_held = false;
  make_ready(t);  // keeps its ready_ms: its place in the queue
}

void SchedulerCore::expire_limit_waits() {
  const std::int64_t now = clock_.now_ms();
  while (auto key = limit_waits_.due_key(now)) wake_limited(*key);
  if (now < next_limit_sweep_ms_ || (limit_waits_.size() == 0 && limits_.keys_held() == 0)) return;
  next_limit_sweep_ms_ = now + 1000;
  std::vector<std::string> one(1);
  for (auto& key : limit_waits_.keys()) {
    one[0] = key;
    if (!limits_.check(one, now)) wake_limited(key);
  }
  limits_.trim(now);
}

void SchedulerCore::rebuild_limits(const std::vector<std::uint64_t>& seqs) {
  const std::int64_t now = clock_.now_ms();
  limits_.begin_term(now);
  for (auto seq : seqs) {
    const TaskRecord& t = tasks_.at(seq);
    if (is_leased(t.state) && !t.spec.limit_keys.empty()) limits_.acquire(t.spec.limit_keys, now, /*token=*/false);
  }
}

Status SchedulerCore::set_limit(const LimitRule& rule) {
  if (auto s = limits_.set_rule(rule); !s) return s;
  const bool prefix = !rule.pattern.empty() && rule.pattern.back() == '*';
  const std::string name = prefix ? rule.pattern.substr(0, rule.pattern.size() - 1) : rule.pattern;
  for (auto seq : limit_waits_.take_matching(name, prefix)) {
    TaskRecord& t = tasks_.at(seq);
    t.limit_held = false;
    make_ready(t);
  }
  spdlog::info("event=limit_set pattern={} max_running={} rate={} period_ms={}", logfmt_value(rule.pattern),
               rule.max_running, rule.rate, rule.period_ms);
  return {};
}

bool SchedulerCore::delete_limit(const std::string& pattern) {
  if (!limits_.remove_rule(pattern)) return false;
  const bool prefix = !pattern.empty() && pattern.back() == '*';
  const std::string name = prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
  for (auto seq : limit_waits_.take_matching(name, prefix)) {
    TaskRecord& t = tasks_.at(seq);
    t.limit_held = false;
    make_ready(t);
  }
  spdlog::info("event=limit_deleted pattern={}", logfmt_value(pattern));
  return true;
}

LimitView SchedulerCore::limit_view(const LimitRule& rule) const {
  LimitView v;
  v.pattern = rule.pattern;
  v.max_running = rule.max_running;
  v.rate = rule.rate;
  v.period_ms = rule.period_ms;
  const bool prefix = !rule.pattern.empty() && rule.pattern.back() == '*';
  if (!prefix) {
    v.running = limits_.running(rule.pattern);
    v.keys_held = limits_.holds(rule.pattern) ? 1 : 0;
    v.waiting = static_cast<std::int64_t>(limit_waits_.waiting(rule.pattern));
    return v;
  }
  // The keys this rule governs: those with its prefix whose rule it is (not an exact rule's, nor
  // a longer prefix's). O(the keys with the prefix), for a listing.
  const std::string name = rule.pattern.substr(0, rule.pattern.size() - 1);
  auto governs = [&](const std::string& key) {
    const LimitRule* r = limits_.rule_for(key);
    return r != nullptr && r->pattern == rule.pattern;
  };
  limits_.each_key_with_prefix(name, [&](const std::string& key, std::int64_t running) {
    if (!governs(key)) return;
    v.running += running;
    ++v.keys_held;
  });
  limit_waits_.each_key_with_prefix(name, [&](const std::string& key, std::size_t n) {
    if (governs(key)) v.waiting += static_cast<std::int64_t>(n);
  });
  return v;
}

Status SchedulerCore::check_limit_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  if (auto s = limits_.check_invariants(); !s) return s;
  if (auto s = limit_waits_.check_invariants(tasks_); !s) return s;
  std::map<std::string, std::int64_t> expect;
  for (const auto& [seq, t] : tasks_) {
    if (t.limit_held && !limit_waits_.reason(seq)) return broken(t.task_id() + " is limit_held but not in the limit wait");
    if (t.spec.limit_keys.empty() || !is_leased(t.state) || standby_leased_.count(seq)) continue;
    for (const auto& key : t.spec.limit_keys) ++expect[key];
  }
  Status out;
  limits_.each_key([&](const std::string& key, std::int64_t running) {
    auto it = expect.find(key);
    const std::int64_t want = it == expect.end() ? 0 : it->second;
    if (running != want && out) {
      out = broken("limit key " + key + ": " + std::to_string(running) + " counted running, " + std::to_string(want) +
                   " tasks hold it");
    }
  });
  if (!out) return out;
  for (const auto& [key, n] : expect) {
    if (limits_.running(key) != n) return broken("limit key " + key + ": a leased task's key is not counted");
  }
  return {};
}

}  // namespace orion::scheduler
