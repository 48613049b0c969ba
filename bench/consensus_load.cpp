#include "bench/consensus_load.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "tests/integration/process.h"

namespace orion::bench {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

Frames frames_of(MsgType type, const std::string& request_id, const Json& body) {
  return Frames{encode_frames(Envelope{type, request_id, body})};
}

Pipe::Pipe(const std::string& endpoint) : socket_(make_socket(ctx_, zmq::socket_type::dealer)) {
  socket_.connect(endpoint);
}

void Pipe::send(const Frames& f) {
  for (std::size_t i = 0; i < f.parts.size(); ++i) {
    zmq::const_buffer b(f.parts[i].data(), f.parts[i].size());
    if (!socket_.send(b, i + 1 < f.parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none)) {
      throw std::runtime_error("send would block (high-water mark)");
    }
  }
}

Result<Envelope> Pipe::receive(std::int64_t timeout_ms, KeepPacked keep_packed) {
  Incoming in;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!orion::receive(socket_, in, false, false, keep_packed)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return make_error(ErrorCode::DEADLINE_EXCEEDED, "no reply within " + std::to_string(timeout_ms) + " ms");
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(std::min<std::int64_t>(left, 100)));
  }
  return std::move(in.envelope);
}

Envelope Pipe::call(const Frames& f, std::int64_t timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    send(f);
    auto r = receive(timeout_ms);
    if (!r) throw std::runtime_error(r.error().to_string());
    if (r->type != MsgType::ERROR) return std::move(*r);
    Error e = error_from_body(r->body);
    if ((e.code != ErrorCode::UNAVAILABLE && e.code != ErrorCode::NOT_LEADER) || Clock::now() > deadline) {
      throw std::runtime_error("error reply: " + e.to_string());
    }
    testing::pause_ms(20);
  }
}

Workload::Workload() {
  for (int i = 0; i < kVoters; ++i) {
    std::string agent = "bench-agent-" + std::to_string(i + 1);
    std::string seed(32, 's');
    for (std::size_t k = 0; k < agent.size() && k < 32; ++k) seed[k] = agent[k];
    keys_.push_back(consensus::VoteKeys::from_seed(seed));
    voters_.push_back(Voter{agent, 1.0, keys_.back().public_key_hex()});
  }
  const Propose p = proposal();
  digest_ = consensus::proposal_digest(p.proposer, p.type, p.capability, p.consensus_type, p.data);
}

Frames Workload::propose(const std::string& request_id) const { return frames_of(MsgType::PROPOSE, request_id, proposal().to_body()); }

Propose Workload::proposal() const {
  Propose p;
  p.proposer = "orion-bench";
  p.type = "bench";
  p.capability = "bench";
  p.consensus_type = ConsensusType::MAJORITY;
  p.voters = voters_;
  p.timeout_ms = 3'600'000;  // never expires during a run
  return p;
}

std::vector<Frames> Workload::votes(const std::string& id, const std::string& request_prefix, int count) const {
  std::vector<Frames> out;
  for (int v = 0; v < count; ++v) {
    const VoteSubject about{kDefaultClusterId, id, digest_, voters_[v].agent_id};
    Vote vote{id, voters_[v].agent_id, true, consensus::sign_vote(keys_[v].secret_key, about, true)};
    out.push_back(frames_of(MsgType::VOTE, request_prefix + std::to_string(v), vote.to_body()));
  }
  return out;
}

}  // namespace orion::bench
