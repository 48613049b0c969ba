#include "services/registry/agent_directory.h"

#include <algorithm>
#include <stdexcept>

namespace orion::registry {

namespace {

Error not_registered(const std::string& agent_id) {
  return make_error(ErrorCode::NOT_FOUND, "agent " + agent_id + " is not registered; register again");
}

}  // namespace

AgentDirectory::AgentDirectory(const Clock& clock, std::int64_t heartbeat_ms, std::int64_t liveness)
    : clock_(clock), heartbeat_ms_(heartbeat_ms), liveness_(liveness) {
  if (heartbeat_ms_ < 1 || liveness_ < 1) throw std::invalid_argument("heartbeat_ms and liveness must be >= 1");
}

AgentDirectory::RegisterOutcome AgentDirectory::register_agent(const AgentSpec& spec) {
  Agent a;
  a.spec = spec;
  a.up = true;
  a.load = 0;  // a new session has no tasks yet as far as we know
  a.resources.reset();
  a.registered_wall_ms = clock_.wall_ms();
  a.last_seen_ms = clock_.now_ms();
  a.last_seen_wall_ms = a.registered_wall_ms;
  unlist_down(spec.agent_id);
  auto [it, inserted] = agents_.insert_or_assign(spec.agent_id, std::move(a));
  (void)it;
  return RegisterOutcome{!inserted};
}

Result<AgentDirectory::RegisterOutcome> AgentDirectory::register_agent(const AgentSpec& spec, const AgentClaim& claim,
                                                                       const Policy* policy) {
  auto it = agents_.find(spec.agent_id);
  // Live: UP, and not silent past the window (expire() may not have run since).
  const bool live = it != agents_.end() && it->second.up && clock_.now_ms() - it->second.last_seen_ms < down_after_ms();
  if (auto s = judge_claim(claim, holders_.holder(spec.agent_id), live ? &it->second.instance : nullptr, policy); !s) {
    return s.error();
  }
  if (!claim.principal.empty()) {
    if (auto bound = holders_.bind(spec.agent_id, claim.principal); !bound) return bound.error();
  }
  auto outcome = register_agent(spec);
  agents_.at(spec.agent_id).instance = claim.instance;
  return outcome;
}

Status AgentDirectory::check_holder(const std::string& agent_id, const std::string& principal,
                                    const Policy* policy) const {
  return judge_claim(AgentClaim{agent_id, principal, ""}, holders_.holder(agent_id), nullptr, policy);
}

Status AgentDirectory::heartbeat(const std::string& agent_id, std::int64_t load,
                                 const std::optional<AgentResources>& resources) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end() || !it->second.up) return not_registered(agent_id);
  it->second.last_seen_ms = clock_.now_ms();
  it->second.last_seen_wall_ms = clock_.wall_ms();
  it->second.load = std::max<std::int64_t>(0, load);
  if (resources) it->second.resources = resources;
  return Status();
}

void AgentDirectory::unlist_down(const std::string& agent_id) {
  auto it = agents_.find(agent_id);
  if (it != agents_.end() && !it->second.up) down_.erase({it->second.down_since_ms, agent_id});
}

Status AgentDirectory::deregister(const std::string& agent_id) {
  unlist_down(agent_id);
  if (agents_.erase(agent_id) == 0) return not_registered(agent_id);
  return Status();
}

AgentDirectory::Expiry AgentDirectory::expire() {
  Expiry out;
  const std::int64_t now = clock_.now_ms();
  for (auto it = agents_.begin(); it != agents_.end();) {
    Agent& a = it->second;
    // ">=": silent for exactly heartbeat_ms * liveness is DOWN; one ms less is still UP.
    if (a.up && now - a.last_seen_ms >= down_after_ms()) {
      a.up = false;
      a.down_since_ms = now;
      down_.insert({now, it->first});
      out.down.push_back(DownAgent{it->first, a.last_seen_wall_ms});
    }
    if (!a.up && now - a.down_since_ms >= kDownRetentionMs) {
      out.forgotten.push_back(it->first);
      down_.erase({a.down_since_ms, it->first});
      it = agents_.erase(it);
    } else {
      ++it;
    }
  }
  while (down_.size() > kMaxDownAgents) {
    auto oldest = down_.begin();
    out.forgotten.push_back(oldest->second);
    agents_.erase(oldest->second);
    down_.erase(oldest);
  }
  return out;
}

std::vector<AgentView> AgentDirectory::list() const {
  std::vector<AgentView> out;
  out.reserve(agents_.size());
  for (const auto& [id, a] : agents_) {
    AgentView v;
    v.spec = a.spec;
    v.state = a.up ? "UP" : "DOWN";
    v.load = a.load;
    v.registered_ms = a.registered_wall_ms;
    v.last_seen_ms = a.last_seen_wall_ms;
    v.resources = a.resources;
    out.push_back(std::move(v));
  }
  return out;
}

bool AgentDirectory::is_up(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  return it != agents_.end() && it->second.up;
}

std::string AgentDirectory::check_invariants() const {
  const std::int64_t now = clock_.now_ms();
  for (const auto& [id, a] : agents_) {
    if (a.spec.agent_id != id) return "agent " + id + " is keyed under a different id " + a.spec.agent_id;
    if (a.load < 0) return "agent " + id + " has negative load";
    if (a.last_seen_ms > now) return "agent " + id + " was seen in the future";
    if (!a.up && a.down_since_ms < a.last_seen_ms) return "agent " + id + " went down before it was last seen";
    if (!a.up && !down_.count({a.down_since_ms, id})) return "DOWN agent " + id + " is missing from the down index";
  }
  if (down_.size() > kMaxDownAgents) return "more than kMaxDownAgents DOWN agents are listed";
  std::size_t down = 0;
  for (const auto& [id, a] : agents_) down += !a.up;
  if (down != down_.size()) return "the down index holds agents that are not DOWN";
  return std::string();
}

}  // namespace orion::registry
