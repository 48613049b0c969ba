// Drops the copies of an event that a subscriber hears on several registries' buses, and
// tells gaps from restarts. An event is named by (publisher, epoch, seq) (docs/protocol.md
// 5.6): each publisher process draws an epoch at start and numbers its events 1, 2, 3, ...
//
//   EventDedup dedup;
//   auto v = dedup.accept(ev.publisher, ev.epoch, ev.seq);
//   if (!v.fresh) continue;                  // heard already on another bus
//   if (v.restarted) ...                     // the publisher restarted: re-read state
//   if (v.missed > 0) ...                    // a gap: re-read state
//
// Memory is bounded: at most kMaxStreams (publisher, epoch) streams are remembered (the least
// recently heard is forgotten first), each with a window of the last kWindow sequence numbers
// behind its highest. An event older than its stream's window is reported as a duplicate: it
// cannot be told apart, and events are news, so dropping is the safe side. An event without
// numbering (epoch or seq 0: an older publisher) is always fresh.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orion {

class EventDedup {
 public:
  static constexpr std::size_t kMaxStreams = 1024;  // (publisher, epoch) pairs; 128 bytes of window each
  static constexpr std::uint64_t kWindow = 1024;    // sequence numbers remembered behind the highest

  struct Verdict {
    bool fresh = false;         // first time heard: deliver it
    bool restarted = false;     // fresh, and the first of a new epoch of a publisher heard before
    std::uint64_t missed = 0;   // fresh, and this many numbers were skipped since the highest heard
  };
  Verdict accept(std::string_view publisher, std::uint64_t epoch, std::uint64_t seq);

  std::size_t streams() const { return streams_.size(); }

 private:
  struct Stream {
    std::string publisher;
    std::uint64_t highest = 0;                   // highest seq heard
    std::array<std::uint64_t, kWindow / 64> seen{};  // bit (s % kWindow): seq s heard, for s in (highest - kWindow, highest]
    std::uint64_t last_used = 0;                 // tick of the last accept(), for eviction
    bool test(std::uint64_t s) const { return (seen[(s % kWindow) / 64] >> (s % 64)) & 1u; }
    void set(std::uint64_t s) { seen[(s % kWindow) / 64] |= std::uint64_t{1} << (s % 64); }
    void clear(std::uint64_t s) { seen[(s % kWindow) / 64] &= ~(std::uint64_t{1} << (s % 64)); }
  };
  void evict_oldest();

  // Key: publisher, a NUL, then the epoch's 8 bytes. Invariant: streams_.size() <= kMaxStreams.
  std::unordered_map<std::string, Stream> streams_;
  std::uint64_t tick_ = 0;
};

}  // namespace orion
