#include "services/scheduler/early_assigns.h"

namespace orion::scheduler {

bool EarlyAssigns::may_go(const Outbox::ToPeer& m) const {
  return m.early && m.seq != 0 && m.seq < durable_floor_ && !open_assigns_.count(m.seq) &&
         !open_attaches_.count(m.identity);
}

void EarlyAssigns::floor_written(std::uint64_t batch, std::uint64_t floor) { floors_.emplace_back(batch, floor); }

void EarlyAssigns::assigned(std::uint64_t seq, std::uint64_t batch) {
  open_assigns_[seq] = batch;
  assign_order_.emplace_back(batch, seq);
}

void EarlyAssigns::attached(const std::string& identity, std::uint64_t batch) {
  open_attaches_[identity] = batch;
  attach_order_.emplace_back(batch, identity);
}

void EarlyAssigns::committed(std::uint64_t through) {
  while (!floors_.empty() && floors_.front().first <= through) {
    durable_floor_ = std::max(durable_floor_, floors_.front().second);
    floors_.pop_front();
  }
  while (!assign_order_.empty() && assign_order_.front().first <= through) {
    const auto [batch, seq] = assign_order_.front();
    if (auto it = open_assigns_.find(seq); it != open_assigns_.end() && it->second == batch) open_assigns_.erase(it);
    assign_order_.pop_front();
  }
  while (!attach_order_.empty() && attach_order_.front().first <= through) {
    auto& [batch, identity] = attach_order_.front();
    if (auto it = open_attaches_.find(identity); it != open_attaches_.end() && it->second == batch) {
      open_attaches_.erase(it);
    }
    attach_order_.pop_front();
  }
}

void EarlyAssigns::reset() { *this = EarlyAssigns(); }

}  // namespace orion::scheduler
