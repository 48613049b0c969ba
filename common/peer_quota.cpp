#include "common/peer_quota.h"

namespace orion {

Status PeerQuota::admit(const std::string& peer, std::size_t units) const {
  auto it = peers_.find(peer);
  std::size_t mine = it == peers_.end() ? 0 : it->second.holds;
  std::size_t my_units = it == peers_.end() ? 0 : it->second.units;
  if (mine + 1 > limits_.per_peer_holds) {
    return make_error(ErrorCode::UNAVAILABLE, "this connection already holds " + std::to_string(mine) +
                                                  " waiting requests, the most per connection; retry once one is answered");
  }
  if (my_units + units > limits_.per_peer_units) {
    return make_error(ErrorCode::UNAVAILABLE, "this connection's waiting requests would name " +
                                                  std::to_string(my_units + units) + " tasks, over " +
                                                  std::to_string(limits_.per_peer_units) +
                                                  " per connection; retry once one is answered");
  }
  if (holds_ + 1 > limits_.holds || units_ + units > limits_.units) {
    return make_error(ErrorCode::UNAVAILABLE, "too many waiting requests; retry later");
  }
  return {};
}

void PeerQuota::add(const std::string& peer, std::size_t units) {
  Held& h = peers_[peer];
  ++h.holds;
  h.units += units;
  ++holds_;
  units_ += units;
}

void PeerQuota::remove(const std::string& peer, std::size_t units) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  --it->second.holds;
  it->second.units -= units;
  --holds_;
  units_ -= units;
  if (it->second.holds == 0) peers_.erase(it);
}

void PeerQuota::clear() {
  peers_.clear();
  holds_ = units_ = 0;
}

std::size_t PeerQuota::holds_of(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.holds;
}

}  // namespace orion
