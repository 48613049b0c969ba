// What a replicated scheduler writes to its Raft log (common/raft_log.h): one entry per loop
// turn of the leader, holding every record that turn changed (the same LogBatch the single
// replica commits to SQLite), and one HELLO entry per new leader. Followers apply the records
// to their SchedulerCore as they commit (hot standby, scheduler_core.h); the leader, whose
// core is already ahead, only learns from its own entry's return that the turn is durable.
//
//   entry   = "OS" | u8 kind | u64 origin | u64 number | payload        (little endian)
//   RECORDS : u32 count | count x (u64 key | u32 n | record (n bytes; 0 = delete the key))
//   HELLO   : u64 replica id | u32 n | client endpoint | u32 n | agent endpoint
//
// `origin` names the process that wrote the entry (random per start), `number` counts its
// entries, so a leader tells its own entries from those of earlier leaders (or of itself
// before a restart). A snapshot's state is a RECORDS entry holding every record, after one
// HELLO entry per known replica, framed with encode_snapshot_state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/log_store.h"
#include "common/status.h"

namespace orion::scheduler {

// Where a replica serves, as it told in its HELLO: followers name the leader with it.
struct ReplicaAddress {
  std::uint64_t id = 0;
  std::string client, agent;
};

struct ReplicaEntry {
  enum Kind : std::uint8_t { RECORDS = 1, HELLO = 2 };
  Kind kind = RECORDS;
  std::uint64_t origin = 0, number = 0;
  LogBatch records;       // RECORDS
  ReplicaAddress hello;   // HELLO
};

std::string encode_replica_entry(const ReplicaEntry& entry);
// INTERNAL for bytes that are not an entry (lengths that do not fit, an unknown kind):
// every replica refuses the same entry alike.
Result<ReplicaEntry> decode_replica_entry(std::string_view bytes);
// The header alone: kind, origin and number, neither records nor HELLO fields (an entry of
// the leader's own turn is read only this far: its core has the records already).
Result<ReplicaEntry> decode_replica_header(std::string_view bytes);

// A snapshot's state: the entries, in order, framed (u32 count | count x (u32 n | entry)).
std::string encode_snapshot_state(const std::vector<std::string>& entries);
// Views into `bytes`, which must outlive them.
Result<std::vector<std::string_view>> decode_snapshot_state(std::string_view bytes);

// Writes a snapshot's state straight into one buffer, record by record: the bytes of
// encode_snapshot_state over encode_replica_entry, without a LogBatch of every record and two
// more copies of the whole state in between (a million tasks are hundreds of MB).
//
//   SnapshotStateWriter w(2);          // the number of entries
//   w.entry(hello);                    // a whole entry
//   w.begin_records();                 // then one RECORDS entry, record by record
//   w.record(key, bytes); ...
//   std::string state = w.finish();
class SnapshotStateWriter {
 public:
  explicit SnapshotStateWriter(std::uint32_t entries, std::size_t reserve = 0);
  void entry(const ReplicaEntry& e);
  void begin_records(std::uint64_t origin = 0, std::uint64_t number = 0);
  void record(std::uint64_t key, std::string_view bytes);
  // Closes the open RECORDS entry, if any; INTERNAL when fewer or more entries were written
  // than announced, or an entry outgrew its u32 length.
  Result<std::string> finish();

 private:
  void end_records();
  std::string out_;
  std::uint32_t announced_, written_ = 0;
  std::size_t records_at_ = 0;  // where the open RECORDS entry's u32 length is; 0: none open
  std::uint64_t record_count_ = 0;
  bool overflow_ = false;
};

}  // namespace orion::scheduler
