#include "common/agent_claim.h"

#include <algorithm>

#include "common/policy.h"

namespace orion {

namespace {

// The policy grants `principal` this exact id (not through a prefix): the policy says who holds it.
bool named_by_policy(const Policy& policy, const std::string& principal, const std::string& agent_id) {
  const Policy::Principal* p = policy.find(principal);
  return p && std::find(p->agents.begin(), p->agents.end(), agent_id) != p->agents.end();
}

}  // namespace

Status judge_claim(const AgentClaim& claim, const std::string* holder, const std::string* live_instance,
                   const Policy* policy) {
  if (policy && !claim.principal.empty() && holder && *holder != claim.principal &&
      !named_by_policy(*policy, claim.principal, claim.agent_id)) {
    Asked asked;
    asked.agent_id = claim.agent_id;
    if (policy->allow(*holder, Action::AGENT, asked)) {
      return make_error(ErrorCode::PERMISSION_DENIED,
                        "agent id " + claim.agent_id + " is held by another key (the first to register it)");
    }
  }
  if (live_instance && !live_instance->empty() && !claim.instance.empty() && *live_instance != claim.instance) {
    return make_error(ErrorCode::ALREADY_EXISTS,
                      "agent id " + claim.agent_id +
                          " is live in another process; it may be taken once that one is gone (detached, or "
                          "silent for heartbeat_ms x liveness)");
  }
  return {};
}

const std::string* AgentHolders::holder(const std::string& agent_id) const {
  auto it = by_agent_.find(agent_id);
  return it == by_agent_.end() ? nullptr : &it->second.principal;
}

Result<std::uint64_t> AgentHolders::bind(const std::string& agent_id, const std::string& principal) {
  auto it = by_agent_.find(agent_id);
  if (it != by_agent_.end()) {
    if (it->second.principal == principal) return std::uint64_t{0};
    it->second.principal = principal;
    return it->second.number;
  }
  if (by_agent_.size() >= kMaxHolders) {
    return make_error(ErrorCode::UNAVAILABLE, "agent id " + agent_id + ": " + std::to_string(kMaxHolders) +
                                                  " agent ids are held already; no more can be bound");
  }
  const std::uint64_t number = next_number_++;
  by_agent_.emplace(agent_id, Binding{number, principal});
  return number;
}

void AgentHolders::restore(std::uint64_t number, const std::string& agent_id, const std::string& principal) {
  by_agent_[agent_id] = Binding{number, principal};
  next_number_ = std::max(next_number_, number + 1);
}

}  // namespace orion
