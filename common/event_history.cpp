#include "common/event_history.h"

#include <algorithm>

#include "common/codec.h"
#include "common/messages.h"
#include "common/task_pack.h"

namespace orion {

EventHistory::EventHistory() : EventHistory(Bounds{}) {}

EventHistory::EventHistory(Bounds bounds) { set_bounds(bounds); }

void EventHistory::set_bounds(Bounds bounds) {
  bounds.max_age_ms = std::max<std::int64_t>(bounds.max_age_ms, 1);
  bounds_ = bounds;
}

void EventHistory::push(Held h) {
  if (!runs_.empty() && runs_.back().epoch == h.epoch && h.seq == runs_.back().last_seq + 1) {
    runs_.back().last_seq = h.seq;
  } else {
    runs_.push_back(Run{h.epoch, h.seq, h.seq, base_ + held_.size()});
  }
  next_pos_ = std::max(next_pos_, h.pos + 1);
  held_.push_back(std::move(h));
}

void EventHistory::drop_front() {
  held_.pop_front();
  ++base_;
  Run& r = runs_.front();
  if (r.first_seq == r.last_seq) {
    runs_.pop_front();
  } else {
    ++r.first_seq;
    ++r.first_abs;
  }
}

std::size_t EventHistory::index_of(const Run& r, std::uint64_t seq) const {
  return static_cast<std::size_t>(r.first_abs + (seq - r.first_seq) - base_);
}

bool EventHistory::hold(std::uint64_t pos, std::string_view bytes) {
  auto value = decode_value(bytes.data(), bytes.size());
  if (!value) return false;
  auto ev = Event::from_body(*value);
  if (!ev) return false;
  if (!held_.empty() && pos <= held_.back().pos) return false;  // out of order: not ours
  push(Held{pos, ev->epoch, ev->seq, ev->ts_ms, std::move(ev->topic), std::string(bytes)});
  return true;
}

void EventHistory::forget(std::uint64_t pos) {
  while (!held_.empty() && held_.front().pos <= pos) drop_front();
}

void EventHistory::clear() {
  held_.clear();
  runs_.clear();
  base_ = 0;
  unsaved_.clear();
  dropped_.clear();
}

std::string EventHistory::record(const std::string& topic, const std::string& publisher, std::uint64_t epoch,
                                 std::uint64_t seq, std::int64_t ts_ms, std::string_view packed_data) {
  std::string body = pack_event(topic, publisher, epoch, seq, ts_ms, packed_data);
  if (!enabled()) return body;
  const std::uint64_t pos = next_pos_;
  push(Held{pos, epoch, seq, ts_ms, topic, body});
  unsaved_.push_back(pos);
  // Retention: here and nowhere else, so replicas recording the same events drop the same ones.
  const std::int64_t oldest_kept = ts_ms - bounds_.max_age_ms;
  for (std::size_t i = 0; i < kDropSlice && held_.size() > 1 &&
                          (held_.size() > bounds_.keep || held_.front().ts_ms < oldest_kept);
       ++i) {
    dropped_.push_back(held_.front().pos);
    drop_front();
  }
  return body;
}

void EventHistory::drain(const std::function<void(std::uint64_t, std::string)>& put,
                         const std::function<void(std::uint64_t)>& erase) {
  if (!unsaved_.empty()) {
    // The unsaved events are the newest: the tail of held_ (those dropped already are skipped).
    auto it = std::lower_bound(held_.begin(), held_.end(), unsaved_.front(),
                               [](const Held& h, std::uint64_t p) { return h.pos < p; });
    for (; it != held_.end(); ++it) put(it->pos, it->bytes);
    unsaved_.clear();
  }
  for (std::uint64_t pos : dropped_) erase(pos);
  dropped_.clear();
}

void EventHistory::each(const std::function<void(std::uint64_t, const std::string&)>& fn) const {
  for (const auto& h : held_) fn(h.pos, h.bytes);
}

namespace {

bool matches(const std::vector<std::string>& topics, const std::string& topic) {
  if (topics.empty()) return true;
  for (const auto& t : topics) {
    if (topic.compare(0, t.size(), t) == 0) return true;
  }
  return false;
}

}  // namespace

EventHistoryOk EventHistory::page(const EventHistoryRequest& request) const {
  EventHistoryOk out;
  out.enabled = enabled();
  out.held = static_cast<std::int64_t>(held_.size());
  out.events = Json::array();
  out.next_epoch = request.epoch;
  out.next_seq = request.seq;
  if (held_.empty()) return out;
  // Where the answer starts (section 16.1).
  std::size_t start = 0;
  const auto epoch = static_cast<std::uint64_t>(request.epoch), seq = static_cast<std::uint64_t>(request.seq);
  if (epoch == 0) {
    out.complete = held_.front().pos == 1;  // nothing was ever dropped
  } else {
    bool found = false, after_run = false;
    for (const Run& r : runs_) {
      if (r.epoch != epoch) continue;
      if (seq >= r.first_seq && seq <= r.last_seq) {
        start = index_of(r, seq) + 1;
        out.complete = true;
        found = true;
        break;
      }
      if (seq < r.first_seq) {
        start = index_of(r, r.first_seq);
        out.complete = r.first_seq == seq + 1;
        if (!out.complete && !after_run) out.missed = static_cast<std::int64_t>(r.first_seq - seq - 1);
        found = true;
        break;
      }
      start = index_of(r, r.last_seq) + 1;  // the client is past this run: what follows it
      after_run = true;
    }
    if (!found && after_run) out.complete = true;
    if (!found && !after_run) out.complete = false;  // an epoch not held: from the oldest
  }
  // The page: at most limit matches, kScanFactor x limit looked at, MAX_EVENT_PAGE_BYTES encoded.
  const auto limit = static_cast<std::size_t>(std::clamp<std::int64_t>(request.limit, 1, static_cast<std::int64_t>(kMaxEventPage)));
  const std::size_t scan_end = std::min(held_.size(), start + kScanFactor * limit);
  std::size_t bytes = 0, i = start, matched = 0;
  for (; i < scan_end && matched < limit; ++i) {
    const Held& h = held_[i];
    if (!matches(request.topics, h.topic)) continue;
    if (bytes + h.bytes.size() > kMaxEventPageBytes) break;
    auto value = decode_value(h.bytes.data(), h.bytes.size());
    if (!value) continue;  // held only after it read once: cannot happen
    bytes += h.bytes.size();
    out.events.push_back(std::move(*value));
    ++matched;
  }
  // The cursor: the last event looked at (the request's point when none was).
  if (i > start) {
    out.next_epoch = static_cast<std::int64_t>(held_[i - 1].epoch);
    out.next_seq = static_cast<std::int64_t>(held_[i - 1].seq);
  } else {
    out.next_epoch = request.epoch;
    out.next_seq = request.seq;
  }
  out.more = i < held_.size();
  return out;
}

}  // namespace orion
