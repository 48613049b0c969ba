// Who may connect to a process whose sockets take CURVE: its ZAP handler (ZeroMQ RFC 27).
// libzmq asks it about every CURVE handshake on a socket of its context, over
// inproc://zeromq.zap.01; it admits a client whose public key is in the key ring and names it
// by the ring's principal. That name is the ZAP user id, which every message from the
// connection then carries as its "User-Id" property (Incoming::principal): the principal comes
// from the handshake, never from a message body.
//
//   KeyRing ring;
//   ring.add(read_public_key("agent-a1.key.pub").value(), "agent-a1");
//   auto current = std::make_shared<const KeyRing>(std::move(ring));
//   ZapHandler zap(ctx, [&] { return std::atomic_load(&current); });  // before any handshake
//   std::atomic_store(&current, reloaded);                               // new handshakes see it
//
// The handler answers on its own thread: it reads only the ring (swapped whole, atomically),
// so the service's core stays single-threaded and a handshake never waits for a loop turn.
// Anything but a well-formed CURVE request with a known key is refused (status 400); requests
// are bounded (at most 8 frames of at most 256 bytes: a ZAP request from libzmq is 7 small ones).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "common/status.h"

namespace orion {

// Public keys (32 bytes each) to principal names.
class KeyRing {
 public:
  // INVALID_ARGUMENT for a key that is not Z85 or a principal name that is empty; ALREADY_EXISTS
  // for a key already given to another principal.
  Status add(const std::string& z85_public_key, const std::string& principal);
  // The principal holding this key (its 32 bytes), or nullptr.
  const std::string* find(const std::string& key_bytes) const;
  std::size_t size() const { return by_key_.size(); }

 private:
  std::map<std::string, std::string> by_key_;  // key bytes -> principal
};

class ZapHandler {
 public:
  // The keys admitted now: asked for each request and at least every 100 ms between them, on the
  // handler's thread (a policy reloaded on SIGHUP comes through here: service_security.h).
  using RingSource = std::function<std::shared_ptr<const KeyRing>()>;
  // Binds inproc://zeromq.zap.01 in ctx (one handler per context; a second throws) and starts
  // answering.
  ZapHandler(zmq::context_t& ctx, RingSource ring);
  ~ZapHandler();  // stops and joins; the context's termination also ends it
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  std::uint64_t admitted() const { return admitted_.load(); }
  std::uint64_t refused() const { return refused_.load(); }
  // True once its thread ended (its context terminated): a new context at the same address
  // needs a handler of its own.
  bool finished() const { return finished_.load(); }

 private:
  void run();
  void answer();

  zmq::socket_t socket_;
  RingSource ring_;
  std::atomic<bool> stop_{false}, finished_{false};
  std::atomic<std::uint64_t> admitted_{0}, refused_{0};
  std::thread thread_;
};

// The ZAP handler of ctx, made on first use with `ring` (make_socket calls it for every context
// of a process whose transport security admits keys: transport_security.h). Lives as long as
// the process; it ends its thread when the context terminates.
void ensure_zap_handler(zmq::context_t& ctx, const ZapHandler::RingSource& ring);

}  // namespace orion
