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

std::size_t EventHistory::index_of_pos(std::uint64_t pos) const {
  return static_cast<std::size_t>(std::lower_bound(held_.begin(), held_.end(), pos,
                                                   [](const Held& h, std::uint64_t p) { return h.pos < p; }) -
                                  held_.begin());
}

namespace {

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_be(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

}  // namespace

std::string EventHistory::encode_chunk(std::size_t from, std::size_t to) const {
  std::size_t size = 8;
  for (std::size_t i = from; i < to; ++i) size += 4 + held_[i].bytes.size();
  std::string out;
  out.reserve(size);
  put_be(out, held_[from].pos, 8);
  for (std::size_t i = from; i < to; ++i) {
    put_be(out, held_[i].bytes.size(), 4);
    out += held_[i].bytes;
  }
  return out;
}

bool EventHistory::hold(std::uint64_t key, std::string_view bytes) {
  if (bytes.size() < 8) return false;
  if (!chunks_.empty() && key <= chunks_.back().key) return false;  // out of order: not ours
  std::uint64_t pos = get_be(bytes, 0, 8);
  std::size_t at = 8;
  bool any = false;
  for (; at + 4 <= bytes.size(); ++pos) {
    const std::size_t n = get_be(bytes, at, 4);
    at += 4;
    if (n > bytes.size() - at) return any;  // cut short: what came before stands
    std::string_view body = bytes.substr(at, n);
    at += n;
    if (!held_.empty() && pos <= held_.back().pos) continue;
    auto value = decode_value(body.data(), body.size());
    if (!value) continue;
    auto ev = Event::from_body(*value);
    if (!ev) continue;
    push(Held{pos, ev->epoch, ev->seq, ev->ts_ms, std::move(ev->topic), std::string(body)});
    if (!any) chunks_.push_back(Chunk{key, pos});
    chunks_.back().last_pos = pos;
    any = true;
  }
  return any;
}

void EventHistory::forget(std::uint64_t key) {
  std::uint64_t last = 0;
  while (!chunks_.empty() && chunks_.front().key <= key) {
    last = chunks_.front().last_pos;
    chunks_.pop_front();
  }
  while (!held_.empty() && held_.front().pos <= last) drop_front();
}

void EventHistory::clear() {
  held_.clear();
  runs_.clear();
  chunks_.clear();
  base_ = 0;
  first_unsaved_ = 0;
  emptied_.clear();
}

std::string EventHistory::record(const std::string& topic, const std::string& publisher, std::uint64_t epoch,
                                 std::uint64_t seq, std::int64_t ts_ms, std::string_view packed_data) {
  std::string body = pack_event(topic, publisher, epoch, seq, ts_ms, packed_data);
  if (!enabled()) return body;
  const std::uint64_t pos = next_pos_;
  push(Held{pos, epoch, seq, ts_ms, topic, body});
  if (first_unsaved_ == 0) first_unsaved_ = pos;
  // Retention: here and nowhere else, so replicas recording the same events drop the same ones.
  const std::int64_t oldest_kept = ts_ms - bounds_.max_age_ms;
  for (std::size_t i = 0; i < kDropSlice && held_.size() > 1 &&
                          (held_.size() > bounds_.keep || held_.front().ts_ms < oldest_kept);
       ++i) {
    drop_front();
  }
  // A stored chunk none of whose events is held any more is deleted at the next drain.
  while (!chunks_.empty() && chunks_.front().last_pos < held_.front().pos) {
    emptied_.push_back(chunks_.front().key);
    chunks_.pop_front();
  }
  return body;
}

void EventHistory::drain(const std::function<void(std::uint64_t, std::string)>& put,
                         const std::function<void(std::uint64_t)>& erase) {
  if (first_unsaved_ != 0) {
    // The unsaved events are the newest: the tail of held_ (those dropped already are left out).
    const std::size_t from = index_of_pos(first_unsaved_);
    if (from < held_.size()) {
      put(held_[from].pos, encode_chunk(from, held_.size()));
      chunks_.push_back(Chunk{held_[from].pos, held_.back().pos});
    }
    first_unsaved_ = 0;
  }
  for (std::uint64_t key : emptied_) erase(key);
  emptied_.clear();
}

void EventHistory::each(const std::function<void(std::uint64_t, const std::string&)>& fn, std::uint64_t group) const {
  if (group > 0) {
    for (std::size_t i = 0; i < held_.size();) {
      const std::size_t from = i;
      const std::uint64_t g = held_[i].pos / group;
      while (i < held_.size() && held_[i].pos / group == g) ++i;
      fn(held_[from].pos, encode_chunk(from, i));
    }
    return;
  }
  // Each stored chunk as it is held now (under its key, so a later deletion finds it), then what
  // was recorded since the last drain.
  std::size_t i = 0;
  for (const Chunk& c : chunks_) {
    const std::size_t from = i;
    while (i < held_.size() && held_[i].pos <= c.last_pos) ++i;
    if (i > from) fn(c.key, encode_chunk(from, i));
  }
  if (i < held_.size()) fn(held_[i].pos, encode_chunk(i, held_.size()));
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
