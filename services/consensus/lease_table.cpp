#include "services/consensus/lease_table.h"

#include <spdlog/fmt/fmt.h>

namespace orion::consensus {

LeaseTable::Lease& LeaseTable::slot_for(const std::string& name) {
  auto it = leases_.find(name);
  if (it != leases_.end()) return it->second;
  Lease& l = leases_[name];
  l.view.name = name;
  l.slot = next_slot_++;
  by_end_.insert({l.view.expires_ms, name});
  return l;
}

void LeaseTable::set_end(Lease& l, std::int64_t expires_ms) {
  by_end_.erase({l.view.expires_ms, l.view.name});
  l.view.expires_ms = expires_ms;
  by_end_.insert({expires_ms, l.view.name});
}

Result<LeaseInfo> LeaseTable::acquire(const std::string& name, const std::string& holder, std::int64_t ttl_ms,
                                      std::int64_t now_ms) {
  auto it = leases_.find(name);
  if (it != leases_.end() && !it->second.view.holder.empty() && now_ms < it->second.view.expires_ms &&
      it->second.view.holder != holder) {
    return LeaseInfo{get(name, now_ms), false};
  }
  Lease& l = slot_for(name);
  if (!held_by(l, holder, now_ms)) {
    // Changes hands (or is taken again after expiry): a new fencing token.
    l.view.holder = holder;
    l.view.token = next_token_++;
    l.view.acquired_ms = now_ms;
  }
  set_end(l, now_ms + ttl_ms);
  dirty_.insert(name);
  return LeaseInfo{l.view, true};
}

Result<LeaseInfo> LeaseTable::renew(const std::string& name, const std::string& holder, std::int64_t ttl_ms,
                                    std::int64_t now_ms) {
  auto it = leases_.find(name);
  if (it == leases_.end() || !held_by(it->second, holder, now_ms)) {
    LeaseView v = get(name, now_ms);
    return make_error(ErrorCode::FAILED_PRECONDITION,
                      fmt::format("lease '{}' is not held by '{}' ({})", name, holder,
                                  v.holder.empty() ? std::string("it is free") : "held by '" + v.holder + "'"));
  }
  set_end(it->second, now_ms + ttl_ms);
  dirty_.insert(name);
  return LeaseInfo{it->second.view, true};
}

LeaseInfo LeaseTable::release(const std::string& name, const std::string& holder, std::int64_t now_ms) {
  auto it = leases_.find(name);
  if (it == leases_.end() || !held_by(it->second, holder, now_ms)) return LeaseInfo{get(name, now_ms), false};
  it->second.view.holder.clear();
  set_end(it->second, now_ms);
  dirty_.insert(name);
  return LeaseInfo{it->second.view, true};
}

LeaseView LeaseTable::get(const std::string& name, std::int64_t now_ms) const {
  auto it = leases_.find(name);
  if (it == leases_.end()) {
    LeaseView v;
    v.name = name;
    return v;
  }
  LeaseView v = it->second.view;
  if (now_ms >= v.expires_ms) v.holder.clear();
  return v;
}

void LeaseTable::restore(const Lease& lease) {
  auto it = leases_.find(lease.view.name);
  if (it != leases_.end()) by_end_.erase({it->second.view.expires_ms, lease.view.name});
  leases_[lease.view.name] = lease;
  by_end_.insert({lease.view.expires_ms, lease.view.name});
}

std::size_t LeaseTable::forget_ended(std::int64_t cutoff_ms, std::size_t limit,
                                     const std::function<void(std::uint64_t)>& erased) {
  std::size_t n = 0;
  while (n < limit && !by_end_.empty() && by_end_.begin()->first <= cutoff_ms) {
    auto it = leases_.find(by_end_.begin()->second);
    by_end_.erase(by_end_.begin());
    dirty_.erase(it->first);
    erased(it->second.slot);
    leases_.erase(it);
    ++n;
  }
  return n;
}

void LeaseTable::drain_dirty(const std::function<void(const Lease&)>& fn) {
  for (const auto& name : dirty_) fn(leases_.at(name));
  dirty_.clear();
}

std::string LeaseTable::check_invariants() const {
  std::set<std::uint64_t> slots;
  if (by_end_.size() != leases_.size()) return "the retention index and the table differ in size";
  for (const auto& [name, l] : leases_) {
    if (!by_end_.count({l.view.expires_ms, name})) return "lease '" + name + "' is missing from the retention index";
    if (l.view.name != name) return "lease '" + name + "' is filed under another name";
    if (l.slot == 0 || l.slot >= next_slot_ || !slots.insert(l.slot).second) {
      return "lease '" + name + "' has a bad or shared slot";
    }
    if (!l.view.holder.empty()) {
      if (l.view.token < 1 || l.view.token >= next_token_) return "lease '" + name + "' has a token out of range";
      if (l.view.expires_ms < l.view.acquired_ms) return "lease '" + name + "' expires before it was acquired";
    }
  }
  return {};
}

}  // namespace orion::consensus
