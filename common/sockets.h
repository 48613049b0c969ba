// Socket set-up in one place, so no service configures a ZeroMQ socket by hand.
//
//   zmq::context_t ctx;
//   auto router = make_socket(ctx, zmq::socket_type::router);
//   std::string ep = bind_socket(router, "tcp://127.0.0.1:*");   // the resolved endpoint
//   Incoming in;
//   if (receive(router, in, /*routed=*/true)) { ... in.envelope ... in.identity ... }
//   send_envelope(router, in.identity, reply);
//
// Why these options:
// - ZMQ_MAXMSGSIZE: a peer cannot make us allocate more than one bounded frame.
// - High-water marks: past them ZeroMQ drops (PUB, ROUTER) or blocks (DEALER) silently. We set
//   them high and deliberately, send non-blocking, and count what could not be sent.
// - ZMQ_ROUTER_MANDATORY: a reply to a peer that is gone is an error we count, not a silent drop.
// - ZMTP heartbeats: a dead TCP peer is noticed even when no application message flows.
// - Linger: a closing socket waits a bounded time for queued replies, never forever.
// - Frames and bytes per message: a message past kMaxFrames frames or kMaxMessageBytes bytes
//   is read to its end and dropped (MALFORMED); at most that much of it is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/envelope.h"

namespace orion {

struct SocketOptions {
  int send_hwm = 100'000;           // messages
  int recv_hwm = 100'000;           // messages
  std::int64_t max_msg_bytes = 16 << 20;  // one frame, 16 MiB
  int linger_ms = 200;
  int heartbeat_ivl_ms = 2'000;     // ZMTP PING interval (connection-oriented sockets)
  int heartbeat_timeout_ms = 6'000;
  bool router_mandatory = true;     // ROUTER only
};

zmq::socket_t make_socket(zmq::context_t& ctx, zmq::socket_type type, const SocketOptions& options = {});

// Binds and returns the endpoint actually bound ("tcp://127.0.0.1:*" becomes the chosen port).
// A tcp:// endpoint takes CURVE as a server when this process has keys (transport_security.h);
// without keys, an endpoint beyond loopback is bound with a warning.
std::string bind_socket(zmq::socket_t& socket, const std::string& endpoint);
// Connects; a tcp:// endpoint takes CURVE as a client when this process has keys.
void connect_socket(zmq::socket_t& socket, const std::string& endpoint);

// Replaces the host of a bound endpoint with `host` (e.g. "0.0.0.0" -> "scheduler") so others can
// connect to it; returns it unchanged when host is empty or the endpoint is not tcp://.
std::string advertised_endpoint(const std::string& bound, const std::string& host);

// At most this many frames are accepted in one message; the rest are read and dropped.
inline constexpr std::size_t kMaxFrames = 8;
// At most this many bytes of one message are kept (every frame but the body is small: 4 frames
// of the envelope, an identity, a topic); the rest of a longer one is read and dropped.
inline constexpr std::size_t kMaxMessageBytes = (16u << 20) + 4096;

struct Incoming {
  std::string identity;  // ROUTER peer identity, empty on other sockets
  std::string topic;     // event bus topic, when read with topic=true
  Result<Envelope> envelope = Error{ErrorCode::MALFORMED, "nothing received"};
  std::string request_id;  // set even when the envelope failed to decode
  // The authenticated principal of the connection (the ZAP user id its CURVE key maps to:
  // zap_handler.h), "" on a socket without CURVE. Never taken from the message's content.
  std::string principal;
  // The descriptor of the connection the message came in on (ZMQ_SRCFD), -1 when not known:
  // with the socket's monitor it tells when that peer's connection closes (peer_watch.h).
  int fd = -1;
};

// Note for loops: zmq::poll throws zmq::error_t with EINTR when a signal arrives; every service
// loop catches it and re-checks its stop flag. receive() itself treats EINTR as "none waiting".
//
// Receives one whole multipart message without blocking (false when none is waiting). A
// message that does not decode still returns true, with in.envelope holding the error.
// keep_packed: as decode_frame_views (envelope.h), message types whose body stays undecoded.
bool receive(zmq::socket_t& socket, Incoming& in, bool routed, bool topic = false, KeepPacked keep_packed = nullptr);

// Sends without blocking. Returns false (and the caller counts it) when the peer is unknown or
// its queue is full.
bool send_envelope(zmq::socket_t& socket, const std::string& identity, const Envelope& envelope);
bool send_envelope(zmq::socket_t& socket, const Envelope& envelope);
bool send_event(zmq::socket_t& pub, const Envelope& envelope, const std::string& topic);

bool send_error(zmq::socket_t& socket, const std::string& identity, const std::string& request_id, const Error& error);

}  // namespace orion
