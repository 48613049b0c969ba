// Waiters: the WAIT_TASK and WAIT_TASKS requests the scheduler holds open, who waits for which
// task(s), until they end or the wait's timeout passes; and what they may hold (PeerQuota, per
// connection and in all). The core decides what a wait is answered with (it builds the TASK_INFO
// or TASK_LIST); this class decides when, and forgets the wait once answered.
//
//   Waiters w(PeerQuotaLimits{});
//   if (auto s = w.hold(seq, {identity, request_id, now + timeout_ms}); !s) return s.error();
//   w.ended(seq, single, group, released);   // a task ended: answer what it completes
//   w.expire(now, single, group, released);  // timeouts
//   w.drop(identity, released);              // its connection closed: forget, answer nothing
//
// Callbacks, all called synchronously, the wait still held while they run:
//   single(seq, waiter)         answer a WAIT_TASK on task seq
//   group(waiter, seqs)         answer a WAIT_TASKS (seqs in the order asked)
//   released(seq)               no held WAIT_TASKS names task seq any more (it was retained for
//                               them: retention may expire it now)
//
// Invariants (check_invariants):
//   - the quota holds one hold of 1 unit per single wait, one of seqs.size() units per group;
//   - a held group has pending > 0, and group_index_ holds exactly `pending` entries for it
//     (one per task of the group not ended when it was held or since);
//   - names_[seq] = how many times the held groups name seq (no zero entries), and each such
//     task is still held (retention keeps it: names()).
// Cost: ended() is two lookups when nobody waits on the task, none when nobody waits at all.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/peer_quota.h"
#include "common/status.h"
#include "services/scheduler/task_table.h"

namespace orion::scheduler {

class Waiters {
 public:
  struct Waiter {
    std::string identity, request_id;
    std::int64_t deadline_ms = 0;  // monotonic
  };

  explicit Waiters(PeerQuotaLimits limits) : quota_(limits) {}

  // WAIT_TASK on task seq, not ended: held until it ends or the deadline passes. UNAVAILABLE
  // past the quota (nothing held then).
  Status hold(std::uint64_t seq, Waiter w);
  // WAIT_TASKS on `seqs` (held tasks, in the order asked), at least one of them not ended: held
  // until the last of those ends or the deadline passes. UNAVAILABLE past the quota.
  Status hold_group(Waiter w, std::vector<std::uint64_t> seqs, const TaskTable& tasks);

  // Task seq ended: each group whose last open task it was is answered (then its tasks
  // released), then each single wait on it. Groups in the order they were held.
  template <class Single, class GroupFn, class Released>
  void ended(std::uint64_t seq, Single&& single, GroupFn&& group, Released&& released);
  // Answers every wait whose deadline is at or before now_ms: groups (in the order held), then
  // single waits (by task).
  template <class Single, class GroupFn, class Released>
  void expire(std::int64_t now_ms, Single&& single, GroupFn&& group, Released&& released);
  // Forgets every wait held for `identity` (its connection closed): nothing is answered.
  // Returns how many were dropped. Nothing is walked when the identity holds none.
  template <class Released>
  std::size_t drop(const std::string& identity, Released&& released);
  // Forgets every wait (a leader stepping down): nothing is answered, nothing released.
  void clear();

  // A held WAIT_TASKS names task seq: retention keeps it until that is answered.
  bool names(std::uint64_t seq) const { return names_.count(seq) > 0; }
  const PeerQuota& quota() const { return quota_; }
  std::size_t held() const { return singles_.size() + groups_.size(); }

  // Checks the invariants above (tasks: the table the waits name); the first broken one.
  Status check_invariants(const TaskTable& tasks) const;

 private:
  struct Group {
    Waiter waiter;
    std::vector<std::uint64_t> seqs;  // in the order asked
    std::size_t pending = 0;          // not yet ended
  };
  using Groups = std::map<std::uint64_t, Group>;
  // Takes the group's entries out of group_index_ (a group answered on its timeout, or dropped).
  void unindex(std::uint64_t id, const Group& g);
  // Answers the group (group callback), releases its tasks and forgets it.
  template <class GroupFn, class Released>
  void answer(Groups::iterator it, GroupFn& group, Released& released);
  // The group no longer names its tasks: released(seq) for each named by no other group.
  template <class Released>
  void release(const Group& g, Released& released);

  std::multimap<std::uint64_t, Waiter> singles_;    // WAIT_TASK, by task seq
  Groups groups_;                                   // WAIT_TASKS, by group id (in the order held)
  std::multimap<std::uint64_t, std::uint64_t> group_index_;  // (seq, group) for each open task of a group
  std::uint64_t next_group_ = 1;
  std::unordered_map<std::uint64_t, std::uint32_t> names_;  // seq -> times held groups name it
  PeerQuota quota_;
};

template <class Released>
void Waiters::release(const Group& g, Released& released) {
  for (auto seq : g.seqs) {
    auto n = names_.find(seq);
    if (n == names_.end() || --n->second > 0) continue;
    names_.erase(n);
    released(seq);
  }
}

template <class GroupFn, class Released>
void Waiters::answer(Groups::iterator it, GroupFn& group, Released& released) {
  const Group& g = it->second;
  group(g.waiter, g.seqs);
  release(g, released);
  quota_.remove(g.waiter.identity, g.seqs.size());
  groups_.erase(it);
}

template <class Single, class GroupFn, class Released>
void Waiters::ended(std::uint64_t seq, Single&& single, GroupFn&& group, Released&& released) {
  if (group_index_.empty() && singles_.empty()) return;  // the usual case: nobody waits
  auto groups = group_index_.equal_range(seq);
  for (auto g = groups.first; g != groups.second; ++g) {
    auto it = groups_.find(g->second);
    if (--it->second.pending == 0) answer(it, group, released);
  }
  group_index_.erase(groups.first, groups.second);
  auto range = singles_.equal_range(seq);
  for (auto it = range.first; it != range.second; ++it) {
    single(seq, it->second);
    quota_.remove(it->second.identity, 1);
  }
  singles_.erase(range.first, range.second);
}

template <class Single, class GroupFn, class Released>
void Waiters::expire(std::int64_t now_ms, Single&& single, GroupFn&& group, Released&& released) {
  for (auto g = groups_.begin(); g != groups_.end();) {
    auto it = g++;
    if (it->second.waiter.deadline_ms > now_ms) continue;
    unindex(it->first, it->second);
    answer(it, group, released);
  }
  for (auto it = singles_.begin(); it != singles_.end();) {
    if (it->second.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    single(it->first, it->second);
    quota_.remove(it->second.identity, 1);
    it = singles_.erase(it);
  }
}

template <class Released>
std::size_t Waiters::drop(const std::string& identity, Released&& released) {
  if (quota_.holds_of(identity) == 0) return 0;
  std::size_t dropped = quota_.drop_singles(singles_, identity);
  for (auto g = groups_.begin(); g != groups_.end();) {
    if (g->second.waiter.identity != identity) {
      ++g;
      continue;
    }
    unindex(g->first, g->second);
    release(g->second, released);
    quota_.remove(identity, g->second.seqs.size());
    g = groups_.erase(g);
    ++dropped;
  }
  return dropped;
}

}  // namespace orion::scheduler
