// Distributed decisions: voter resolution, the proposal, and the Client calls that use them.
#include "sdk/cpp/decisions.h"

#include <algorithm>

#include "sdk/cpp/client.h"
#include "sdk/cpp/consensus_client.h"

namespace orion::sdk {

namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

Result<std::vector<Voter>> resolve_voters(const std::vector<AgentView>& agents, const std::string& capability,
                                          const std::vector<std::string>& named) {
  if (named.empty() && capability.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "name the voters, or give the capability whose live agents vote");
  }
  std::vector<Voter> voters;
  for (const auto& a : agents) {
    bool wanted = named.empty() ? a.state == "UP" && has(a.spec.capabilities, capability) : has(named, a.spec.agent_id);
    if (!wanted) continue;
    if (a.spec.public_key.empty()) {
      return make_error(ErrorCode::FAILED_PRECONDITION, "agent " + a.spec.agent_id + " has no public key: it cannot vote");
    }
    voters.push_back(Voter{a.spec.agent_id, a.spec.weight, a.spec.public_key});
  }
  for (const auto& n : named) {
    bool found = std::any_of(voters.begin(), voters.end(), [&](const Voter& v) { return v.agent_id == n; });
    if (!found) return make_error(ErrorCode::NOT_FOUND, "agent " + n + " is not registered");
  }
  if (voters.empty()) return make_error(ErrorCode::FAILED_PRECONDITION, "no live agent has capability " + capability);
  return voters;
}

Result<Propose> decision_proposal(const DecisionRequest& request, std::vector<Voter> voters) {
  if (request.type.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'type': must not be empty");
  if (request.consensus_type == ConsensusType::UNKNOWN || request.consensus_type == ConsensusType::RAFT) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "field 'consensus_type': agents vote on MAJORITY, UNANIMOUS, WEIGHTED or PBFT only");
  }
  Propose p;
  p.proposer = request.proposer;
  p.type = request.type;
  p.data = request.data;
  p.capability = request.capability;
  p.consensus_type = request.consensus_type;
  p.voters = std::move(voters);
  p.timeout_ms = request.timeout_ms;
  p.result_ttl_ms = request.result_ttl_ms;
  p.ns = request.ns;
  // Refuse here what the leader would refuse (bounds, duplicate voters, sizes), naming the field.
  auto checked = Propose::from_body(p.to_body());
  if (!checked) return checked.error();
  return p;
}

Json decision_json(const ProposalView& p) {
  Json votes = Json::array();
  for (const auto& v : p.votes) {
    votes.push_back({{"agent_id", v.agent_id}, {"vote", v.yes ? "yes" : "no"}, {"weight", v.weight}});
  }
  Json out = {{"proposal_id", p.proposal_id},
          {"type", p.type},
          {"consensus", to_string(p.consensus_type)},
          {"outcome", to_string(p.outcome)},
          {"yes_weight", p.tally.yes_weight},
          {"no_weight", p.tally.no_weight},
          {"eligible_weight", p.tally.eligible_weight},
          {"votes", votes},
          {"faulty", p.faulty},
          {"decided_ms", p.decided_ms}};
  if (p.ns != "default") out["namespace"] = p.ns;  // as the wire has it: absent = "default"
  return out;
}

// ---- Client -----------------------------------------------------------------------------------

consensus::ConsensusClient& Client::consensus() {
  if (!consensus_) {
    consensus::ConsensusClientOptions o;
    o.registry = options_.registry;  // it asks the registries where the leader is ...
    o.replicas = options_.consensus_replicas;  // ... unless told where the replicas are
    o.request_timeout_ms = options_.request_timeout_ms;
    o.call_timeout_ms = options_.call_timeout_ms;
    o.first_answer_ms = options_.first_answer_ms;
    consensus_ = std::make_unique<consensus::ConsensusClient>(o);
  }
  return *consensus_;
}

Result<Decision> Client::make_distributed_decision(const DecisionRequest& request) {
  auto listed = agents();
  if (!listed) return listed.error();
  auto voters = resolve_voters(*listed, request.capability, request.voters);
  if (!voters) return voters.error();
  auto proposal = decision_proposal(request, *voters);
  if (!proposal) return proposal.error();
  auto ok = consensus().propose(*proposal);
  if (!ok) return ok.error();
  return Decision{ok->proposal_id, std::move(proposal->voters)};
}

Result<Decision> Client::make_distributed_decision(const std::string& type, const Json& data,
                                                   ConsensusType consensus_type, std::int64_t timeout_ms,
                                                   const std::string& capability) {
  DecisionRequest r;
  r.type = type;
  r.data = data;
  r.consensus_type = consensus_type;
  r.timeout_ms = timeout_ms;
  r.capability = capability;
  return make_distributed_decision(r);
}

Result<ProposalView> Client::get_decision_status(const std::string& proposal_id) {
  return consensus().status(proposal_id);
}

Result<ProposalView> Client::wait_decision(const std::string& proposal_id, std::int64_t timeout_ms) {
  return consensus().wait(proposal_id, timeout_ms);
}

}  // namespace orion::sdk
