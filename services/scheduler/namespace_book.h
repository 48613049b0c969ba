// NamespaceBook: the namespace settings requests of the scheduler's client API (protocol.md
// section 19) and their records. The settings themselves live in the core
// (SchedulerCore::set_namespace: the fair share weight dispatch uses, the on_exhausted default);
// this book answers SET_NAMESPACE, LIST_NAMESPACES and DELETE_NAMESPACE on the serving leader,
// and writes each change as a record of kind kNamespaceRecordKind, which load_store,
// apply_replica_records and replica_snapshot carry (ServiceLogs), so a restart or a new leader
// holds the same settings.
//
//   NamespaceBook book(core);
//   Envelope reply = book.handle(request);           // NAMESPACE_OK, NAMESPACE_LIST or ERROR
//   book.drain_dirty([&](std::uint64_t key, std::string rec) { rec.empty() ? batch.erase(key) : batch.put(key, rec); });
//
// A record: log_key(kNamespaceRecordKind, seq), msgpack {"n": name, "w": weight, "p": park};
// empty bytes delete it (DELETE_NAMESPACE). Each configured namespace has one seq.
// Invariants (check_invariants): by_name_ and by_seq_ index each other exactly, and name exactly
// the namespaces the core holds settings for.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/envelope.h"
#include "common/log_store.h"
#include "common/namespace_messages.h"

namespace orion::scheduler {

class SchedulerCore;

// tasks 0, workflows 1, batches 2, hits 3, the retention mark 4, audit 5, agent holders 6,
// the event history 7, schedules 10; 11 left free.
inline constexpr std::uint8_t kNamespaceRecordKind = 12;
inline constexpr std::size_t kMaxNamespacesConfigured = 10'000;

class NamespaceBook {
 public:
  explicit NamespaceBook(SchedulerCore& core) : core_(core) {}
  NamespaceBook(const NamespaceBook&) = delete;
  NamespaceBook& operator=(const NamespaceBook&) = delete;

  // Answers SET_NAMESPACE, LIST_NAMESPACES or DELETE_NAMESPACE: the reply, or an ERROR envelope.
  Envelope handle(const Envelope& request);

  // INVALID_ARGUMENT (a bad name or weight), FAILED_PRECONDITION (kMaxNamespacesConfigured set).
  Result<NamespaceOk> set(const SetNamespace& request);
  NamespaceList list() const;
  // Back to the defaults (weight 1, fail); a namespace never set answers its view unchanged.
  Result<NamespaceOk> remove(const std::string& ns);

  // Every namespace changed since the last call, once each, as (log key, record); a deleted
  // one as (log key, "").
  template <class Fn>
  void drain_dirty(Fn&& fn) {
    for (auto seq : dirty_) {
      auto it = by_seq_.find(seq);
      fn(log_key(kNamespaceRecordKind, seq), it == by_seq_.end() ? std::string() : encode(it->second));
    }
    dirty_.clear();
  }
  // Every record held (a snapshot's).
  template <class Fn>
  void each_record(Fn&& fn) const {
    for (const auto& [seq, ns] : by_seq_) fn(log_key(kNamespaceRecordKind, seq), encode(ns));
  }
  // Start-up and hot standby: a record as stored, replacing the one held; empty bytes delete it.
  // INTERNAL when it does not decode.
  Status apply_record(std::uint64_t seq, std::string_view bytes);

  std::size_t size() const { return by_seq_.size(); }
  Status check_invariants() const;

 private:
  std::string encode(const std::string& ns) const;
  void forget(std::uint64_t seq);

  SchedulerCore& core_;
  std::map<std::string, std::uint64_t> by_name_;  // configured namespace -> its record's seq
  std::map<std::uint64_t, std::string> by_seq_;
  std::set<std::uint64_t> dirty_;  // changed or deleted since the last drain
  std::uint64_t next_seq_ = 1;     // Invariant: > every seq held
};

}  // namespace orion::scheduler
