#include "sdk/cpp/event_follow.h"

namespace orion::sdk {

EventFollow::EventFollow(std::vector<std::string> topics, std::map<std::string, Fetch> histories)
    : topics_(std::move(topics)), histories_(std::move(histories)) {}

bool EventFollow::matches(const std::string& topic) const {
  if (topics_.empty()) return true;
  for (const auto& t : topics_) {
    if (topic.compare(0, t.size(), t) == 0) return true;
  }
  return false;
}

std::pair<std::uint64_t, std::uint64_t> EventFollow::cursor(const std::string& publisher) const {
  auto it = streams_.find(publisher);
  if (it == streams_.end() || !it->second.known) return {0, 0};
  return {it->second.epoch, it->second.seq};
}

Status EventFollow::since(const std::string& publisher, std::uint64_t epoch, std::uint64_t seq, std::vector<Out>& out) {
  if (!histories_.count(publisher)) {
    return Error{ErrorCode::INVALID_ARGUMENT, "no event history is kept by '" + publisher + "' (scheduler keeps one)"};
  }
  Stream& s = streams_[publisher];
  s.known = true;
  s.epoch = epoch;
  s.seq = seq;
  s.gap = true;
  return read_history(publisher, s, out);
}

Status EventFollow::read_history(const std::string& publisher, Stream& s, std::vector<Out>& out) {
  EventHistoryRequest q;
  q.topics = topics_;
  q.limit = static_cast<std::int64_t>(kMaxEventPage);
  for (int page = 0; page < kMaxPagesPerFill; ++page) {
    q.epoch = static_cast<std::int64_t>(s.epoch);
    q.seq = static_cast<std::int64_t>(s.seq);
    auto r = histories_.at(publisher)(q);
    if (!r) return r.error();
    if (!r->enabled) {
      out.push_back({true, {}, publisher + " keeps no event history: missed events cannot be recovered"});
      s.gap = false;
      s.ahead.clear();
      return {};
    }
    if (page == 0 && !r->complete) {
      std::string what = r->missed > 0 ? std::to_string(r->missed) + " events" : "events";
      out.push_back({true, {}, "missed: " + what + " of " + publisher + " after " + std::to_string(s.epoch) + ":" +
                                   std::to_string(s.seq) + " are no longer held; re-read the state you need"});
    }
    if (r->events.is_array()) {
      for (const auto& body : r->events) {
        auto ev = Event::from_body(body);
        if (!ev) continue;
        const auto id = std::make_pair(ev->epoch, ev->seq);
        dedup_.accept(ev->publisher, ev->epoch, ev->seq);  // a bus copy still in flight is not printed again
        if (s.ahead.erase(id) > 0) continue;               // printed when heard
        out.push_back({false, std::move(*ev), {}});
      }
    }
    s.epoch = static_cast<std::uint64_t>(r->next_epoch);
    s.seq = static_cast<std::uint64_t>(r->next_seq);
    if (!r->more) {
      // Every event published up to the cursor was looked at, and those heard are older.
      s.ahead.clear();
      s.gap = false;
      return {};
    }
  }
  return {};  // more to read: the next fill goes on
}

void EventFollow::heard(Event ev, std::vector<Out>& out) {
  auto verdict = dedup_.accept(ev.publisher, ev.epoch, ev.seq);
  if (!verdict.fresh) return;
  if (!histories_.count(ev.publisher) || ev.epoch == 0) {
    if (verdict.restarted) out.push_back({true, {}, ev.publisher + " restarted (new epoch)"});
    if (verdict.missed > 0) {
      out.push_back({true, {}, "gap: missed " + std::to_string(verdict.missed) + " events from " + ev.publisher});
    }
    out.push_back({false, std::move(ev), {}});
    return;
  }
  Stream& s = streams_[ev.publisher];
  if (!s.known) {
    s.known = true;
    s.epoch = ev.epoch;
    s.seq = ev.seq;
  } else if (!s.gap && ev.epoch == s.epoch && ev.seq == s.seq + 1) {
    s.seq = ev.seq;
  } else if (ev.epoch == s.epoch && ev.seq <= s.seq) {
    return;  // the history printed it already
  } else {
    // Past a gap (other topics' events, lost events, or a restart): printed now, the rest filled.
    s.ahead.insert({ev.epoch, ev.seq});
    s.gap = true;
  }
  out.push_back({false, std::move(ev), {}});
}

bool EventFollow::wants_fill() const {
  for (const auto& [p, s] : streams_) {
    if (s.gap) return true;
  }
  return false;
}

void EventFollow::fill(std::vector<Out>& out) {
  for (auto& [publisher, s] : streams_) {
    if (s.gap) (void)read_history(publisher, s, out);  // not answering: the gap stays, tried again
  }
}

}  // namespace orion::sdk
