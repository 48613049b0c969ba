#include "common/sockets.h"

#include <spdlog/spdlog.h>

#include <string_view>

#include "common/curve_socket.h"
#include "common/transport_security.h"

namespace orion {

zmq::socket_t make_socket(zmq::context_t& ctx, zmq::socket_type type, const SocketOptions& o) {
  if (const auto& security = transport_security(); security.enabled() && security.admitted) {
    ensure_zap_handler(ctx, security.admitted);  // before any socket of ctx can take a handshake
  }
  zmq::socket_t s(ctx, type);
  s.set(zmq::sockopt::sndhwm, o.send_hwm);
  s.set(zmq::sockopt::rcvhwm, o.recv_hwm);
  s.set(zmq::sockopt::maxmsgsize, o.max_msg_bytes);
  s.set(zmq::sockopt::linger, o.linger_ms);
  if (type != zmq::socket_type::pair) {
    s.set(zmq::sockopt::heartbeat_ivl, o.heartbeat_ivl_ms);
    s.set(zmq::sockopt::heartbeat_timeout, o.heartbeat_timeout_ms);
    s.set(zmq::sockopt::heartbeat_ttl, o.heartbeat_timeout_ms);
  }
  if (type == zmq::socket_type::router && o.router_mandatory) s.set(zmq::sockopt::router_mandatory, 1);
  if (type == zmq::socket_type::xpub) s.set(zmq::sockopt::xpub_nodrop, 0);
  return s;
}

namespace {
bool is_tcp(const std::string& endpoint) { return endpoint.compare(0, 6, "tcp://") == 0; }
}  // namespace

std::string bind_socket(zmq::socket_t& socket, const std::string& endpoint) {
  std::string ep = endpoint;
  // Accept ":0" as the conventional "any free port".
  if (ep.size() > 2 && ep.compare(ep.size() - 2, 2, ":0") == 0) ep = ep.substr(0, ep.size() - 1) + "*";
  const TransportSecurity& security = transport_security();
  if (security.enabled() && is_tcp(ep)) {
    make_curve_server(socket, *security.own);
  } else if (!is_loopback_endpoint(ep)) {
    spdlog::warn(
        "event=insecure_bind endpoint={} reason=\"bound beyond loopback without CURVE keys: anyone who can reach it "
        "can submit, register as an agent and vote (--curve-key, --policy)\"",
        ep);
  }
  socket.bind(ep);
  return socket.get(zmq::sockopt::last_endpoint);
}

void connect_socket(zmq::socket_t& socket, const std::string& endpoint) {
  const TransportSecurity& security = transport_security();
  if (security.enabled() && is_tcp(endpoint)) make_curve_client(socket, *security.own, security.server_key);
  socket.connect(endpoint);
}

std::string advertised_endpoint(const std::string& bound, const std::string& host) {
  constexpr std::string_view kTcp = "tcp://";
  if (host.empty() || bound.compare(0, kTcp.size(), kTcp) != 0) return bound;
  auto colon = bound.rfind(':');
  if (colon == std::string::npos || colon < kTcp.size()) return bound;
  return std::string(kTcp) + host + bound.substr(colon);
}

bool receive(zmq::socket_t& socket, Incoming& in, bool routed, bool topic, KeepPacked keep_packed) {
  std::vector<zmq::message_t> frames;
  std::size_t extra = 0;  // frames past kMaxFrames or kMaxMessageBytes: read (so the message is drained) and dropped
  std::size_t kept_bytes = 0;
  bool more = true;
  bool got_any = false;
  while (more) {
    zmq::message_t msg;
    zmq::recv_result_t r;
    try {
      r = socket.recv(msg, got_any ? zmq::recv_flags::none : zmq::recv_flags::dontwait);
    } catch (const zmq::error_t& e) {
      // EINTR before the first frame: nothing was taken off the socket, report "none waiting".
      // Later frames of a message are already queued, so they cannot block.
      if (e.num() == EINTR && !got_any) return false;
      throw;
    }
    if (!r) return false;
    got_any = true;
    more = msg.more();
    if (frames.size() < kMaxFrames && kept_bytes + msg.size() <= kMaxMessageBytes) {
      kept_bytes += msg.size();
      frames.push_back(std::move(msg));
    } else {
      ++extra;
    }
  }
  in.identity.clear();
  in.topic.clear();
  in.principal.clear();
  if (transport_security().enabled()) {
    // A ROUTER's identity frame is made locally and carries no properties: the first frame
    // that came over the connection does.
    for (auto& f : frames) {
      if (!(in.principal = principal_of(f)).empty()) break;
    }
  }
  // ZMQ_SRCFD is deprecated in libzmq 4.3 but kept: the one way to tie a message to its
  // connection. A ROUTER's identity frame does not always carry it; the frames after it do.
  in.fd = -1;
  for (std::size_t i = 0; i < frames.size() && in.fd < 0; ++i) in.fd = zmq_msg_get(frames[i].handle(), ZMQ_SRCFD);
  std::size_t first = 0;
  if (routed) {
    in.identity = frames.empty() ? std::string() : frames[0].to_string();
    first = 1;
  }
  if (topic && frames.size() > first) {
    in.topic = frames[first].to_string();
    first += 1;
  }
  std::vector<std::string_view> views;
  for (std::size_t i = first; i < frames.size(); ++i) {
    views.emplace_back(static_cast<const char*>(frames[i].data()), frames[i].size());
  }
  in.envelope = decode_frame_views(views, &in.request_id, default_limits(), keep_packed);
  if (extra > 0) {
    in.envelope = make_error(ErrorCode::MALFORMED, "message over " + std::to_string(kMaxFrames) + " frames or " +
                                                       std::to_string(kMaxMessageBytes) + " bytes");
  }
  return true;
}

namespace {

bool send_frames(zmq::socket_t& socket, const std::string* identity, const std::string* topic,
                 const Envelope& envelope) {
  // The frames of encode_frames, sent from where they are: a packed body (a TASK_LIST of 500
  // tasks, an event) is not copied into a frame vector first.
  const char type = static_cast<char>(envelope.type);
  std::string encoded;
  if (envelope.packed_body.empty()) encoded = encode_value(envelope.body);
  const std::string& body = envelope.packed_body.empty() ? encoded : envelope.packed_body;
  const zmq::const_buffer frames[] = {zmq::buffer(kProtocol.data(), kProtocol.size()), zmq::buffer(&type, 1),
                                      zmq::buffer(envelope.request_id), zmq::buffer(body)};
  try {
    if (identity && !socket.send(zmq::buffer(*identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return false;
    }
    if (topic && !socket.send(zmq::buffer(*topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
    for (std::size_t i = 0; i < kEnvelopeFrames; ++i) {
      auto flags = zmq::send_flags::dontwait;
      if (i + 1 < kEnvelopeFrames) flags = flags | zmq::send_flags::sndmore;
      if (!socket.send(frames[i], flags)) return false;
    }
    return true;
  } catch (const zmq::error_t&) {
    return false;  // EHOSTUNREACH under ROUTER_MANDATORY: the peer is gone
  }
}

}  // namespace

bool send_envelope(zmq::socket_t& socket, const std::string& identity, const Envelope& envelope) {
  return send_frames(socket, &identity, nullptr, envelope);
}

bool send_envelope(zmq::socket_t& socket, const Envelope& envelope) {
  return send_frames(socket, nullptr, nullptr, envelope);
}

bool send_event(zmq::socket_t& pub, const Envelope& envelope, const std::string& topic) {
  return send_frames(pub, nullptr, &topic, envelope);
}

bool send_error(zmq::socket_t& socket, const std::string& identity, const std::string& request_id, const Error& error) {
  return send_envelope(socket, identity, error_envelope(request_id, error));
}

}  // namespace orion
