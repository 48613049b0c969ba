// Load for orion-consensus: a pipelining client (one DEALER, requests encoded beforehand) and
// MAJORITY proposals of 5 voters whose yes votes carry real Ed25519 signatures, as an agent
// sends them. Used by `orion-bench consensus` and `orion-bench soak`.
//
//   Workload work;
//   Pipe pipe(consensus_client_endpoint);
//   auto ok = pipe.call(work.propose("r1"));                       // PROPOSE_OK
//   for (auto& f : work.votes(proposal_id, "r1-")) pipe.send(f);    // 3 yes: the third decides
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/consensus_messages.h"
#include "common/envelope.h"
#include "common/sockets.h"
#include "common/vote_signature.h"

namespace orion::bench {

struct Frames {
  std::vector<std::string> parts;  // encode_frames() of one request
};

Frames frames_of(MsgType type, const std::string& request_id, const Json& body);

class Pipe {
 public:
  explicit Pipe(const std::string& endpoint);
  // Throws std::runtime_error when the socket would block (high-water mark).
  void send(const Frames& f);
  // The next reply, or DEADLINE_EXCEEDED after timeout_ms. keep_packed: as orion::receive.
  Result<Envelope> receive(std::int64_t timeout_ms, KeepPacked keep_packed = nullptr);
  // One request, one reply; the request may be retried while the replica answers UNAVAILABLE
  // or NOT_LEADER (a Raft leader still catching up). Throws std::runtime_error otherwise.
  Envelope call(const Frames& f, std::int64_t timeout_ms = 10'000);

 private:
  zmq::context_t ctx_;
  zmq::socket_t socket_;
};

inline constexpr int kVoters = 5;
inline constexpr int kDecidingYes = 3;  // MAJORITY of 5: the third yes decides

class Workload {
 public:
  Workload();
  // A MAJORITY proposal of the 5 voters, timeout one hour (never expires during a run).
  Frames propose(const std::string& request_id) const;
  // Yes votes of voters 1..count on proposal `id`, signed here (callers that time votes do it
  // before timing); request ids request_prefix + "0", "1", ...
  std::vector<Frames> votes(const std::string& id, const std::string& request_prefix, int count = kDecidingYes) const;

 private:
  Propose proposal() const;  // what propose() sends
  std::vector<consensus::VoteKeys> keys_;
  std::vector<Voter> voters_;
  std::string digest_;  // of proposal()'s content: what each vote signs
};

}  // namespace orion::bench
