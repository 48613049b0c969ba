// LimitWaits: the ready tasks a limit holds back (key_limits.h), out of the ready queues so that
// they never block other work. Each waits on the one key that held it, in the order of its ready
// queue key; a key held by its rate has a due time (its next token). The core takes a key's head
// back to the ready queue when a task holding the key stops running, when the key's token is
// due, when a rule changes, or (a safety net) at its once-a-second sweep; the dispatch checks it
// again, and holds it again if the limit still does.
//
//   LimitWaits w;
//   w.hold(t.seq, ready.key(t), wait->key, wait->until_ms, wait->reason);  // dispatch: held
//   if (auto seq = w.take_head("customer-42")) { ...back to its ready queue... }
//   while (auto key = w.due_key(now_ms)) { ...take its head back... }
//   w.remove(t.seq);                        // t cancelled (or any change out of PENDING)
//
// Invariants (check_invariants): by_seq_ and by_key_ index the same (seq, key, order) entries;
// no key has an empty wait; due_ and due_of_ hold the same (due, key) pairs, each for a key with
// waiters. Against the tasks: every task held is PENDING, every dependency met, no retry due,
// limit_held set and carries its key (the core checks the converse: limit_held implies held).
// Memory: one entry per held task (at most the tasks held), one per key with waiters.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "services/scheduler/task_table.h"

namespace orion::scheduler {

class LimitWaits {
 public:
  // seq waits on key, ordered by `order` (its ready queue key) then seq. until_ms > 0: the key is
  // due then (a rate limit's next token, monotonic); the earliest due time of a key is kept.
  // A seq already held is moved.
  void hold(std::uint64_t seq, std::int64_t order, const std::string& key, std::int64_t until_ms, std::string reason);
  // The first task waiting on key, taken out; 0 when none waits.
  std::uint64_t take_head(std::string_view key);
  // Takes seq out wherever it waits; false when it does not.
  bool remove(std::uint64_t seq);
  // A key whose due time is at or before now_ms, its due time dropped; nullopt when none is.
  std::optional<std::string> due_key(std::int64_t now_ms);
  // Every waiting task, taken out (a demotion: all go back to their queues).
  std::vector<std::uint64_t> take_all();
  // Every waiting task on key, or on a key starting with `prefix` when prefix_match, taken out.
  std::vector<std::uint64_t> take_matching(std::string_view pattern, bool prefix_match);

  // Why seq waits ("limit customer-42: 5 of 5 running"); nullptr when it does not.
  const std::string* reason(std::uint64_t seq) const;
  std::vector<std::string> keys() const;  // keys with waiters, sorted
  std::size_t size() const { return by_seq_.size(); }
  // Tasks waiting on key, or on keys starting with it when prefix_match.
  std::size_t waiting(std::string_view key, bool prefix_match = false) const;
  // fn(key, tasks waiting on it) for each key with waiters that starts with prefix.
  template <class Fn>
  void each_key_with_prefix(std::string_view prefix, Fn&& fn) const {
    for (auto k = by_key_.lower_bound(prefix);
         k != by_key_.end() && std::string_view(k->first).substr(0, prefix.size()) == prefix; ++k) {
      fn(k->first, k->second.size());
    }
  }

  Status check_invariants(const TaskTable& tasks) const;

 private:
  using Entry = std::pair<std::int64_t, std::uint64_t>;  // (order, seq)
  struct Held {
    std::string key;
    std::int64_t order = 0;
    std::string reason;
  };
  void erase_from_key(const std::string& key, const Entry& e);

  std::unordered_map<std::uint64_t, Held> by_seq_;
  std::map<std::string, std::set<Entry>, std::less<>> by_key_;
  std::set<std::pair<std::int64_t, std::string>> due_;   // (monotonic due ms, key)
  std::map<std::string, std::int64_t, std::less<>> due_of_;  // key -> its entry in due_
};

}  // namespace orion::scheduler
