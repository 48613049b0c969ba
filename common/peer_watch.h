// PeerWatch: which ROUTER peers' connections have closed, so that what a server holds for them
// (WAIT_TASK, WAIT_TASKS, WAIT_PROPOSAL) is dropped at once instead of at its timeout.
//
//   PeerWatch watch(ctx, router);              // monitors the socket's connections
//   ... receive(router, in, true) ...
//   watch.seen(in.identity, in.fd);            // every message: which connection it came on
//   for (auto& id : watch.gone()) drop_waits(id);   // once per turn
//
// libzmq 4.3 tells a ROUTER's application of a closed connection only through the draft
// ZMQ_ROUTER_NOTIFY, which Debian's libzmq5 is built without. So: the socket's monitor reports
// ZMQ_EVENT_ACCEPTED and ZMQ_EVENT_DISCONNECTED with the connection's descriptor, and each
// message carries the descriptor it came in on (ZMQ_SRCFD). A descriptor is reused after a
// close; a connection's "generation" (accepts of that descriptor so far) tells them apart: the
// monitor is read before a new identity is recorded, and libzmq reports the old connection's
// DISCONNECTED and the new one's ACCEPTED before any message of the new one, so the identity is
// recorded under the right generation.
//
// Closing: the watch holds a socket of the router's context, so zmq_ctx_term() on that context
// blocks until the watch is closed too. Its destructor does that; a server that terminates the
// context itself (a restart in place) calls close() first, before closing the router.
//
// Memory: one entry per identity that sent a request and is still connected, plus one per
// descriptor ever accepted (bounded by the process's descriptor limit).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

namespace orion {

class PeerWatch {
 public:
  PeerWatch(zmq::context_t& ctx, zmq::socket_t& router);
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;

  // `identity` sent a message on connection `fd` (Incoming::fd; -1: not watched).
  void seen(const std::string& identity, int fd);
  // Identities whose connection closed since the last call (each once).
  std::vector<std::string> gone();
  std::size_t watched() const { return peers_.size(); }
  // Stops the router's monitor and closes the watch's socket; then gone() reports nothing new.
  // Call it before the router is closed (the router must still be open). Idempotent.
  void close();

 private:
  void drain();  // applies the monitor's events
  struct Peer {
    int fd;
    std::uint64_t generation;
  };
  void* router_;  // the watched ROUTER's handle, for close()
  zmq::socket_t monitor_;
  std::unordered_map<int, std::uint64_t> generation_;                  // fd -> accepts so far
  std::unordered_map<std::string, Peer> peers_;                        // identity -> its connection
  std::unordered_map<int, std::vector<std::string>> by_fd_;            // fd -> identities on it
  std::vector<std::string> gone_;
};

}  // namespace orion
