// KeyLimits: concurrency and rate limits per key, global across every agent. A task names up to
// a few limit keys ("customer-42"); a rule names a key, or a prefix ending in '*' that gives each
// key it matches a limit of its own ("customer-*": at most 5 running per customer). Only the
// scheduler leader starts tasks, so counting here is exact: a limit holds across all agents.
//
//   KeyLimits limits;
//   limits.set_rule({"customer-*", /*max_running=*/5, /*rate=*/10, /*period_ms=*/1000});
//   if (auto wait = limits.check(keys, now_ms)) { ...wait->reason, wait->until_ms... }
//   else limits.acquire(keys, now_ms);        // the task is assigned
//   limits.release(keys);                     // it stopped running: ended, or back to PENDING
//
// Concurrency: a key's running count is the tasks holding it between acquire and release; the
// core calls both from its one transition function, so a retry, a lost agent or a cancel can
// never leave a count behind. Rate: a token bucket per key, `rate` tokens per `period_ms`,
// refilled continuously, holding at most `rate` (the burst); a start takes one token.
//
// Every key a running task holds is counted, limited or not, so a rule added while tasks run
// sees them. Invariants (check_invariants): a key's state is kept only while its count is
// positive or its bucket is not full; acquire never takes a count above its rule's max_running nor a bucket below zero (a
// rule lowered below the running count holds further starts until the count is under it).
// A new leader rebuilds the counts from its ASSIGNED and RUNNING tasks (acquire without a
// token: restore), and starts every bucket empty: after a failover a rate limit waits up to one
// period rather than risk a second burst within it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orion::scheduler {

struct LimitRule {
  std::string pattern;           // a key, or a prefix ending in '*'
  std::int64_t max_running = 0;  // tasks with the key running at once; 0 = no concurrency limit
  std::int64_t rate = 0;         // starts per period_ms (and the burst); 0 = no rate limit
  std::int64_t period_ms = 0;    // > 0 when rate > 0
};

// Why a task may not start yet.
struct LimitWait {
  std::string key;            // the first of its keys that holds it
  bool concurrency = false;   // true: running tasks fill the key's limit; false: its rate
  std::int64_t until_ms = 0;  // rate: when the next token comes (monotonic); 0 for concurrency
  std::string reason;         // "limit customer-42: 5 of 5 running" / "rate limit customer-42: ..."
};

class KeyLimits {
 public:
  static constexpr std::size_t kMaxRules = 10'000;
  static constexpr std::int64_t kMaxPeriodMs = 86'400'000;  // a day
  static constexpr std::int64_t kMaxCount = 1'000'000;

  // Adds or replaces the rule of r.pattern. INVALID_ARGUMENT for an empty pattern, a '*' other
  // than at the end, a rule that limits nothing, a rate without a period, or out-of-range numbers.
  Status set_rule(const LimitRule& r);
  bool remove_rule(const std::string& pattern);
  std::vector<LimitRule> rules() const;  // by pattern
  // The rule for key: its exact rule, else the rule of the longest prefix matching it.
  const LimitRule* rule_for(std::string_view key) const;

  // nullopt when a task with these keys may start at now_ms (monotonic), else what holds it.
  std::optional<LimitWait> check(const std::vector<std::string>& keys, std::int64_t now_ms);
  // The task starts: +1 running on each limited key, one token from each rate-limited one.
  // token = false restores a running task (a new leader, a restart): counted, no token taken.
  void acquire(const std::vector<std::string>& keys, std::int64_t now_ms, bool token = true);
  // A task that acquired these keys stopped running.
  void release(const std::vector<std::string>& keys);

  // This process became the leader at now_ms: a bucket made from here on fills from that moment,
  // as if every bucket were empty then (a key first seen a period later starts full).
  void begin_term(std::int64_t now_ms) {
    state_.clear();
    term_start_ms_ = now_ms;
  }

  std::int64_t running(std::string_view key) const;
  std::size_t keys_held() const { return state_.size(); }  // keys with state: bounded by live use
  // Every key with state, with its running count (LIST_LIMITS, the core's invariant check).
  template <class Fn>
  void each_key(Fn&& fn) const {
    for (const auto& [key, s] : state_) fn(key, s.running);
  }
  // The same for the keys starting with prefix only: O(log keys + those keys).
  template <class Fn>
  void each_key_with_prefix(std::string_view prefix, Fn&& fn) const {
    for (auto it = state_.lower_bound(prefix);
         it != state_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix; ++it) {
      fn(it->first, it->second.running);
    }
  }
  bool holds(std::string_view key) const { return state_.find(key) != state_.end(); }  // the key has state
  // Drops the state of keys whose bucket is full again and that have nothing running.
  void trim(std::int64_t now_ms);

  Status check_invariants() const;

 private:
  struct KeyState {
    std::int64_t running = 0;
    double tokens = 0;           // rate-limited keys only
    std::int64_t refilled_ms = 0;
    bool bucket = false;         // tokens/refilled_ms are set
  };
  KeyState& state_of(const std::string& key, const LimitRule& rule, std::int64_t now_ms);
  static void refill(KeyState& s, const LimitRule& rule, std::int64_t now_ms);
  bool idle(const KeyState& s, const LimitRule* rule, std::int64_t now_ms) const;

  std::map<std::string, LimitRule, std::less<>> exact_;     // patterns without '*'
  std::map<std::string, LimitRule, std::less<>> prefixes_;  // by prefix (the '*' dropped)
  std::map<std::string, KeyState, std::less<>> state_;  // keys with tasks running, or a bucket not full
  std::int64_t term_start_ms_ = INT64_MIN / 2;           // no term begun: buckets start full
};

}  // namespace orion::scheduler
