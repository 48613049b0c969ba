// Who may take an agent id: one rule for the scheduler's ATTACH and the registry's REGISTER
// (docs/protocol.md 11.3). Pure: the caller says who holds the id and whether a session of it is
// live; the rule says yes, or why not. Nothing changes on a refusal.
//
//   AgentClaim claim{spec.agent_id, in.principal, m->instance};
//   const std::string* live = session_is_live ? &session.instance : nullptr;
//   if (auto s = judge_claim(claim, holders.holder(claim.agent_id), live, service_policy().get()); !s)
//     return reply(s.error());                 // PERMISSION_DENIED or ALREADY_EXISTS
//   if (!claim.principal.empty()) holders.bind(claim.agent_id, claim.principal);
//
// Two rules, in this order:
//   1. The key (CURVE on: the principal is the connection's, never a name in the message). An id
//      belongs to the principal that holds it. When the policy grants a principal this exact id
//      (not through a prefix ending in *), the policy says who holds it: that principal may take
//      it, and holds it from then on. Otherwise (a prefix grant such as "gpu-*" or "*", or the
//      admin role) the first principal to take the id holds it, and another principal's claim is
//      PERMISSION_DENIED, live session or not. A holder the policy no longer lets act as the id
//      (its key removed, its grant narrowed) holds nothing: the next claim takes the id.
//   2. The process. An agent process sends a random token (`instance`), the same on every
//      REGISTER and ATTACH it makes, reconnects and leader changes included. While a session of
//      the id is live under another token, the claim is ALREADY_EXISTS: a second process does not
//      fence the first. When either token is "" (an agent that sends none), there is no such check
//      and the claim replaces the live session, as before tokens existed.
// What "live" means is the caller's: heard within its liveness window, not detached or
// deregistered, and (scheduler) its connection not known closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace orion {

class Policy;

struct AgentClaim {
  std::string agent_id;
  std::string principal;  // the connection's (ZAP user id); "" without CURVE: rule 1 does not apply
  std::string instance;   // the claiming process's token; "" = not said: rule 2 does not apply
};

// OK, PERMISSION_DENIED (rule 1) or ALREADY_EXISTS (rule 2), each naming the id. `holder`: the
// principal the id is bound to (nullptr: none); `live_instance`: the token of the id's live
// session (nullptr: no live session); `policy`: the policy in force (nullptr: no CURVE, rule 1
// does not apply).
Status judge_claim(const AgentClaim& claim, const std::string* holder, const std::string* live_instance,
                   const Policy* policy);

// The principals holding agent ids (rule 1), by id. Each binding has a number (> 0, never
// reused) that names its stored record in the scheduler's Log; the registry keeps them in memory.
//
// Bound: kMaxHolders ids. Past it a new id is refused UNAVAILABLE (an id already held may still
// change holder); only authenticated agent principals bind ids.
class AgentHolders {
 public:
  static constexpr std::size_t kMaxHolders = 100'000;
  struct Binding {
    std::uint64_t number = 0;
    std::string principal;
  };

  // The principal holding the id, or nullptr.
  const std::string* holder(const std::string& agent_id) const;
  // Makes principal the holder of agent_id. Returns the binding's number when it changed (new,
  // or another holder), 0 when principal held it already; UNAVAILABLE past kMaxHolders.
  Result<std::uint64_t> bind(const std::string& agent_id, const std::string& principal);
  // A binding as stored (start-up, or a follower applying the leader's record).
  void restore(std::uint64_t number, const std::string& agent_id, const std::string& principal);
  const std::map<std::string, Binding>& all() const { return by_agent_; }
  std::size_t size() const { return by_agent_.size(); }

 private:
  std::map<std::string, Binding> by_agent_;
  std::uint64_t next_number_ = 1;  // Invariant: > every binding's number
};

}  // namespace orion
