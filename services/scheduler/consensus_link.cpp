#include "services/scheduler/consensus_link.h"

#include "common/log.h"
#include "common/sockets.h"

namespace orion::scheduler {

ConsensusLink::ConsensusLink(zmq::context_t& ctx, std::int64_t timeout_ms) : ctx_(ctx), timeout_ms_(timeout_ms) {}

void ConsensusLink::set_endpoint(const std::string& endpoint) {
  if (endpoint == endpoint_) return;
  endpoint_ = endpoint;
  socket_.reset();
  in_flight_.clear();  // asked again by the core, at the new endpoint
  if (endpoint_.empty()) return;
  SocketOptions o;
  o.linger_ms = 0;
  socket_ = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::dealer, o));
  try {
    connect_socket(*socket_, endpoint_);
    spdlog::info("event=consensus_connected endpoint={}", endpoint_);
  } catch (const zmq::error_t& e) {
    spdlog::warn("event=consensus_connect_failed endpoint={} error={}", endpoint_, orion::logfmt_value(e.what()));
    socket_.reset();
    endpoint_.clear();
  }
}

void ConsensusLink::transmit(const Outbox::ToConsensus& request) {
  if (socket_ && !send_envelope(*socket_, Envelope{request.type, request.request_id, request.body})) {
    spdlog::warn("event=consensus_send_failed request={}", request.request_id);
  }
}

void ConsensusLink::send(const Outbox::ToConsensus& request, std::int64_t now_ms) {
  if (!socket_ || in_flight_.count(request.request_id)) return;
  in_flight_[request.request_id] = Flight{request, now_ms};
  transmit(request);
}

void ConsensusLink::drain(std::int64_t now_ms, const OnAnswer& on_answer) {
  Incoming in;
  for (int i = 0; socket_ && i < 1024 && receive(*socket_, in, false); ++i) {
    auto it = in_flight_.find(in.request_id);
    if (it == in_flight_.end()) continue;  // late, or for an earlier connection
    Outbox::ToConsensus request = std::move(it->second.request);
    in_flight_.erase(it);
    if (in.envelope && in.envelope->type == MsgType::ERROR) {
      Error err = error_from_body(in.envelope->body);
      if (err.code == ErrorCode::NOT_LEADER) {
        const Json& b = in.envelope->body;
        std::string leader = b.contains("leader") && b["leader"].is_string() ? b["leader"].get<std::string>() : "";
        if (!leader.empty()) set_endpoint(leader);  // the core asks again there
        continue;
      }
      if (err.code == ErrorCode::UNAVAILABLE) continue;  // an election or catch-up: asked again
      on_answer(request, Result<Envelope>(err));
      continue;
    }
    on_answer(request, in.envelope);
  }
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = now_ms - it->second.sent_ms >= timeout_ms_ ? in_flight_.erase(it) : std::next(it);
  }
}

}  // namespace orion::scheduler
