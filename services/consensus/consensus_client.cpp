#include "services/consensus/consensus_client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/config.h"
#include "common/ids.h"
#include "common/sockets.h"
#include "common/vote_signature.h"

namespace orion::consensus {

namespace {

std::int64_t mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Pause between tries while no leader is known: pacing, not a wait for a race.
constexpr std::int64_t kRetryPauseMs = 25;

}  // namespace

ConsensusClient::ConsensusClient(ConsensusClientOptions options) : options_(std::move(options)), ctx_(1) {}

ConsensusClient::~ConsensusClient() { sockets_.clear(); }

zmq::socket_t& ConsensusClient::socket_for(const std::string& endpoint) {
  auto& s = sockets_[endpoint];
  if (!s) {
    SocketOptions so;
    so.linger_ms = 0;  // an abandoned request must not hold the process open
    s = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::dealer, so));
    s->connect(endpoint);
  }
  return *s;
}

void ConsensusClient::drop(const std::string& endpoint) { sockets_.erase(endpoint); }

// The next replica to try: the configured ones in turn, else the registry's answer.
std::string ConsensusClient::next_endpoint() {
  if (!options_.replicas.empty()) return options_.replicas[next_replica_++ % options_.replicas.size()];
  if (options_.registry.empty()) return {};
  bool timed_out = false;
  // options_.registry may list several registries: one at a time, the next after silence.
  const std::string registry = first_endpoint(options_.registry);
  auto r = exchange(registry, Envelope{MsgType::DISCOVER, random_hex(8), Json::object()}, options_.request_timeout_ms,
                    &timed_out);
  if (timed_out) {
    drop(registry);
    options_.registry = turn_endpoints(options_.registry);
  }
  if (!r || r->type != MsgType::DISCOVERY) return {};
  auto d = Discovery::from_body(r->body);
  return d ? d->consensus : std::string();
}

Result<Envelope> ConsensusClient::exchange(const std::string& endpoint, const Envelope& request,
                                           std::int64_t timeout_ms, bool* timed_out) {
  *timed_out = false;
  auto& socket = socket_for(endpoint);
  if (!send_envelope(socket, request)) {
    drop(endpoint);
    *timed_out = true;
    return make_error(ErrorCode::UNAVAILABLE, "cannot send to " + endpoint);
  }
  auto deadline = mono_ms() + timeout_ms;
  for (std::int64_t left = timeout_ms; left > 0; left = deadline - mono_ms()) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(left));
    Incoming in;
    while (receive(socket, in, false)) {
      if (in.request_id != request.request_id) continue;  // a late answer to an earlier try
      if (!in.envelope) return in.envelope.error();
      return std::move(*in.envelope);
    }
  }
  *timed_out = true;
  return make_error(ErrorCode::UNAVAILABLE, "no reply from " + endpoint);
}

Result<Envelope> ConsensusClient::call(MsgType type, const Json& body, std::int64_t call_timeout_ms) {
  Envelope request{type, random_hex(8), body};
  const auto deadline = mono_ms() + call_timeout_ms;
  Error last = make_error(ErrorCode::UNAVAILABLE, "no consensus replica answered");
  while (mono_ms() < deadline) {
    if (current_.empty()) current_ = next_endpoint();
    if (current_.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kRetryPauseMs));
      continue;
    }
    // A WAIT_PROPOSAL is held by the server for its timeout: allow for it.
    std::int64_t extra = 0;
    if (type == MsgType::WAIT_PROPOSAL && body.contains("timeout_ms")) extra = body["timeout_ms"].get<std::int64_t>();
    auto try_ms = std::min(options_.request_timeout_ms + extra, std::max<std::int64_t>(1, deadline - mono_ms()));
    bool timed_out = false;
    auto r = exchange(current_, request, try_ms, &timed_out);
    if (timed_out) {
      // Dead or partitioned: a new socket drops what the old one queued; try another replica.
      drop(current_);
      current_.clear();
      last = r.error();
      continue;
    }
    if (!r) return r.error();
    if (r->type != MsgType::ERROR) return r;
    Error err = error_from_body(r->body);
    if (err.code == ErrorCode::NOT_LEADER) {
      std::string leader = r->body.contains("leader") && r->body["leader"].is_string()
                               ? r->body["leader"].get<std::string>() : std::string();
      last = err;
      if (!leader.empty() && leader != current_) {
        current_ = leader;
        continue;
      }
      current_.clear();  // no leader known yet: an election is under way
      std::this_thread::sleep_for(std::chrono::milliseconds(kRetryPauseMs));
      continue;
    }
    if (err.code == ErrorCode::UNAVAILABLE) {
      last = err;  // a leader catching up, or an outcome unknown: the same request id again
      std::this_thread::sleep_for(std::chrono::milliseconds(kRetryPauseMs));
      continue;
    }
    return err;
  }
  return last;
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

Result<VoteOk> ConsensusClient::vote(const std::string& proposal_id, const std::string& agent_id, bool yes,
                                     const std::string& secret_key) {
  return vote(Vote{proposal_id, agent_id, yes, sign_vote(secret_key, proposal_id, agent_id, yes)});
}

Result<ProposalView> ConsensusClient::status(const std::string& proposal_id) {
  auto r = call(MsgType::GET_PROPOSAL, GetProposal{proposal_id}.to_body(), options_.call_timeout_ms);
  if (!r) return r.error();
  auto info = ProposalInfo::from_body(r->body);
  if (!info) return info.error();
  return std::move(info->proposal);
}

Result<ProposalView> ConsensusClient::wait(const std::string& proposal_id, std::int64_t timeout_ms) {
  const auto deadline = mono_ms() + timeout_ms;
  while (true) {
    // Long-poll in slices so that a lost leader is noticed within one slice.
    std::int64_t slice = std::clamp<std::int64_t>(deadline - mono_ms(), 0, 5'000);
    auto r = call(MsgType::WAIT_PROPOSAL, WaitProposal{proposal_id, slice}.to_body(), options_.call_timeout_ms);
    if (!r) return r.error();
    auto info = ProposalInfo::from_body(r->body);
    if (!info) return info.error();
    if (info->proposal.outcome != Outcome::PENDING || mono_ms() >= deadline) return std::move(info->proposal);
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
  auto r = exchange(endpoint, Envelope{MsgType::GET_REPLICA, random_hex(8), body}, timeout_ms, &timed_out);
  if (timed_out) drop(endpoint);
  if (!r) return r.error();
  if (r->type == MsgType::ERROR) return error_from_body(r->body);
  return ReplicaInfo::from_body(r->body);
}

}  // namespace orion::consensus
