// The audit log's records as a hash chain: each record holds the hash of the one before it, so
// a changed, removed, inserted or reordered record breaks the chain at that record, and
// verify_audit_chain names the first bad one. Hashes are BLAKE2b-256 (libsodium) over the
// record's canonical bytes (its fields in a fixed order, each length-prefixed).
//
//   AuditChain chain;                                   // or AuditChain(last_kept) after a restart
//   AuditRecord r = chain.append({now_ms, "ci", "submit", "t42", "OK", "type=compile"});
//   store(encode_audit_record(r));                      // through the service's Log
//   ...
//   auto bad = verify_audit_chain(records);             // nullopt: intact
//   if (bad) std::cout << bad->seq << ": " << bad->why;
//
// Retention may drop the oldest records: a chain then starts at its first kept record, whose
// prev_hash is the hash of the record dropped before it (kept in the record, not checkable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orion {

inline constexpr std::size_t kAuditHashBytes = 32;
inline constexpr std::size_t kMaxAuditField = 1024;  // longer fields are cut with a marker

struct AuditEvent {
  std::int64_t time_ms = 0;  // wall clock
  std::string principal;     // authenticated; "" for a connection without CURVE
  std::string action;        // "submit", "cancel", "register", "vote", "policy_reload", ...
  std::string target;        // task, workflow, agent or proposal id
  std::string outcome;       // "OK" or an error code's name
  std::string detail;        // a short note
};

struct AuditRecord {
  std::uint64_t seq = 0;  // 1, 2, ... with no gap
  AuditEvent event;
  std::string prev_hash;  // kAuditHashBytes; all zero before the first record ever
  std::string hash;       // of this record, prev_hash included
};

// The record's hash, from its seq, event and prev_hash.
std::string audit_hash(const AuditRecord& r);

class AuditChain {
 public:
  AuditChain() = default;
  // Continues after `last` (the newest stored record, restored at a start).
  explicit AuditChain(const AuditRecord& last) : next_seq_(last.seq + 1), head_(last.hash) {}
  // The event as the next record: numbered, chained, hashed; long fields cut.
  AuditRecord append(AuditEvent event);
  std::uint64_t next_seq() const { return next_seq_; }

 private:
  std::uint64_t next_seq_ = 1;
  std::string head_ = std::string(kAuditHashBytes, '\0');
};

std::string encode_audit_record(const AuditRecord& r);
// INTERNAL for bytes that are not a record (bounded like every decoder).
Result<AuditRecord> decode_audit_record(std::string_view bytes);

struct AuditBreak {
  std::size_t index = 0;  // position in the list given
  std::uint64_t seq = 0;  // the record's own seq
  std::string why;
};
// Checks records in stored order: each hash is its record's, each prev_hash the hash of the one
// before it, seqs consecutive. The first record's prev_hash is taken as given (retention).
std::optional<AuditBreak> verify_audit_chain(const std::vector<AuditRecord>& records);

}  // namespace orion
