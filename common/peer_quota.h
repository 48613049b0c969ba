// PeerQuota: what requests held open by a service (WAIT_TASK, WAIT_TASKS, WAIT_PROPOSAL) may
// hold, per connection (ROUTER routing id) and in total, so that one peer at its maximum leaves
// the rest for everyone else.
//
//   PeerQuota q({/*per_peer_holds=*/1000, /*per_peer_units=*/100'000, /*holds=*/100'000, /*units=*/1'000'000});
//   if (auto s = q.admit(identity, ids.size()); !s) return reply_error(s.error());  // UNAVAILABLE
//   q.add(identity, ids.size());         // when the request is held
//   q.remove(identity, ids.size());      // when it is answered, expires or its peer goes
//
// A hold is one held request; units are what it keeps alive (task ids named by a WAIT_TASKS;
// one for a single wait). Invariant: the totals are the sums over peers, and no peer is kept
// with zero holds.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "common/status.h"

namespace orion {

struct PeerQuotaLimits {
  std::size_t per_peer_holds = 1'000;    // requests held for one connection
  std::size_t per_peer_units = 100'000;  // units (task ids) held for one connection
  std::size_t holds = 100'000;           // requests held in all
  std::size_t units = 1'000'000;         // units held in all
};

class PeerQuota {
 public:
  explicit PeerQuota(PeerQuotaLimits limits = {}) : limits_(limits) {}

  // OK when `peer` may hold one more request keeping `units`; else UNAVAILABLE saying which
  // bound (the peer's own or the service's) is full. Changes nothing.
  Status admit(const std::string& peer, std::size_t units) const;
  void add(const std::string& peer, std::size_t units);
  void remove(const std::string& peer, std::size_t units);
  void clear();

  std::size_t holds() const { return holds_; }
  std::size_t units() const { return units_; }
  std::size_t holds_of(const std::string& peer) const;
  const PeerQuotaLimits& limits() const { return limits_; }

  // Erases every entry of `held` (a map of waits whose values have an `identity`) that `peer`
  // holds, one unit each; returns how many went. Nothing is walked when the peer holds none.
  template <class Map>
  std::size_t drop_singles(Map& held, const std::string& peer) {
    if (holds_of(peer) == 0) return 0;
    std::size_t dropped = 0;
    for (auto it = held.begin(); it != held.end();) {
      if (it->second.identity != peer) {
        ++it;
        continue;
      }
      remove(peer, 1);
      it = held.erase(it);
      ++dropped;
    }
    return dropped;
  }

 private:
  struct Held {
    std::size_t holds = 0, units = 0;
  };
  PeerQuotaLimits limits_;
  std::unordered_map<std::string, Held> peers_;
  std::size_t holds_ = 0, units_ = 0;
};

}  // namespace orion
