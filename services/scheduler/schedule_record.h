// One schedule as the scheduler stores it (protocol.md section 17): a record of kind
// kScheduleRecordKind in the scheduler's Log, keyed log_key(kind, seq), written in the same
// batch (one SQLite transaction, one Raft entry) as the task or workflow a firing made. msgpack
// {"q": the SCHEDULE_CREATE's request id, "v": the ScheduleView}. The record of id 0 holds the
// next seq, so a generated id ("s<seq>") is never handed out twice, also across restarts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/schedule_messages.h"

namespace orion::scheduler {

// tasks 0, workflows 1, batches 2, hits 3, the retention mark 4, audit 5, agent holders 6,
// the event history 7; 8 and 9 left free.
inline constexpr std::uint8_t kScheduleRecordKind = 10;

struct ScheduleRecord {
  std::uint64_t seq = 0;   // > 0; the record's key, whatever its id
  std::string request_id;  // of the SCHEDULE_CREATE (a retry is answered from the first)
  ScheduleView view;       // the spec as created, and the state
};

std::string encode_schedule_record(const ScheduleRecord& record);
// INTERNAL on a record that does not decode (a corrupt store).
Result<ScheduleRecord> decode_schedule_record(std::uint64_t seq, std::string_view bytes);

std::string encode_schedule_counter(std::uint64_t next_seq);
Result<std::uint64_t> decode_schedule_counter(std::string_view bytes);

}  // namespace orion::scheduler
