// The scheduler's connection to orion-consensus, for consensus gates: a DEALER to the leader
// (learned from the registry's discovery), never blocking the loop. It sends the core's
// requests, remembers them while they are in flight, follows NOT_LEADER redirects, forgets a
// request that got no answer within timeout_ms (the core asks again a second later, with the
// same request id, so nothing is created twice), and hands every answer to the caller.
//
//   ConsensusLink link(ctx);
//   link.set_endpoint(discovery.consensus);
//   link.send(request, now_ms);
//   if (poll says link.socket() is readable) link.drain(now_ms, on_answer);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

class ConsensusLink {
 public:
  // An answer to a request: its envelope (PROPOSE_OK, PROPOSAL_INFO) or the error it got.
  using OnAnswer = std::function<void(const Outbox::ToConsensus& request, const Result<Envelope>& answer)>;

  explicit ConsensusLink(zmq::context_t& ctx, std::int64_t timeout_ms = 3000);

  // Where the leader is; a change drops the old connection and what was queued on it.
  void set_endpoint(const std::string& endpoint);
  const std::string& endpoint() const { return endpoint_; }
  // Not sent while the same request is in flight; dropped while no endpoint is known.
  void send(const Outbox::ToConsensus& request, std::int64_t now_ms);
  // Reads every answer waiting and forgets requests in flight past their timeout.
  void drain(std::int64_t now_ms, const OnAnswer& on_answer);
  zmq::socket_t* socket() { return socket_.get(); }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  void transmit(const Outbox::ToConsensus& request);

  zmq::context_t& ctx_;
  std::int64_t timeout_ms_;
  std::string endpoint_;
  std::unique_ptr<zmq::socket_t> socket_;
  struct Flight {
    Outbox::ToConsensus request;
    std::int64_t sent_ms = 0;
  };
  std::map<std::string, Flight> in_flight_;  // by request id
};

}  // namespace orion::scheduler
