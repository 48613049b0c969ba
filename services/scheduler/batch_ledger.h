// BatchLedger: the scheduler's books on SUBMIT_BATCH, apart from the tasks themselves.
//   - pending batches: accepted (their seqs handed out) and not yet wholly made (accept_batch,
//     apply_batches in scheduler_core.h);
//   - batch records still needed (BatchRecordRef): a batch stored as one record, whose tasks
//     without a record of their own a restart makes again from it;
//   - request ids: a batch's entries' seqs (batches_), and the span of its new tasks
//     (BatchSpan), whose last one to expire takes the request id with it;
//   - idempotent hits (HeldHits): entries that got an older task, stored as a BatchHits record.
// The core calls in as batches are accepted, made, restored, written and expired; the drains hand
// the service what to store or delete in this turn's commit.
//
//   BatchLedger books(/*retention_ms=*/7 * 24 * 3600 * 1000LL);
//   books.accepted("req-1", seqs, hits, first, last, now_wall);  // a batch with a request id
//   books.record(first, last, n);        // stored as one batch record, n tasks held by it
//   if (auto spent = books.written_alone(seq)) ...;  // a task got a record of its own
//   books.task_gone(seq);                // a task expired
//   books.drain_spent([](auto first) { /* delete batch record */ });
//
// Invariants (check_invariants):
//   - batch record ranges [first, last] are disjoint, each with 1 <= untouched <= its length;
//     with the tasks (no batch pending): untouched = the tasks of the range with in_batch_record,
//     and every task with in_batch_record lies in a range;
//   - spans are disjoint, each with 1 <= live <= its length and a request id the ledger knows;
//     with the tasks (no batch pending): live = the tasks held in the span;
//   - each HeldHits has a unique id below next_hits_id_; one with new tasks (first != 0) has its
//     span at `first`, one without is due in hits_due_ at accepted_ms + retention_ms;
//   - a pending batch's per-entry vectors all have one element per entry; next <= plan.size().
#pragma once

#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/messages.h"
#include "common/status.h"
#include "services/scheduler/task_table.h"

namespace orion::scheduler {

// The entries of one SUBMIT_BATCH (with a request id) that got an existing task instead of a new
// one: an idempotent hit on an older task, or on an earlier entry of the same batch. No task
// carries their request id ("<rid>#<key>"), so a retry of the batch could not name them from the
// tasks alone: the service stores this as a record of its own (batch_record.h, kind
// kBatchHitsKind, keyed by `id`), kept as long as the batch's request id (below), and the core
// answers a retry, before and after a restart, with the same task for every entry.
//
// Retention: the record lives as long as the batch's own new tasks (first..last): it is deleted
// with the last of them to expire. A batch with no new task (every entry a hit) keeps it for the
// retention period from accepted_ms.
struct BatchHits {
  std::uint64_t id = 0;  // its record's id: unique, > 0, in acceptance order
  std::string request_id;
  std::vector<std::pair<std::string, std::uint64_t>> hits;  // (entry key, seq of the task it got)
  std::uint64_t first = 0, last = 0;  // the batch's new tasks' seqs; 0, 0 = none
  std::int64_t accepted_ms = 0;       // wall clock
};

// A batch accepted and not yet wholly made (accept_batch, apply_batches).
struct PendingBatch {
  std::string request_id;
  ConsensusGate gate;
  std::int64_t created_ms = 0;       // wall clock of acceptance: every task's created_ms
  std::uint64_t first = 0;           // its first new seq
  std::vector<BatchEntry> entries;
  std::vector<std::uint64_t> seqs;   // per entry
  std::vector<bool> is_new;          // per entry: false for an idempotent hit
  std::vector<std::size_t> plan;     // entry indexes, dependencies first
  std::vector<std::vector<std::pair<bool, std::uint64_t>>> deps;  // per entry (BatchPlan::deps)
  std::size_t next = 0;              // position in plan
  bool recorded = false;             // its new tasks are held by a batch record
};

class BatchLedger {
 public:
  // The idempotent hits of one batch, as held: BatchHits without its request id (the key).
  struct HeldHits {
    std::uint64_t id = 0;  // its record's id (BatchHits::id)
    std::vector<std::pair<std::string, std::uint64_t>> hits;
    std::uint64_t first = 0, last = 0;
    std::int64_t accepted_ms = 0;
  };

  explicit BatchLedger(std::int64_t retention_ms) : retention_ms_(retention_ms) {}

  // ---- Pending batches, made in acceptance order.
  void push_pending(PendingBatch p) { pending_.push_back(std::move(p)); }
  bool applying() const { return !pending_.empty(); }
  PendingBatch& front_pending() { return pending_.front(); }  // applying()
  void pop_pending() { pending_.pop_front(); }

  // ---- Request ids. A retry is a duplicate when its request id is known here (or names its
  // first entry's task by request id: the core's index).
  bool knows(const std::string& request_id) const { return batches_.count(request_id) || hits_.count(request_id); }
  // The seqs of the batch's entries, in entry order (accepted since start-up, or restored from
  // its batch record); nullptr when not held.
  const std::vector<std::uint64_t>* seqs_of(const std::string& request_id) const {
    auto it = batches_.find(request_id);
    return it == batches_.end() ? nullptr : &it->second;
  }
  const HeldHits* hits_of(const std::string& request_id) const {
    auto it = hits_.find(request_id);
    return it == hits_.end() ? nullptr : &it->second;
  }
  // A batch with a request id was accepted: its entries' seqs, its hit entries (key, seq), and
  // its new tasks' seqs first..last (0, 0 = none). Hits are kept (and handed to drain_new_hits)
  // when there are any.
  void accepted(const std::string& request_id, const std::vector<std::uint64_t>& seqs,
                std::vector<std::pair<std::string, std::uint64_t>> hits, std::uint64_t first, std::uint64_t last,
                std::int64_t accepted_ms);
  // A batch record with a request id was restored: its entries' seqs, and `live` of its new
  // tasks first..last held (none: its request id is gone already).
  void restored(const std::string& request_id, const std::vector<std::uint64_t>& seqs, std::uint64_t first,
                std::uint64_t last, std::size_t live);
  // A stored BatchHits, after the tasks: `live` of its new tasks are held (ignored when it has
  // none). A record whose new tasks all expired goes at once (drain_expired_hits), as does one
  // superseded by another of the same request id. now_wall_ms: the start of an old record's
  // retention (one stored without accepted_ms).
  void restore_hits(BatchHits hits, std::size_t live, std::int64_t now_wall_ms);

  // ---- Batch records.
  // The batch record of first..last holds `untouched` tasks (they have no record of their own).
  void record(std::uint64_t first, std::uint64_t last, std::size_t untouched) {
    records_[first] = BatchRecordRef{last, untouched};
  }
  // The batch record at `first` is not needed (drain_spent).
  void spend(std::uint64_t first) { spent_.push_back(first); }
  // Task seq, held by a batch record until now, got a record of its own. When it was the last
  // such task, the batch record is spent (drain_spent): returns its range, whose ended tasks it
  // retained.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> written_alone(std::uint64_t seq);
  // Task seq lies in a batch record still needed (which would make it again at a restart).
  bool in_record(std::uint64_t seq) const {
    auto b = records_.upper_bound(seq);
    return b != records_.begin() && seq <= std::prev(b)->second.last;
  }

  // ---- Expiry.
  // Task seq was removed: when it was the last task held of its batch's span, the batch's
  // request id goes (and its BatchHits: drain_expired_hits).
  void task_gone(std::uint64_t seq);
  // Removes the BatchHits (of batches without new tasks) due at now_wall_ms, at most `budget`;
  // returns how many.
  std::size_t expire_hits(std::int64_t now_wall_ms, std::size_t budget);
  // Hot standby: the leader deleted the BatchHits record `id`.
  void drop_hits(std::uint64_t id);

  // ---- Drains (once each), for this turn's commit.
  template <class Fn>
  void drain_spent(Fn&& fn) {
    for (auto first : spent_) fn(first);
    spent_.clear();
  }
  template <class Fn>
  void drain_new_hits(Fn&& fn) {
    for (auto& h : new_hits_) fn(h);
    new_hits_.clear();
  }
  template <class Fn>
  void drain_expired_hits(Fn&& fn) {
    for (auto id : expired_hits_) fn(id);
    expired_hits_.clear();
  }
  void discard_spent() { spent_.clear(); }
  void discard_expired_hits() { expired_hits_.clear(); }
  // Every BatchHits held, with its record's id.
  template <class Fn>
  void each_hits(Fn&& fn) const {
    for (const auto& [rid, h] : hits_) fn(BatchHits{h.id, rid, h.hits, h.first, h.last, h.accepted_ms});
  }

  // Checks the invariants above; `tasks` for those that need them (skipped while applying()).
  Status check_invariants(const TaskTable& tasks) const;

 private:
  // Batch records still needed, by their first seq: (last seq, tasks with no record of their own).
  struct BatchRecordRef {
    std::uint64_t last = 0;
    std::size_t untouched = 0;
  };
  // Batches with new tasks and a request id, by their first new seq: (last seq, request id, new
  // tasks still held).
  struct BatchSpan {
    std::uint64_t last = 0;
    std::string request_id;
    std::size_t live = 0;
  };
  // The request id goes: its entries' seqs and its BatchHits (drain_expired_hits).
  void drop_request(const std::string& request_id);

  std::int64_t retention_ms_;  // how long the BatchHits of a batch without new tasks is kept
  std::deque<PendingBatch> pending_;
  // Request id -> the seqs of its entries, in entry order. Their tasks are not in the core's
  // request index (one entry per batch, not per task), but for those restored from a record of
  // their own.
  std::unordered_map<std::string, std::vector<std::uint64_t>> batches_;
  // Batches with idempotent hits, since the store began (restored at start-up), by request id.
  std::unordered_map<std::string, HeldHits> hits_;
  std::uint64_t next_hits_id_ = 1;  // > the id of every BatchHits made or restored
  std::vector<BatchHits> new_hits_;  // not yet drained
  std::map<std::uint64_t, BatchRecordRef> records_;
  std::vector<std::uint64_t> spent_;  // first seqs of batch records no task needs; not yet drained
  std::map<std::uint64_t, BatchSpan> spans_;
  std::set<std::pair<std::int64_t, std::string>> hits_due_;  // BatchHits without new tasks: (wall ms due, request id)
  std::vector<std::uint64_t> expired_hits_;  // ids of BatchHits gone; not yet drained
};

}  // namespace orion::scheduler
