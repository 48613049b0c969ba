// The bounded history of a service's own events (docs/protocol.md section 16): each event as it
// went out on the bus (an EVENT body), numbered by its position in the history, with the changes
// to store since the last drain. The service decides where the bytes go (the scheduler: records
// of its Log, kind kEventHistoryKind keyed by position; consensus: records of its state), so a
// restart or a new leader answers for the events of the process before it.
//
//   EventHistory history({100'000, 3'600'000});                 // count, age (ms)
//   history.hold(pos, bytes);                                    // at a start, per stored record
//   std::string body = history.record(topic, epoch, seq, ts_ms, packed_data);  // a leader's event
//   history.drain([&](std::uint64_t pos, std::string b) { batch.put(key(pos), b); },
//                 [&](std::uint64_t pos) { batch.erase(key(pos)); });       // every turn
//   EventHistoryOk page = history.page(request);                // EVENT_HISTORY
//
// Retention keeps the newest `keep` events no older than `max_age_ms` before the newest one's
// ts_ms: record() drops the oldest beyond either (deletions come out of drain with the new
// events), at most kDropSlice an event, so a lower bound at a start is worked off as events come.
// Only record() drops: replicas that record the same events hold the same ones.
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

  // A stored event, in position order (a start, a follower applying the leader's records, a
  // snapshot). An event that does not read is skipped (false): it cannot be served.
  bool hold(std::uint64_t pos, std::string_view bytes);
  // Stored events deleted by whoever wrote them, up to `pos` (a follower applies retention).
  void forget(std::uint64_t pos);
  void clear();

  // The event as the history's next one; returns its EVENT body, to publish as is.
  std::string record(const std::string& topic, const std::string& publisher, std::uint64_t epoch,
                     std::uint64_t seq, std::int64_t ts_ms, std::string_view packed_data);
  // New events (put) and retention's deletions (erase) since the last call, in that order.
  void drain(const std::function<void(std::uint64_t pos, std::string bytes)>& put,
             const std::function<void(std::uint64_t pos)>& erase);
  // Every held event, oldest first (a snapshot).
  void each(const std::function<void(std::uint64_t pos, const std::string& bytes)>& fn) const;

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
  std::vector<std::uint64_t> unsaved_;  // positions recorded since the last drain
  std::vector<std::uint64_t> dropped_;  // positions dropped since the last drain
};

}  // namespace orion
