// Named leases with fencing tokens, the RAFT-type agreement that clients use for leader
// election and mutual exclusion. Every operation is a command applied in log order with the
// time the leader stamped on it, so the table is the same on every replica.
//
//   LeaseTable t;
//   auto a = t.acquire("scheduler-leader", "s1", 10'000, now);   // granted, token 1
//   auto b = t.acquire("scheduler-leader", "s2", 10'000, now);   // not granted: s1 holds it
//   t.renew("scheduler-leader", "s1", 10'000, now + 5'000);      // expires_ms moves on
//   t.release("scheduler-leader", "s1", now + 6'000);            // free; s2 may acquire (token 2)
//
// States of one lease (a lease held past expires_ms is free):
//
//   state  event                      action                              next
//   free   acquire(h)                 holder=h, token+1, expires=now+ttl  held(h)
//   held h acquire(h) / renew(h)      expires=now+ttl (same token)        held(h)
//   held h acquire(g), g != h         refused (granted=false)             held(h)
//   held h renew(g), g != h           FAILED_PRECONDITION                 held(h)
//   held h release(h)                 holder="", expires=now              free
//   held h release(g), g != h         nothing (granted=false)             held(h)
//   free   renew(h)                   FAILED_PRECONDITION                 free
//   free   release(h)                 nothing (granted=false)             free
//   free   forget_ended, ended long enough ago   the record is dropped            (unknown)
//
// An ended lease (released, or held past expires_ms) is forgotten once it has been free for the
// retention period: its name then reads as never used (free, token 0). Fencing stays safe:
// next_token only grows, so whoever acquires the name again gets a larger token than any the
// name had.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "common/consensus_messages.h"

namespace orion::consensus {

class LeaseTable {
 public:
  struct Lease {
    LeaseView view;
    std::uint64_t slot = 0;  // stable record number, assigned at the first acquire of the name
  };

  Result<LeaseInfo> acquire(const std::string& name, const std::string& holder, std::int64_t ttl_ms,
                            std::int64_t now_ms);
  Result<LeaseInfo> renew(const std::string& name, const std::string& holder, std::int64_t ttl_ms,
                          std::int64_t now_ms);
  LeaseInfo release(const std::string& name, const std::string& holder, std::int64_t now_ms);
  // The lease as of now_ms: holder "" when free or expired; an unknown name is free (token 0).
  LeaseView get(const std::string& name, std::int64_t now_ms) const;

  // Persistence: each lease is one record; next_token and next_slot travel in the core's meta.
  void restore(const Lease& lease);
  const std::map<std::string, Lease>& all() const { return leases_; }
  std::int64_t next_token() const { return next_token_; }
  std::uint64_t next_slot() const { return next_slot_; }
  void set_counters(std::int64_t next_token, std::uint64_t next_slot) {
    next_token_ = next_token;
    next_slot_ = next_slot;
  }
  // Names changed since the last call.
  void drain_dirty(const std::function<void(const Lease&)>& fn);
  void discard_dirty() { dirty_.clear(); }

  // ---- Retention ----------------------------------------------------------------------------
  // Forgets at most `limit` leases whose expires_ms <= cutoff_ms, earliest end first (cutoff_ms
  // = now - retention < now, so none of them is held), calling erased(slot) for each. Returns
  // how many it forgot. O(limit log n): it walks an index ordered by expires_ms, never the table.
  std::size_t forget_ended(std::int64_t cutoff_ms, std::size_t limit,
                           const std::function<void(std::uint64_t slot)>& erased);
  // The earliest expires_ms of any lease, INT64_MAX when there is none.
  std::int64_t first_end_ms() const { return by_end_.empty() ? INT64_MAX : by_end_.begin()->first; }
  // Broken invariants, "" when none.
  std::string check_invariants() const;

 private:
  static bool held_by(const Lease& l, const std::string& holder, std::int64_t now_ms) {
    return !l.view.holder.empty() && l.view.holder == holder && now_ms < l.view.expires_ms;
  }
  Lease& slot_for(const std::string& name);
  // Moves l's expires_ms to `expires_ms`, keeping by_end_ in step.
  void set_end(Lease& l, std::int64_t expires_ms);

  // Invariant: a lease with a non-empty holder has acquired_ms <= expires_ms and a token in
  // 1..next_token_-1; tokens only grow; slots are distinct and below next_slot_.
  std::map<std::string, Lease> leases_;
  std::int64_t next_token_ = 1;   // the token the next change of hands gets
  std::uint64_t next_slot_ = 1;
  std::set<std::string> dirty_;
  // (expires_ms, name) of every lease in leases_, exactly one entry each: the retention index.
  std::set<std::pair<std::int64_t, std::string>> by_end_;
};

}  // namespace orion::consensus
