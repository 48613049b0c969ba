#include "common/event_dedup.h"

#include <cstring>

namespace orion {

EventDedup::Verdict EventDedup::accept(std::string_view publisher, std::uint64_t epoch, std::uint64_t seq) {
  Verdict v;
  if (epoch == 0 || seq == 0) {
    v.fresh = true;
    return v;
  }
  std::string key(publisher);
  key.push_back('\0');
  char bytes[sizeof epoch];
  std::memcpy(bytes, &epoch, sizeof epoch);
  key.append(bytes, sizeof bytes);
  ++tick_;
  auto it = streams_.find(key);
  if (it == streams_.end()) {
    // A new stream: a restart when this publisher was heard under another epoch. O(streams),
    // once per stream.
    for (const auto& [k, s] : streams_) {
      if (s.publisher == publisher) {
        v.restarted = true;
        break;
      }
    }
    if (streams_.size() >= kMaxStreams) evict_oldest();
    Stream s;
    s.publisher = std::string(publisher);
    s.highest = seq;
    s.set(seq);
    s.last_used = tick_;
    streams_.emplace(std::move(key), std::move(s));
    v.fresh = true;
    return v;
  }
  Stream& s = it->second;
  s.last_used = tick_;
  if (seq > s.highest) {
    v.missed = seq - s.highest - 1;
    if (seq - s.highest >= kWindow) {
      s.seen.fill(0);
    } else {
      for (std::uint64_t n = s.highest + 1; n < seq; ++n) s.clear(n);
    }
    s.highest = seq;
    s.set(seq);
    v.fresh = true;
    return v;
  }
  if (s.highest - seq >= kWindow || s.test(seq)) return v;  // heard, or too old to tell
  s.set(seq);  // a late one (its copy on the faster bus was lost): still news
  v.fresh = true;
  return v;
}

void EventDedup::evict_oldest() {
  auto oldest = streams_.begin();
  for (auto it = streams_.begin(); it != streams_.end(); ++it) {
    if (it->second.last_used < oldest->second.last_used) oldest = it;
  }
  if (oldest != streams_.end()) streams_.erase(oldest);
}

}  // namespace orion
