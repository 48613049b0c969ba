// ReadyQueues (ready_queues.h): class keys, the dispatch order's choice of class, the sweep's
// pass over an unservable class, the longest wait for SCHEDULER_STATS, and the invariants.
#include "services/scheduler/ready_queues.h"

namespace orion::scheduler {

namespace {

// Namespace + capabilities + exclusions, each sorted: tasks of one key are served alike. The
// namespace comes first, so a namespace's classes are adjacent in classes_ (best() relies on it).
std::string class_key_of(const TaskSpec& s) {
  std::string k = s.ns;
  k += '\x1d';
  auto add_sorted = [&k](const std::vector<std::string>& names) {
    if (names.size() == 1) {  // the usual case: no copy to sort
      k += names[0], k += '\x1f';
      return;
    }
    auto sorted = names;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& n : sorted) k += n, k += '\x1f';
  };
  add_sorted(s.capabilities);
  k += '\x1e';
  add_sorted(s.excluded_agents);
  return k;
}

}  // namespace

const std::string* ReadyQueues::intern(const TaskSpec& spec) { return &*class_keys_.insert(class_key_of(spec)).first; }

ReadyQueues::Class* ReadyQueues::best(const std::set<const Class*>& blocked) {
  Class* best = nullptr;
  for (auto& [k, c] : classes_) {
    if (c.ready_.empty() || blocked.count(&c)) continue;
    if (!best || *c.ready_.begin() < *best->ready_.begin()) best = &c;
  }
  return best;
}

ReadyQueues::Class* ReadyQueues::best(const std::set<const Class*>& blocked, FairShare& share) {
  scratch_ns_.clear();
  scratch_best_.clear();
  for (auto& [k, c] : classes_) {
    if (c.ready_.empty() || blocked.count(&c)) continue;
    if (scratch_ns_.empty() || scratch_ns_.back() != c.ns_) {  // classes of a namespace are adjacent
      scratch_ns_.push_back(c.ns_);
      scratch_best_.push_back(&c);
    } else if (*c.ready_.begin() < *scratch_best_.back()->ready_.begin()) {
      scratch_best_.back() = &c;
    }
  }
  if (scratch_ns_.size() <= 1) return scratch_best_.empty() ? nullptr : scratch_best_[0];
  const std::size_t i = share.first(scratch_ns_);
  return scratch_best_[i];
}

std::vector<const std::string*> ReadyQueues::ready_namespaces() const {
  std::vector<const std::string*> out;
  for (const auto& [k, c] : classes_) {
    if (!c.ready_.empty() && (out.empty() || out.back() != c.ns_)) out.push_back(c.ns_);
  }
  return out;
}

// A pass over the class: what reached its limit is doomed, the rest gives the new bound (so a
// class is passed over once per distinct limit reached, not once a second).
std::vector<std::uint64_t> ReadyQueues::doomed_in(Class& c, const TaskTable& tasks, std::int64_t waited_ms) {
  std::vector<std::uint64_t> doomed;
  c.min_limit_ms_ = std::numeric_limits<std::int64_t>::max();
  for (const auto& [k, seq] : c.ready_) {
    auto limit = unschedulable_limit_ms(tasks.at(seq));
    if (limit <= 0) continue;
    if (waited_ms >= limit) {
      doomed.push_back(seq);
    } else {
      c.min_limit_ms_ = std::min(c.min_limit_ms_, limit);
    }
  }
  return doomed;
}

// A queue is ordered by ageing key = ready_ms - level * ageing_ms, so among the tasks of one
// effective priority level the first in the queue became ready first. Walk from the head, taking
// the first task of each level the queue holds (by_level), until every such level was seen or no
// later task can have become ready earlier (its key + the lowest unseen level * ageing_ms reaches
// the best ready_ms found: ready_ms >= that). Usually one or a few steps; at worst the tasks whose
// key lies within 5 * ageing_ms of the head's.
std::int64_t ReadyQueues::oldest_wait(const Class& c, const TaskTable& tasks, std::int64_t now_ms) const {
  unsigned need = 0, seen = 0;
  for (std::size_t p = 0; p < c.by_level_.size(); ++p) {
    if (c.by_level_[p] > 0) need |= 1u << p;
  }
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (const auto& [key, seq] : c.ready_) {
    if (seen == need) break;
    unsigned unseen = need & ~seen;
    std::int64_t lowest = 0;
    while (!(unseen & (1u << lowest))) ++lowest;
    if (key + lowest * ageing_ms_ >= best) break;
    const TaskRecord& t = tasks.at(seq);
    unsigned bit = 1u << (static_cast<unsigned>(t.effective_priority) % c.by_level_.size());
    if (seen & bit) continue;  // not the first of its level: not the earliest of it
    seen |= bit;
    best = std::min(best, t.ready_ms);
  }
  if (best == std::numeric_limits<std::int64_t>::max()) return 0;
  return std::max<std::int64_t>(0, now_ms - best);
}

Status ReadyQueues::check_invariants(const TaskTable& tasks) const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  std::size_t queued = 0;
  for (const auto& [k, c] : classes_) {
    if (!class_keys_.count(k)) return broken("a queue class whose key is not interned");
    queued += c.ready_.size();
    std::array<std::size_t, 6> levels{};
    for (const auto& [key, seq] : c.ready_) {
      auto t = tasks.find(seq);
      if (t == tasks.end()) return broken("ready queue holds t" + std::to_string(seq) + ", which is not held");
      if (*t->second.class_key != k) return broken("task " + t->second.task_id() + " is queued in another class");
      if (t->second.spec.ns != *c.ns_) return broken("task " + t->second.task_id() + " is queued in another namespace");
      ++levels[static_cast<std::size_t>(t->second.effective_priority) % levels.size()];
    }
    if (levels != c.by_level_) return broken("a queue's by_level does not match it");
  }
  if (queued != ready_count_) return broken("the ready count does not match the queues");
  std::size_t waiting = 0;
  for (const auto& [seq, t] : tasks) {
    const bool in_queue = contains(t);
    if (is_queued(t) != in_queue) return broken("ready queue out of step for " + t.task_id());
    const auto limit = unschedulable_limit_ms(t);
    if (in_queue && limit > 0 && classes_.at(*t.class_key).min_limit_ms_ > limit) {
      return broken("a queue's min_limit_ms is above the unschedulable limit of " + t.task_id());
    }
    if ((t.retry_due_ms != 0) != retry_waiting(t)) return broken("retry queue out of step for " + t.task_id());
    waiting += t.retry_due_ms != 0;
  }
  if (waiting != retry_wait_.size()) return broken("the retry wait holds tasks not waiting on a retry");
  return {};
}

}  // namespace orion::scheduler
