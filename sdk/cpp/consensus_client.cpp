#include "sdk/cpp/consensus_client.h"

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/config.h"
#include "common/ids.h"
#include "common/sockets.h"
#include "common/vote_signature.h"

namespace orion::consensus {

ConsensusClient::ConsensusClient(ConsensusClientOptions options)
    : options_(std::move(options)),
      ctx_(1),
      registries_(ctx_, options_.registry, follow_options("registry", options_.request_timeout_ms, options_.call_timeout_ms,
                                                       options_.first_answer_ms)),
      follower_(ctx_,
                follow_options("consensus", options_.request_timeout_ms, options_.call_timeout_ms,
                               options_.first_answer_ms),
                [this](std::int64_t budget_ms) { return next_endpoint(budget_ms); }) {}

ConsensusClient::~ConsensusClient() = default;

Result<std::string> ConsensusClient::next_endpoint(std::int64_t budget_ms) {
  if (!options_.replicas.empty()) return options_.replicas[next_replica_++ % options_.replicas.size()];
  if (registries_.endpoints().empty()) return make_error(ErrorCode::UNAVAILABLE, "no registry and no replica configured");
  auto d = registries_.discover(std::min(budget_ms, options_.request_timeout_ms));
  if (!d) return d.error();
  return d->consensus;
}

Result<Envelope> ConsensusClient::call(MsgType type, const Json& body, std::int64_t call_timeout_ms) {
  // A WAIT_PROPOSAL is held by the server for its timeout: allow for it.
  std::int64_t hold_ms = 0;
  if (type == MsgType::WAIT_PROPOSAL && body.contains("timeout_ms") && body["timeout_ms"].is_number_integer()) {
    hold_ms = body["timeout_ms"].get<std::int64_t>();
  }
  return follower_.call(Envelope{type, random_hex(8), body}, hold_ms, nullptr, call_timeout_ms);
}

Result<ProposeOk> ConsensusClient::propose(const Propose& proposal) {
  auto r = call(MsgType::PROPOSE, proposal.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  return ProposeOk::from_body(r->body);
}

Result<VoteOk> ConsensusClient::vote(const Vote& v) {
  auto r = call(MsgType::VOTE, v.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  return VoteOk::from_body(r->body);
}

Result<VoteOk> ConsensusClient::vote(const ProposalView& seen, const std::string& agent_id, bool yes,
                                     const std::string& secret_key) {
  return vote(Vote{seen.proposal_id, agent_id, yes, sign_vote(secret_key, vote_subject(seen, agent_id), yes)});
}

Result<VoteOk> ConsensusClient::vote(const std::string& proposal_id, const std::string& agent_id, bool yes,
                                     const std::string& secret_key) {
  auto seen = status(proposal_id);
  if (!seen) return seen.error();
  return vote(*seen, agent_id, yes, secret_key);
}

Result<ProposalView> ConsensusClient::status(const std::string& proposal_id) {
  auto r = call(MsgType::GET_PROPOSAL, GetProposal{proposal_id}.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  auto info = ProposalInfo::from_body(r->body);
  if (!info) return info.error();
  return std::move(info->proposal);
}

Result<ProposalView> ConsensusClient::wait(const std::string& proposal_id, std::int64_t timeout_ms) {
  const auto deadline = steady_now_ms() + timeout_ms;
  while (true) {
    // Long-poll in slices so that a lost leader is noticed within one slice.
    std::int64_t slice = std::clamp<std::int64_t>(deadline - steady_now_ms(), 0, 5'000);
    auto r = call(MsgType::WAIT_PROPOSAL, WaitProposal{proposal_id, slice}.to_body(), options_.call_timeout_ms);
    if (!r) return r.error();
    auto info = ProposalInfo::from_body(r->body);
    if (!info) return info.error();
    if (info->proposal.outcome != Outcome::PENDING || steady_now_ms() >= deadline) return std::move(info->proposal);
  }
}

Result<LeaseInfo> ConsensusClient::acquire(const std::string& name, const std::string& holder, std::int64_t ttl_ms) {
  auto r = call(MsgType::ACQUIRE_LEASE, LeaseRequest{name, holder, ttl_ms}.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  return LeaseInfo::from_body(r->body);
}

Result<LeaseInfo> ConsensusClient::renew(const std::string& name, const std::string& holder, std::int64_t ttl_ms) {
  auto r = call(MsgType::RENEW_LEASE, LeaseRequest{name, holder, ttl_ms}.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  return LeaseInfo::from_body(r->body);
}

Result<LeaseInfo> ConsensusClient::release(const std::string& name, const std::string& holder) {
  auto r = call(MsgType::RELEASE_LEASE, ReleaseLease{name, holder}.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  return LeaseInfo::from_body(r->body);
}

Result<LeaseInfo> ConsensusClient::lease(const std::string& name) {
  auto r = call(MsgType::GET_LEASE, GetLease{name}.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  return LeaseInfo::from_body(r->body);
}

Result<ReplicaInfo> ConsensusClient::replica(const std::string& endpoint, std::int64_t timeout_ms, bool digest) {
  bool timed_out = false;
  Json body = Json::object();
  if (digest) body["digest"] = true;
  auto r = follower_.exchange(endpoint, Envelope{MsgType::GET_REPLICA, random_hex(8), body}, timeout_ms, nullptr,
                              &timed_out);
  if (!r) return r.error();
  if (r->type == MsgType::ERROR) return error_from_body(r->body);
  return ReplicaInfo::from_body(r->body);
}

}  // namespace orion::consensus
