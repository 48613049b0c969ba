// Events from the buses and from the publishers' event histories (protocol.md sections 7 and
// 16), each event once, as `orionctl watch` prints them and the dashboard shows them: a replay from a point (--since) first, then the bus; a
// gap on the bus in a publisher's numbering is filled from its history, and what the history no
// longer holds is said plainly. Sockets stay outside: the fetch is given, so this is tested alone.
//
//   EventFollow f(topics, {{"scheduler", fetch_from_scheduler}});
//   f.since("scheduler", epoch, seq, out);    // replay (epoch 0: everything held)
//   f.heard(event, out);                      // each event from the bus
//   if (f.wants_fill()) f.fill(out);          // now and then (a gap was seen)
//   for (auto& line : out) print(line);
//
// Per publisher with a history it keeps a cursor (epoch, seq): every event of its up to there
// that matches the topics was printed. An event heard in order moves it on; one heard past a gap
// is printed and remembered, and fill() asks the history from the cursor, prints what was not
// printed, and moves the cursor to the last event the history looked at. Publishers without a
// history (the registry) print as heard, with a note on a gap.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/event_dedup.h"
#include "common/event_history_messages.h"
#include "common/messages.h"
#include "common/status.h"

namespace orion::sdk {

class EventFollow {
 public:
  using Fetch = std::function<Result<EventHistoryOk>(const EventHistoryRequest&)>;
  struct Out {
    bool is_note = false;
    Event event;       // !is_note
    std::string note;  // is_note: "restarted", "missed ...", without the leading "# "
  };
  static constexpr int kMaxPagesPerFill = 50;

  EventFollow(std::vector<std::string> topics, std::map<std::string, Fetch> histories);

  // Replays `publisher`'s history after (epoch, seq); epoch 0: everything it holds. An error
  // (the service does not answer) comes back; nothing is printed for it.
  Status since(const std::string& publisher, std::uint64_t epoch, std::uint64_t seq, std::vector<Out>& out);
  void heard(Event ev, std::vector<Out>& out);
  bool wants_fill() const;
  // Fills every gap seen; a publisher whose history does not answer keeps its gap for next time.
  void fill(std::vector<Out>& out);

  // The cursor of a publisher with a history: (0, 0) before its first event.
  std::pair<std::uint64_t, std::uint64_t> cursor(const std::string& publisher) const;

 private:
  struct Stream {
    bool known = false;
    std::uint64_t epoch = 0, seq = 0;                          // the cursor
    std::set<std::pair<std::uint64_t, std::uint64_t>> ahead;  // printed past the cursor
    bool gap = false;
  };
  Status read_history(const std::string& publisher, Stream& s, std::vector<Out>& out);
  bool matches(const std::string& topic) const;

  std::vector<std::string> topics_;
  std::map<std::string, Fetch> histories_;
  std::map<std::string, Stream> streams_;
  EventDedup dedup_;  // copies from several buses, and bus copies of events a history printed
};

}  // namespace orion::sdk
