// ReadyQueues: where a PENDING task whose dependencies are all met waits for an agent. Each ready
// task is in the queue of its class (same namespace, capabilities and exclusions:
// TaskRecord::class_key; a key starts with its namespace, so a namespace's classes are adjacent),
// ordered by its ageing key ready_ms - effective_priority * ageing_ms, lowest first (then seq);
// a task waiting out a retry backoff is in the retry wait instead, by its due time. The core
// (scheduler_core.h) decides when a task goes in or out; this class keeps the indexes right.
//
//   ReadyQueues q(/*ageing_ms=*/10'000, /*unschedulable_timeout_ms=*/0);
//   t.class_key = q.intern(t.spec);        // once, when the record enters the table
//   q.push(t);                             // t is_queued(): in its class's queue
//   if (auto* c = q.best(blocked, share)) { auto seq = c->head(); ...; q.pop(*c, tasks.at(seq)); }
//   q.remove(t);                           // out of its queue and out of the retry wait
//   q.wait_retry(t);                       // t.retry_due_ms set: due then (due_retry)
//
// Invariants (check_invariants):
//   - a task is in its class's queue iff is_queued(t) (PENDING, unmet == 0, no retry due), under
//     its current key; in the retry wait, under (retry_due_ms, seq), iff retry_due_ms != 0;
//   - size() is the sum of the queues' sizes; each class's by_level[p] counts its tasks of
//     effective priority p;
//   - each class's min_limit_ms is at most the unschedulable limit (> 0) of every task in it;
//   - every class key is interned (class keys are never erased: records point into them).
// A task's key depends on ready_ms and effective_priority: remove() it before changing either,
// push() it again after.
//
// Cost: push/remove/pop O(log n) in the class (push amortized O(1) when tasks come in key
// order, as a batch or a restart makes them); best() O(classes), plus O(namespaces with ready
// work) for the fair share choice when there are several; no allocation but the queue's tree
// node.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "services/scheduler/fair_share.h"
#include "services/scheduler/task_lifecycle.h"
#include "services/scheduler/task_record.h"
#include "services/scheduler/task_table.h"

namespace orion::scheduler {

class ReadyQueues {
 public:
  using Entry = std::pair<std::int64_t, std::uint64_t>;  // (ageing key or due time, seq)

  // The ready tasks of one class.
  class Class {
   public:
    bool empty() const { return ready_.empty(); }
    std::size_t size() const { return ready_.size(); }
    std::uint64_t head() const { return ready_.begin()->second; }  // not empty()
    const Entry& head_entry() const { return *ready_.begin(); }
    const std::vector<std::string>& capabilities() const { return capabilities_; }  // sorted
    const std::set<Entry>& entries() const { return ready_; }
    const std::string& ns() const { return *ns_; }  // its tasks' namespace

   private:
    friend class ReadyQueues;
    std::set<Entry> ready_;
    const std::string* ns_ = nullptr;        // interned in namespaces_; set at its first push
    std::int64_t unservable_since_ms_ = -1;  // monotonic; -1 while some agent has its capabilities
    std::vector<std::string> capabilities_;  // its tasks' capabilities, sorted (SCHEDULER_STATS)
    // by_level_[p] = the tasks in ready_ with effective priority p, so stats() finds the
    // longest-waiting one without a pass over them.
    std::array<std::size_t, 6> by_level_{};
    // At most the unschedulable limit (> 0) of every task in ready_ that has one; INT64_MAX when
    // none has. The sweep skips a class whose tasks cannot have reached it, instead of a pass over
    // a million parked tasks every second.
    std::int64_t min_limit_ms_ = std::numeric_limits<std::int64_t>::max();
  };

  ReadyQueues(std::int64_t ageing_ms, std::int64_t unschedulable_timeout_ms)
      : ageing_ms_(ageing_ms), unschedulable_timeout_ms_(unschedulable_timeout_ms) {}

  // The interned class key of a spec (TaskRecord::class_key): one string per class, never freed.
  const std::string* intern(const TaskSpec& spec);

  std::int64_t key(const TaskRecord& t) const {
    return t.ready_ms - static_cast<std::int64_t>(t.effective_priority) * ageing_ms_;
  }
  // A task's limit on waiting with no capable agent: its own, else the scheduler's; 0 = never.
  std::int64_t unschedulable_limit_ms(const TaskRecord& t) const {
    const auto own = t.spec.unschedulable_timeout_ms;
    return own >= 0 ? own : unschedulable_timeout_ms_;
  }

  // Into its class's queue under its current key (t.class_key set). A second push changes nothing.
  inline void push(const TaskRecord& t);
  // Out of its class's queue and of the retry wait, wherever it is; retry_due_ms is cleared.
  inline void remove(TaskRecord& t);
  // Takes t, the head of c (c.head() == t.seq), out of the queue: dispatch assigns it.
  inline void pop(Class& c, const TaskRecord& t);
  bool contains(const TaskRecord& t) const {
    auto it = classes_.find(*t.class_key);
    return it != classes_.end() && it->second.ready_.count({key(t), t.seq}) > 0;
  }
  std::size_t size() const { return ready_count_; }

  // The class whose head has the lowest key, among the non-empty ones not in `blocked`; nullptr
  // when there is none. O(classes).
  Class* best(const std::set<const Class*>& blocked);
  // The same within one namespace, chosen by fair share: when the non-empty classes not in
  // `blocked` belong to several namespaces, the one share.first() names (lowest pass), then its
  // class whose head has the lowest key. One pass over the classes, as best(); the caller calls
  // share.served() for the namespace of the class it assigns from.
  Class* best(const std::set<const Class*>& blocked, FairShare& share);
  // The namespaces that have ready tasks now (each once).
  std::vector<const std::string*> ready_namespaces() const;
  // Every class (empty ones too), by key.
  const std::map<std::string, Class>& classes() const { return classes_; }

  // Retry backoff: t (PENDING, retry_due_ms set, not queued) waits until its due time.
  void wait_retry(const TaskRecord& t) { retry_wait_.insert({t.retry_due_ms, t.seq}); }
  bool retry_waiting(const TaskRecord& t) const { return retry_wait_.count({t.retry_due_ms, t.seq}) > 0; }
  // The seq of a retry due at now_ms (monotonic), taken out of the wait; 0 when none is due.
  std::uint64_t due_retry(std::int64_t now_ms) {
    if (retry_wait_.empty() || retry_wait_.begin()->first > now_ms) return 0;
    const std::uint64_t seq = retry_wait_.begin()->second;
    retry_wait_.erase(retry_wait_.begin());
    return seq;
  }

  // The unschedulable sweep, at most once a second (now_ms, monotonic): for each non-empty class,
  // servable(head) says whether some live agent has the capabilities its tasks need. A class
  // nobody can serve is noted unservable since now; once it has been so for a task's limit, the
  // task is doomed: fn(seq, waited_ms) for each, class by class, queue order (the caller ends
  // them). Cost: one servable() per class, plus a pass over a class's queue only when it has
  // been unservable for its min_limit_ms (then that bound moves on: one pass per limit reached).
  template <class Servable, class Doomed>
  void sweep(std::int64_t now_ms, const TaskTable& tasks, Servable&& servable, Doomed&& doomed);

  // The longest a ready task of c has been ready (ms, at wall time now_ms).
  std::int64_t oldest_wait(const Class& c, const TaskTable& tasks, std::int64_t now_ms) const;

  // Checks the invariants above against the tasks they index; the first broken one.
  Status check_invariants(const TaskTable& tasks) const;

 private:
  void erase(Class& c, std::set<Entry>::iterator it, const TaskRecord& t) {
    --c.by_level_[static_cast<std::size_t>(t.effective_priority) % c.by_level_.size()];
    c.ready_.erase(it);
    --ready_count_;
  }
  // The doomed of one unservable class (see sweep), and its new min_limit_ms.
  std::vector<std::uint64_t> doomed_in(Class& c, const TaskTable& tasks, std::int64_t waited_ms);

  std::int64_t ageing_ms_;                 // waiting this long is worth one priority level
  std::int64_t unschedulable_timeout_ms_;  // default limit for tasks that set none; 0 = never
  std::map<std::string, Class> classes_;   // by class key; never erased (Class* stay valid)
  std::set<std::string> class_keys_;       // every key a task held has had
  std::set<std::string> namespaces_;       // every namespace a class has had (Class::ns_ point here)
  // best()'s scratch: per namespace with servable work, its best class (kept to reuse the memory).
  std::vector<const std::string*> scratch_ns_;
  std::vector<Class*> scratch_best_;
  std::size_t ready_count_ = 0;
  std::set<Entry> retry_wait_;             // (monotonic due time, seq)
  std::int64_t next_sweep_ms_ = 0;         // monotonic time of the next sweep
};

void ReadyQueues::push(const TaskRecord& t) {
  auto [it, fresh] = classes_.try_emplace(*t.class_key);
  Class& c = it->second;
  if (fresh) {
    c.ns_ = &*namespaces_.insert(t.spec.ns).first;
    c.capabilities_ = t.spec.capabilities;
    std::sort(c.capabilities_.begin(), c.capabilities_.end());
  }
  // Tasks made in seq order (a batch, a restart) mostly go last: then the insertion is
  // amortized constant instead of a descent of the tree (2,000,000 at a restart).
  const Entry entry{key(t), t.seq};
  const bool last = c.ready_.empty() || *c.ready_.rbegin() < entry;
  if (last ? (c.ready_.emplace_hint(c.ready_.end(), entry), true) : c.ready_.insert(entry).second) {
    ++ready_count_;
    ++c.by_level_[static_cast<std::size_t>(t.effective_priority) % c.by_level_.size()];
    if (auto limit = unschedulable_limit_ms(t); limit > 0) c.min_limit_ms_ = std::min(c.min_limit_ms_, limit);
  }
}

void ReadyQueues::remove(TaskRecord& t) {
  auto it = classes_.find(*t.class_key);
  if (it != classes_.end()) {
    auto at = it->second.ready_.find({key(t), t.seq});
    if (at != it->second.ready_.end()) erase(it->second, at, t);
  }
  if (t.retry_due_ms != 0) retry_wait_.erase({t.retry_due_ms, t.seq});
  t.retry_due_ms = 0;
}

void ReadyQueues::pop(Class& c, const TaskRecord& t) { erase(c, c.ready_.begin(), t); }

template <class Servable, class Doomed>
void ReadyQueues::sweep(std::int64_t now_ms, const TaskTable& tasks, Servable&& servable, Doomed&& doomed) {
  if (now_ms < next_sweep_ms_) return;
  next_sweep_ms_ = now_ms + 1000;
  std::vector<std::pair<std::uint64_t, std::int64_t>> out;  // (seq, waited ms), in order
  for (auto& [k, c] : classes_) {
    if (c.ready_.empty()) continue;
    if (servable(tasks.at(c.head()))) {
      c.unservable_since_ms_ = -1;
      continue;
    }
    if (c.unservable_since_ms_ < 0) c.unservable_since_ms_ = now_ms;
    const std::int64_t waited = now_ms - c.unservable_since_ms_;
    if (waited < c.min_limit_ms_) continue;  // no task of it can have reached its limit
    for (auto seq : doomed_in(c, tasks, waited)) out.emplace_back(seq, waited);
  }
  // Ended after the pass: ending a task takes it out of its queue (and nothing else queued).
  for (const auto& [seq, waited] : out) doomed(seq, waited);
}

}  // namespace orion::scheduler
