// The Log: where a service's state changes become durable. A service applies commands to its
// in-memory state machine in order; every record that a turn of its loop changed goes into one
// LogBatch, appended all or nothing. Records are keyed: a later record for a key supersedes
// the earlier one, so the log is compacted as it is written and replay yields current state.
//
//   auto log = SqliteLogStore::open("data/scheduler/state.db");   // the embedded backend
//   (*log)->replay([&](std::uint64_t key, std::string_view rec) { ...; return Status(); });
//   LogBatch b; b.put(42, bytes);
//   (*log)->append(b);                                             // one transaction, one fsync
//
// Record kinds: a store may hold several kinds of record (the scheduler: tasks and workflows).
// The kind is the key's top byte, log_key(kind, id): kind 0 keys are plain ids, so a store
// written before kinds existed reads as all kind 0, and replay (in key order) yields every
// record of kind 0 before any of kind 1.
//
// Backends: SqliteLogStore (SQLite in WAL mode, synchronous=FULL: the embedded default). A
// replicated backend (Raft) implements the same interface by replicating each batch as one
// entry before applying it to its SQLite state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace orion {

inline constexpr std::uint64_t kLogKindShift = 56;  // ids below 2^56 per kind
constexpr std::uint64_t log_key(std::uint8_t kind, std::uint64_t id) {
  return (static_cast<std::uint64_t>(kind) << kLogKindShift) | id;
}
constexpr std::uint8_t log_kind(std::uint64_t key) { return static_cast<std::uint8_t>(key >> kLogKindShift); }
constexpr std::uint64_t log_id(std::uint64_t key) { return key & ((std::uint64_t{1} << kLogKindShift) - 1); }

struct LogBatch {
  std::vector<std::pair<std::uint64_t, std::string>> records;
  // A record is never empty: an empty one in a batch is the deletion of its key (erase).
  void put(std::uint64_t key, std::string record) { records.emplace_back(key, std::move(record)); }
  void erase(std::uint64_t key) { records.emplace_back(key, std::string()); }
  bool empty() const { return records.empty(); }
  // Appends `other`'s records after this batch's (so they win for a key in both).
  void merge(LogBatch&& other);
  // Drops every record that a later record of the same key supersedes (after merges: a task
  // changed in several turns is written once). Keeps the order of the survivors.
  void compact();
};

class LogStore {
 public:
  virtual ~LogStore() = default;
  // Calls fn for the current record of every key, in key order; stops at fn's first error.
  virtual Status replay(const std::function<Status(std::uint64_t key, std::string_view record)>& fn) = 0;
  // Makes every record of the batch durable, all or nothing (an empty record deletes its key).
  virtual Status append(const LogBatch& batch) = 0;
  // Upkeep a backend may do after an append was reported durable, off the acknowledgement's
  // path (SQLite: copying the WAL back into the database file). Called on the appending thread.
  virtual void maintain() {}
};

class SqliteLogStore final : public LogStore {
 public:
  // Opens or creates the file (its directory must exist). A file of schema version 3 (before
  // record kinds) is migrated in place: its records are all kind 0 as they stand, so only the
  // version changes, in one transaction. A file of any other version is refused with
  // FAILED_PRECONDITION rather than misread (an older build refuses a version 4 file, which
  // may hold kinds it does not know).
  static Result<std::unique_ptr<SqliteLogStore>> open(const std::string& path);
  ~SqliteLogStore() override;

  Status replay(const std::function<Status(std::uint64_t key, std::string_view record)>& fn) override;
  Status append(const LogBatch& batch) override;
  // A passive checkpoint once the WAL holds kCheckpointBytes or more.
  void maintain() override;

  static constexpr std::int64_t kPageBytes = 16384;               // page size of a new file
  static constexpr std::int64_t kCheckpointBytes = 4 << 20;       // WAL size that triggers a checkpoint

 private:
  SqliteLogStore() = default;
  Status exec(const char* sql);
  Error sql_error(const char* what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  int wal_pages_ = 0;        // frames in the WAL after the last commit (from the WAL hook)
  std::int64_t page_bytes_ = 4096;  // this file's page size
};

}  // namespace orion
