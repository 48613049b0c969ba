// The limit rules of the scheduler (protocol.md section 18), as stored and as asked for: answers
// SET_LIMIT, DELETE_LIMIT and LIST_LIMITS, keeps each rule as a record of the scheduler's Log
// (kind kLimitRecordKind, keyed by a seq of its own; id 0 holds the next seq), and hands every
// change to the core, which counts and holds tasks (scheduler_core.h, "Limits"). Single-threaded,
// on the service's loop; no sockets, no disk.
//
//   LimitBook book(core);
//   Envelope reply = book.handle(request);          // SET_LIMIT, DELETE_LIMIT, LIST_LIMITS
//   book.drain_dirty([&](std::uint64_t key, std::string rec) { ... });  // "" = delete
//   book.apply_record(log_id(key), bytes);           // start-up and hot standby
//
// A rule's record is written in the turn's batch (one SQLite transaction, one Raft entry), so a
// restart or a new leader holds exactly the rules that were acknowledged. SET_LIMIT replaces the
// rule of its pattern in place (the same seq); DELETE_LIMIT deletes the record.
// Invariants (check_invariants): by_pattern_ and by_seq_ index the same rules; every seq is
// below next_seq_; the core's rules are exactly these.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/envelope.h"
#include "common/limit_messages.h"
#include "common/log_store.h"
#include "services/scheduler/key_limits.h"

namespace orion::scheduler {

class SchedulerCore;

// tasks 0, workflows 1, batches 2, hits 3, the retention mark 4, audit 5, agent holders 6,
// the event history 7, schedules 10.
inline constexpr std::uint8_t kLimitRecordKind = 11;

class LimitBook {
 public:
  explicit LimitBook(SchedulerCore& core) : core_(core) {}
  LimitBook(const LimitBook&) = delete;
  LimitBook& operator=(const LimitBook&) = delete;

  // Answers one of the three limit requests: the reply, or an ERROR envelope.
  Envelope handle(const Envelope& request);
  // INVALID_ARGUMENT (a bad pattern, a rule that limits nothing, bounds), FAILED_PRECONDITION at
  // KeyLimits::kMaxRules.
  Result<LimitOk> set(const SetLimit& request);
  // NOT_FOUND when no rule has the pattern.
  Result<DeleteLimitOk> remove(const std::string& pattern);
  LimitList list(const ListLimits& request) const;

  // Every rule changed since the last call, once each, as (log key, record); a deleted one as
  // (log key, ""), and the counter (id 0) when a seq was handed out.
  template <class Fn>
  void drain_dirty(Fn&& fn) {
    for (auto seq : dirty_) {
      auto it = by_seq_.find(seq);
      fn(log_key(kLimitRecordKind, seq), it == by_seq_.end() ? std::string() : encode(it->second));
    }
    dirty_.clear();
    if (counter_dirty_) fn(log_key(kLimitRecordKind, 0), encode_counter());
    counter_dirty_ = false;
  }
  // Every record held (a snapshot's), the counter first.
  template <class Fn>
  void each_record(Fn&& fn) const {
    fn(log_key(kLimitRecordKind, 0), encode_counter());
    for (const auto& [seq, rule] : by_seq_) fn(log_key(kLimitRecordKind, seq), encode(rule));
  }
  // A record as stored (id 0: the counter), replacing the one held; empty bytes delete it.
  // INTERNAL when it does not decode.
  Status apply_record(std::uint64_t id, std::string_view bytes);

  std::size_t size() const { return by_seq_.size(); }
  Status check_invariants() const;

 private:
  static std::string encode(const LimitRule& rule);
  std::string encode_counter() const;

  SchedulerCore& core_;
  std::map<std::uint64_t, LimitRule> by_seq_;           // every rule, by its record's seq
  std::map<std::string, std::uint64_t> by_pattern_;     // ordered: LIST_LIMITS pages by pattern
  std::set<std::uint64_t> dirty_;                       // changed or deleted since the last drain
  std::uint64_t next_seq_ = 1;                          // Invariant: > every seq held
  bool counter_dirty_ = false;
};

}  // namespace orion::scheduler
