// Who may connect to a process whose sockets take CURVE: its ZAP handler (ZeroMQ RFC 27).
// libzmq asks it about every CURVE handshake on a socket of its context, over
// inproc://zeromq.zap.01; it admits a client whose public key is in the key ring and names it
// by the ring's principal. That name is the ZAP user id, which every message from the
// connection then carries as its "User-Id" property (Incoming::principal): the principal comes
// from the handshake, never from a message body.
//
//   KeyRing ring;
//   ring.add(read_public_key("agent-a1.key.pub").value(), "agent-a1");
//   ZapHandler zap(ctx, std::make_shared<const KeyRing>(std::move(ring)));  // before any bind
//   ...
//   zap.replace(std::make_shared<const KeyRing>(reloaded));  // SIGHUP: new handshakes see it
//
// The handler answers on its own thread: it reads only the ring (swapped whole, atomically),
// so the service's core stays single-threaded and a handshake never waits for a loop turn.
// Anything but a well-formed CURVE request with a known key is refused (status 400); requests
// are bounded (at most 8 frames of at most 256 bytes: a ZAP request from libzmq is 7 small ones).
#pragma once

#include <atomic>
#include <cstdint>
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
  // Binds inproc://zeromq.zap.01 in ctx (one handler per context; a second throws) and starts
  // answering.
  ZapHandler(zmq::context_t& ctx, std::shared_ptr<const KeyRing> ring);
  ~ZapHandler();  // stops and joins; call before the context closes
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  void replace(std::shared_ptr<const KeyRing> ring);
  std::uint64_t admitted() const { return admitted_.load(); }
  std::uint64_t refused() const { return refused_.load(); }

 private:
  void run();
  void answer();

  zmq::socket_t socket_;
  std::shared_ptr<const KeyRing> ring_;  // read and written with std::atomic_load/store
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> admitted_{0}, refused_{0};
  std::thread thread_;
};

}  // namespace orion
