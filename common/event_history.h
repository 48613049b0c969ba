// The bounded history of a service's own events (docs/protocol.md section 16): each event as it
// went out on the bus (an EVENT body), numbered by its position in the history, with the changes
// to store since the last drain. The service decides where the bytes go (the scheduler: records
// of its Log, kind kEventHistoryKind; consensus: records of its state), so a restart or a new
// leader answers for the events of the process before it.
//
//   EventHistory history({100'000, 3'600'000});                 // count, age (ms)
//   history.hold(key, bytes);                                    // at a start, per stored chunk
//   std::string body = history.record(topic, epoch, seq, ts_ms, packed_data);  // a leader's event
//   history.drain([&](std::uint64_t key, std::string b) { batch.put(k(key), b); },
//                 [&](std::uint64_t key) { batch.erase(k(key)); });         // every turn
//   EventHistoryOk page = history.page(request);                // EVENT_HISTORY
//
// Stored in chunks: the events recorded between two drains (a turn's) are one record, keyed by
// the first one's position: [8-byte first position][4-byte length, EVENT body]..., big-endian.
// One row a turn rather than one an event: the history costs the scheduler's group commit
// little (bench: history_throughput_ratio).
//
// Retention keeps the newest `keep` events no older than `max_age_ms` before the newest one's
// ts_ms: record() drops the oldest beyond either, at most kDropSlice an event, so a lower bound
// at a start is worked off as events come; a stored chunk is deleted (drain) once none of its
// events is held. So the store holds at most one chunk more than is held in memory, and a
// restart may hold those events again until the next record() drops them. Only record() drops:
// replicas that record the same events hold the same ones.
//
// Lookups go through runs: maximal stretches of held events of one epoch with consecutive seqs
// (one per publisher process, more only if a process numbered events it never recorded), so
// finding (epoch, seq) is O(runs), and a page O(runs + 10 x limit). Memory: the events' bytes
// plus about 80 bytes an event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event_history_messages.h"
#include "common/event_history_options.h"

namespace orion {

class EventHistory {
 public:
  using Bounds = EventHistoryBounds;  // event_history_options.h
  static constexpr std::size_t kDropSlice = 10'000;  // excess events dropped per event at most
  static constexpr std::size_t kScanFactor = 10;     // a page looks at <= 10 x limit events

  EventHistory();
  explicit EventHistory(Bounds bounds);

  bool enabled() const { return bounds_.keep > 0; }
  const Bounds& bounds() const { return bounds_; }
  void set_bounds(Bounds bounds);

  // A stored chunk, in key order (a start, a follower applying the leader's records, a
  // snapshot). A chunk that does not read is skipped (false), and so is an event in it that does
  // not: it cannot be served.
  bool hold(std::uint64_t key, std::string_view bytes);
  // A stored chunk deleted by whoever wrote it: its events, and any older, leave (a follower
  // applies the leader's retention).
  void forget(std::uint64_t key);
  void clear();

  // The event as the history's next one; returns its EVENT body, to publish as is.
  std::string record(const std::string& topic, const std::string& publisher, std::uint64_t epoch,
                     std::uint64_t seq, std::int64_t ts_ms, std::string_view packed_data);
  // The new events as one chunk (put) and the chunks retention emptied (erase) since the last
  // call, in that order.
  void drain(const std::function<void(std::uint64_t key, std::string bytes)>& put,
             const std::function<void(std::uint64_t key)>& erase);
  // Every held event, as chunks, oldest first (a snapshot): the stored chunks as held now, under
  // their keys (replicas that applied the same records, the scheduler's, have the same); or,
  // with `group` > 0, chunks of the positions group x k .. group x (k + 1) - 1, keyed by the first
  // held (replicas that recorded the same events, consensus', then write the same bytes,
  // whenever each drained).
  void each(const std::function<void(std::uint64_t key, const std::string& bytes)>& fn, std::uint64_t group = 0) const;

  // EVENT_HISTORY: the events after (epoch, seq) that match the topics (section 16.1).
  EventHistoryOk page(const EventHistoryRequest& request) const;

  std::size_t size() const { return held_.size(); }
  std::uint64_t next_pos() const { return next_pos_; }

 private:
  struct Held {
    std::uint64_t pos = 0, epoch = 0, seq = 0;
    std::int64_t ts_ms = 0;
    std::string topic;
    std::string bytes;  // the EVENT body
  };
  struct Run {
    std::uint64_t epoch = 0, first_seq = 0, last_seq = 0;
    std::uint64_t first_abs = 0;  // absolute index of its first event: held_ index + base_
  };
  void push(Held h);
  void drop_front();
  std::size_t index_of(const Run& r, std::uint64_t seq) const;  // held_ index of (r.epoch, seq)

  Bounds bounds_;
  // Invariant: ordered by pos, consecutive; runs_ cover held_ exactly, in order.
  std::deque<Held> held_;
  std::deque<Run> runs_;
  std::uint64_t base_ = 0;         // events dropped from the front since the last clear()
  std::uint64_t next_pos_ = 1;     // > every pos held or stored
  struct Chunk {
    std::uint64_t key = 0, last_pos = 0;  // key: its first event's position when stored
  };
  std::string encode_chunk(std::size_t from, std::size_t to) const;  // held_[from, to)
  std::size_t index_of_pos(std::uint64_t pos) const;                // first held_ index >= pos
  std::deque<Chunk> chunks_;            // stored, in key order, each holding a held event
  std::uint64_t first_unsaved_ = 0;     // position of the first event recorded since the last drain; 0 = none
  std::vector<std::uint64_t> emptied_;  // keys of chunks retention emptied since the last drain
};

}  // namespace orion
