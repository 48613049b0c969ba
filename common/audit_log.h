// The audit log a service keeps: the records of its hash chain (audit_chain.h) that retention
// keeps, held in memory as they are stored (encoded), with the changes to store since the last
// drain. The service decides where the bytes go (the scheduler: records of its Log, kind
// kAuditRecordKind; consensus: records of its state), so every replica holds the same chain.
//
//   AuditLog audit(1'000'000);                                   // keeps the newest million
//   audit.hold(seq, bytes);                                      // at a start, per stored record
//   audit.record({clock.wall_ms(), principal, "submit", "t7", "OK", "type=echo"});   // a leader
//   audit.drain([&](std::uint64_t seq, std::string b) { batch.put(key(seq), b); },
//               [&](std::uint64_t seq) { batch.erase(key(seq)); });               // every turn
//   AuditListOk page = audit.list(request);                      // AUDIT_LIST (protocol.md 15)
//
// The chain goes on from the newest record held (a start, a follower promoted), read when the
// first record is made. Times never go back: a record's time_ms is at least its predecessor's,
// so a listing from a time is a binary search.
//
// Retention keeps the newest `keep` records: record() drops the oldest beyond it (deletions
// come out of drain with the new records), at most kDropSlice a record, so a lower `keep` at a
// start is worked off as records come. Only record() drops: replicas that record the same
// events hold the same records. Memory: about 200 bytes a record (1,000,000: about 200 MB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/audit_chain.h"
#include "common/audit_messages.h"

namespace orion {

class AuditLog {
 public:
  static constexpr std::size_t kDefaultKeep = 1'000'000;  // records
  static constexpr std::size_t kDropSlice = 10'000;       // excess records dropped per record at most

  explicit AuditLog(std::size_t keep = kDefaultKeep) : keep_(keep < 1 ? 1 : keep) {}

  // A stored record, oldest first (a start, a follower applying the leader's records, a
  // snapshot); seq is its key. Held as is: a record that does not decode is served as one.
  void hold(std::uint64_t seq, std::string bytes);
  // A stored record deleted by whoever wrote it (a follower applies the leader's retention).
  void forget(std::uint64_t seq);
  void clear();
  // The event as the next record of the chain, stored by the next drain; returns its seq.
  std::uint64_t record(AuditEvent event);
  // New records (put) and retention's deletions (erase) since the last call, in that order.
  void drain(const std::function<void(std::uint64_t seq, std::string bytes)>& put,
             const std::function<void(std::uint64_t seq)>& erase);
  // Every held record, oldest first (a snapshot).
  void each(const std::function<void(std::uint64_t seq, const std::string& bytes)>& fn) const;

  // AUDIT_LIST: at most request.limit records from the first with seq >= from_seq and time >=
  // since_ms. O(log n + limit).
  AuditListOk list(const AuditList& request) const;

  std::size_t size() const { return held_.size(); }
  std::size_t keep() const { return keep_; }
  void set_keep(std::size_t keep) { keep_ = keep < 1 ? 1 : keep; }
  // The seq the next record gets.
  std::uint64_t next_seq();

 private:
  void ensure_chain();
  std::size_t keep_;
  // (seq, encoded record), by seq. Invariant: at most keep_ + the records not yet drained and
  // the excess still to drop.
  std::deque<std::pair<std::uint64_t, std::string>> held_;
  std::optional<AuditChain> chain_;  // nullopt: read from held_.back() at the next record()
  std::int64_t last_time_ms_ = 0;
  std::vector<std::uint64_t> unsaved_;  // seqs recorded since the last drain
  std::vector<std::uint64_t> dropped_;  // seqs dropped since the last drain
};

// A stored record as served (hashes in hex); one that does not decode is served with its seq,
// empty hashes and why in its detail, so that verification finds it.
AuditEntry audit_entry(std::uint64_t seq, std::string_view bytes);
AuditEntry audit_entry(const AuditRecord& r);
// The record an entry shows, for verify_audit_chain (a hash that is not 64 hex digits is kept
// as given: it then matches nothing).
AuditRecord audit_record(const AuditEntry& e);

// Refusals recorded at most `per_second` a second (a principal with a key could otherwise push
// older records out of retention with a flood of refused requests); the others are counted,
// and the count is recorded once the second is over (summary()).
class RefusalBudget {
 public:
  explicit RefusalBudget(int per_second = 100) : per_second_(per_second) {}
  // True when a refusal at now_ms (monotonic) may be recorded.
  bool admit(std::int64_t now_ms);
  // After the second of a suppressed refusal: how many were not recorded (then reset); 0 otherwise.
  std::uint64_t summary(std::int64_t now_ms);

 private:
  int per_second_;
  std::int64_t window_ms_ = -1000;
  int in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace orion
