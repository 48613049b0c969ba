// The registry's table of service replicas (scheduler, consensus), fed by ANNOUNCE: pure
// state, no sockets, time from an injected Clock so expiry is tested in simulated ms.
//
//   ManualClock clock;
//   ReplicaTable table(clock, /*expire_after_ms=*/3000);
//   table.announce(a);                       // Announce{service, endpoints, id, role, term, ...}
//   const Replica* l = table.leader("scheduler");
//   clock.advance(3000);
//   table.expire();                          // replicas silent for 3 s are gone
//
// A replica is keyed by (service, id), or (service, client endpoint) when it announced no id.
// Per replica (state, event -> actions, next state):
//
//   (none), ANNOUNCE                -> record it, last_seen = now          -> LIVE
//   LIVE,   ANNOUNCE                -> replace what it said, last_seen = now -> LIVE
//   LIVE,   silent for expire_after_ms -> forget                        -> (none)
//
// The leader of a service (what DISCOVERY names) is the live replica whose role is "leader" or
// "single" (or unsaid, read as "single") with the highest term; among equal terms the one that
// announced last. With no such replica, the one that announced last, whatever its role: a
// follower redirects a client to the leader (NOT_LEADER), which beats naming nobody.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/cluster_messages.h"
#include "common/messages.h"
#include "common/status.h"

namespace orion::registry {

// Replicas one service may have listed at once: past it a new replica is refused (UNAVAILABLE)
// until one expires, so a peer inventing ids cannot grow the table without bound.
inline constexpr std::size_t kMaxReplicasPerService = 64;

class ReplicaTable {
 public:
  struct Replica {
    Announce said;                     // the last ANNOUNCE, role "" read as "single"
    std::int64_t last_seen_ms = 0;     // monotonic; <= clock.now_ms()
    std::uint64_t order = 0;           // announcement counter: larger = announced later
    bool may_lead() const { return said.role == "leader" || said.role == "single"; }
  };

  // expire_after_ms >= 1: a replica silent that long is gone.
  ReplicaTable(const Clock& clock, std::int64_t expire_after_ms);

  struct Outcome {
    bool added = false;           // a replica not listed before
    bool leader_changed = false;  // leader(service) names another replica (or endpoints) than before
  };
  // Records an announcement whose fields were already checked (service known, endpoints
  // present). UNAVAILABLE when the service has kMaxReplicasPerService others listed.
  Result<Outcome> announce(Announce a);

  // Forgets replicas silent for expire_after_ms; returns "service key" of each, for the log.
  // Visits every replica: O(replicas), called on every loop turn.
  std::vector<std::string> expire();

  // The replica DISCOVERY names for `service`, nullptr when none is live.
  const Replica* leader(const std::string& service) const;

  // Live replicas of `service` as CLUSTER_INFO lists them, ordered by id then endpoint.
  std::vector<ReplicaView> views(const std::string& service) const;

  std::size_t size() const { return replicas_.size(); }
  std::int64_t expire_after_ms() const { return expire_after_ms_; }

  // Checks the invariants below; empty when they hold, else what is broken.
  std::string check_invariants() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (service, "id:N" or "ep:ENDPOINT")
  static Key key_of(const Announce& a);

  const Clock& clock_;
  const std::int64_t expire_after_ms_;
  std::uint64_t next_order_ = 1;
  // Invariant: every replica was seen less than expire_after_ms ago as of the last expire();
  // at most kMaxReplicasPerService per service; each key is key_of(its said).
  std::map<Key, Replica> replicas_;
};

}  // namespace orion::registry
