// The registry's directory of agents and their liveness: pure state, no sockets, time from an
// injected Clock so liveness is tested in simulated milliseconds.
//
//   ManualClock clock;
//   AgentDirectory dir(clock, /*heartbeat_ms=*/1000, /*liveness=*/3);
//   dir.register_agent(spec);                 // {replaced=false}
//   dir.heartbeat("a1", /*load=*/2);          // ok
//   clock.advance(3000);
//   auto changes = dir.expire();              // changes.down == {a1}
//
// Per agent the lifecycle is (state, event -> actions, next state):
//
//   (none), REGISTER      -> record spec, last_seen = now      -> UP    (replaced = false)
//   UP,     REGISTER      -> replace spec, last_seen = now     -> UP    (replaced = true)
//   DOWN,   REGISTER      -> replace spec, last_seen = now     -> UP    (replaced = true)
//   UP,     HEARTBEAT     -> last_seen = now, load = given     -> UP
//   DOWN,   HEARTBEAT     -> reject NOT_FOUND ("register again") -> DOWN
//   (none), HEARTBEAT     -> reject NOT_FOUND ("register again") -> (none)
//   UP/DOWN, DEREGISTER   -> forget                            -> (none)
//   UP,     silent for heartbeat_ms * liveness  -> report down -> DOWN
//   DOWN,   DOWN for kDownRetentionMs           -> forget      -> (none)
//   DOWN,   more than kMaxDownAgents DOWN, this one down longest -> forget -> (none)
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/agent_claim.h"
#include "common/clock.h"
#include "common/messages.h"
#include "common/status.h"

namespace orion::registry {

// How long a DOWN agent stays listed (so operators see who died) before it is forgotten.
inline constexpr std::int64_t kDownRetentionMs = 10 * 60 * 1000;  // 10 minutes
// At most this many DOWN agents are listed (a fleet churning through ids faster than
// kDownRetentionMs forgets them): past it, the one down longest is forgotten first.
inline constexpr std::size_t kMaxDownAgents = 10'000;

class AgentDirectory {
 public:
  // heartbeat_ms >= 1 and liveness >= 1; an agent is DOWN after heartbeat_ms * liveness of silence.
  AgentDirectory(const Clock& clock, std::int64_t heartbeat_ms, std::int64_t liveness);

  struct RegisterOutcome {
    bool replaced = false;  // the id was already listed (UP or DOWN): that session is gone
  };
  // Records (or replaces) an agent as UP, seen now. The spec is assumed valid (from_body checked it).
  RegisterOutcome register_agent(const AgentSpec& spec);
  // REGISTER as the service takes it: the identity rule (common/agent_claim.h) first, with the
  // policy in force (nullptr: no CURVE): PERMISSION_DENIED when another key holds the id,
  // ALREADY_EXISTS when it is UP under another instance token; nothing changes then. Accepted:
  // register_agent() above; a claim with a principal holds the id from now on. The bindings are
  // kept in memory only (lost at a restart of this registry): the scheduler, which stores them,
  // is the authority for work.
  Result<RegisterOutcome> register_agent(const AgentSpec& spec, const AgentClaim& claim, const Policy* policy);
  // HEARTBEAT and DEREGISTER with CURVE: PERMISSION_DENIED when another key holds the id.
  Status check_holder(const std::string& agent_id, const std::string& principal, const Policy* policy) const;

  // Renews an UP agent's liveness and records its load (and its resources, when it sent them).
  // NOT_FOUND when the id is unknown or DOWN: a DOWN agent must re-register, so that every
  // consumer sees it come back as a new session.
  Status heartbeat(const std::string& agent_id, std::int64_t load,
                   const std::optional<AgentResources>& resources = std::nullopt);

  // Forgets an agent. NOT_FOUND when it is not listed.
  Status deregister(const std::string& agent_id);

  struct DownAgent {
    std::string agent_id;
    std::int64_t last_seen_wall_ms = 0;
  };
  struct Expiry {
    std::vector<DownAgent> down;        // newly marked DOWN by this call
    std::vector<std::string> forgotten;  // DOWN for kDownRetentionMs (or past kMaxDownAgents), now removed
  };
  // Marks silent agents DOWN and forgets long-DOWN ones. Called on every loop turn; visits every
  // agent once, so it costs O(agents) per call (microseconds for thousands of agents).
  Expiry expire();

  // All listed agents, sorted by agent_id.
  std::vector<AgentView> list() const;

  bool is_up(const std::string& agent_id) const;
  bool contains(const std::string& agent_id) const { return agents_.count(agent_id) != 0; }
  std::size_t size() const { return agents_.size(); }
  std::size_t down_count() const { return down_.size(); }
  std::int64_t heartbeat_ms() const { return heartbeat_ms_; }
  std::int64_t liveness() const { return liveness_; }
  // Silence after which an UP agent is DOWN.
  std::int64_t down_after_ms() const { return heartbeat_ms_ * liveness_; }

  // Checks the invariants below; returns an empty string when they hold, else what is broken.
  std::string check_invariants() const;

 private:
  struct Agent {
    AgentSpec spec;                        // spec.agent_id == the map key
    std::string instance;                  // REGISTER `instance` of this session ("" = not said)
    bool up = true;
    std::int64_t load = 0;                 // as last reported, >= 0
    std::optional<AgentResources> resources;  // as last reported; none before a HEARTBEAT had them
    std::int64_t registered_wall_ms = 0;   // when this session registered
    std::int64_t last_seen_ms = 0;         // monotonic; <= clock.now_ms()
    std::int64_t last_seen_wall_ms = 0;    // the same instant, wall clock, for people
    std::int64_t down_since_ms = 0;        // monotonic; meaningful only when !up
  };

  const Clock& clock_;
  const std::int64_t heartbeat_ms_;
  const std::int64_t liveness_;
  // Invariant: an UP agent was seen less than down_after_ms() ago as of the last expire();
  // a DOWN agent went down less than kDownRetentionMs ago as of the last expire().
  // std::map keeps list() sorted by id for free.
  std::map<std::string, Agent> agents_;
  // (down_since_ms, agent id) of every DOWN agent, and only those: the oldest is forgotten first
  // when there are more than kMaxDownAgents.
  std::set<std::pair<std::int64_t, std::string>> down_;
  void unlist_down(const std::string& agent_id);
  AgentHolders holders_;  // who holds which id (with CURVE); kept when an agent is forgotten
};

}  // namespace orion::registry
