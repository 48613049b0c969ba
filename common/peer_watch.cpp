#include "common/peer_watch.h"

#include <cstring>

#include "common/ids.h"

namespace orion {

PeerWatch::PeerWatch(zmq::context_t& ctx, zmq::socket_t& router)
    : router_(router.handle()), monitor_(ctx, zmq::socket_type::pair) {
  const std::string ep = "inproc://orion-peer-watch-" + random_hex(8);
  if (zmq_socket_monitor(router.handle(), ep.c_str(), ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0) {
    throw zmq::error_t();
  }
  monitor_.set(zmq::sockopt::rcvhwm, 100'000);  // read every turn; a lost event only delays a drop
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect(ep);
}

void PeerWatch::close() {
  if (!monitor_) return;
  // The router's own end of the monitor goes with this call (or with the router, if closed).
  static_cast<void>(zmq_socket_monitor(router_, nullptr, 0));
  monitor_.close();
}

void PeerWatch::drain() {
  if (!monitor_) return;
  for (;;) {
    zmq::message_t head, address;
    if (!monitor_.recv(head, zmq::recv_flags::dontwait)) return;
    if (head.more()) static_cast<void>(monitor_.recv(address, zmq::recv_flags::none));
    if (head.size() < 6) continue;
    std::uint16_t event = 0;
    std::int32_t fd = -1;
    std::memcpy(&event, head.data(), 2);
    std::memcpy(&fd, static_cast<const char*>(head.data()) + 2, 4);
    if (event == ZMQ_EVENT_ACCEPTED) {
      ++generation_[fd];
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
      auto it = by_fd_.find(fd);
      if (it == by_fd_.end()) continue;
      const std::uint64_t gen = generation_[fd];
      for (auto& id : it->second) {
        auto p = peers_.find(id);
        if (p == peers_.end() || p->second.fd != fd || p->second.generation != gen) continue;
        peers_.erase(p);
        gone_.push_back(std::move(id));
      }
      by_fd_.erase(it);
    }
  }
}

void PeerWatch::seen(const std::string& identity, int fd) {
  if (fd < 0) return;
  auto it = peers_.find(identity);
  if (it != peers_.end() && it->second.fd == fd) return;  // the common case: one hash lookup
  drain();  // this connection's ACCEPTED (and an earlier one's DISCONNECTED) first
  peers_[identity] = Peer{fd, generation_[fd]};
  by_fd_[fd].push_back(identity);
}

std::vector<std::string> PeerWatch::gone() {
  drain();
  std::vector<std::string> out;
  out.swap(gone_);
  return out;
}

}  // namespace orion
