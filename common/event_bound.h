// Bounds on events, so a subscriber that stops reading costs its bus a bounded number of bytes:
// the bus queues at most kBusQueueEvents events per subscriber (XPUB high-water mark) and
// forwards none larger than kMaxEventBytes, so one stalled subscriber holds at most
// kBusQueueEvents x kMaxEventBytes (256 MiB; about 1.2 MiB with events of a usual 300 bytes).
//
// Publishers keep their events under the bound by truncating the data, with a marker:
//
//   std::string data = bounded_event_data(std::move(packed));   // unchanged when it fits
//   // over kMaxEventDataBytes: its largest fields are left out, named in "truncated":
//   //   {"task_id": "t42", "state": 4, "truncated": ["output"]}
//
// An event is news (DESIGN.md principle 1): a subscriber that sees "truncated" re-reads the
// object with a command (GET_TASK, LIST_AGENTS) for the full value.
#pragma once

#include <cstddef>
#include <string>

#include "common/codec.h"

namespace orion {

inline constexpr std::size_t kMaxEventBytes = 64u << 10;      // one EVENT message, all frames
inline constexpr std::size_t kMaxEventDataBytes = 60u << 10;  // its `data` map, encoded
inline constexpr int kBusQueueEvents = 4'096;                 // per subscriber, at the bus

// `packed` (an encoded data map) as is when it is at most kMaxEventDataBytes; otherwise the
// map without its largest fields, largest first, until it fits, plus "truncated": [their names]
// (or {"truncated": true} when that cannot fit, or the data is not a map).
std::string bounded_event_data(std::string packed);
// The same for a data value not yet encoded; encodes only when it could be over the bound.
Json bounded_event_data(Json data);

}  // namespace orion
