#include "services/registry/replica_table.h"

#include <algorithm>
#include <stdexcept>

namespace orion::registry {

ReplicaTable::ReplicaTable(const Clock& clock, std::int64_t expire_after_ms)
    : clock_(clock), expire_after_ms_(expire_after_ms) {
  if (expire_after_ms_ < 1) throw std::invalid_argument("expire_after_ms must be >= 1");
}

ReplicaTable::Key ReplicaTable::key_of(const Announce& a) {
  if (a.id > 0) return {a.service, "id:" + std::to_string(a.id)};
  auto client = a.endpoints.find("client");
  return {a.service, "ep:" + (client == a.endpoints.end() ? std::string() : client->second)};
}

Result<ReplicaTable::Outcome> ReplicaTable::announce(Announce a) {
  if (a.role.empty()) a.role = "single";
  const Key key = key_of(a);
  const Replica* before = leader(a.service);
  const std::map<std::string, std::string> before_endpoints = before ? before->said.endpoints : decltype(before_endpoints){};
  const Key before_key = before ? key_of(before->said) : Key{};
  Outcome out;
  auto it = replicas_.find(key);
  if (it == replicas_.end()) {
    std::size_t listed = 0;
    for (const auto& [k, r] : replicas_) listed += k.first == a.service;
    if (listed >= kMaxReplicasPerService) {
      return make_error(ErrorCode::UNAVAILABLE, "the registry lists " + std::to_string(listed) + " replicas of " +
                                                    a.service + " already; retry once one has expired");
    }
    it = replicas_.emplace(key, Replica{}).first;
    out.added = true;
  }
  it->second.said = std::move(a);
  it->second.last_seen_ms = clock_.now_ms();
  it->second.order = next_order_++;
  const Replica* after = leader(key.first);
  out.leader_changed = !before || key_of(after->said) != before_key || after->said.endpoints != before_endpoints;
  return out;
}

std::vector<std::string> ReplicaTable::expire() {
  std::vector<std::string> gone;
  const auto now = clock_.now_ms();
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    if (now - it->second.last_seen_ms >= expire_after_ms_) {
      gone.push_back(it->first.first + " " + it->first.second);
      it = replicas_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

const ReplicaTable::Replica* ReplicaTable::leader(const std::string& service) const {
  const Replica* best = nullptr;     // may lead: highest term, then latest
  const Replica* latest = nullptr;   // any role: latest
  for (auto it = replicas_.lower_bound({service, std::string()}); it != replicas_.end() && it->first.first == service;
       ++it) {
    const Replica& r = it->second;
    if (!latest || r.order > latest->order) latest = &r;
    if (!r.may_lead()) continue;
    if (!best || r.said.term > best->said.term || (r.said.term == best->said.term && r.order > best->order)) best = &r;
  }
  return best ? best : latest;
}

std::vector<ReplicaView> ReplicaTable::views(const std::string& service) const {
  const Replica* l = leader(service);
  const auto now = clock_.now_ms();
  std::vector<ReplicaView> out;
  for (auto it = replicas_.lower_bound({service, std::string()}); it != replicas_.end() && it->first.first == service;
       ++it) {
    const Replica& r = it->second;
    ReplicaView v;
    v.id = r.said.id;
    v.role = r.said.role;
    v.term = r.said.term;
    v.commit_index = r.said.commit_index;
    v.applied_index = r.said.applied_index;
    auto client = r.said.endpoints.find("client");
    v.endpoint = client == r.said.endpoints.end() ? std::string() : client->second;
    v.endpoints = r.said.endpoints;
    v.last_seen_age_ms = std::max<std::int64_t>(0, now - r.last_seen_ms);
    v.leader = &r == l;
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const ReplicaView& a, const ReplicaView& b) {
    return a.id != b.id ? a.id < b.id : a.endpoint < b.endpoint;
  });
  return out;
}

std::string ReplicaTable::check_invariants() const {
  std::map<std::string, std::size_t> per_service;
  for (const auto& [k, r] : replicas_) {
    if (key_of(r.said) != k) return "replica " + k.first + " " + k.second + " is filed under another key";
    if (r.last_seen_ms > clock_.now_ms()) return "replica " + k.second + " was seen in the future";
    if (r.said.role.empty()) return "replica " + k.second + " has no role";
    if (++per_service[k.first] > kMaxReplicasPerService) return "service " + k.first + " has too many replicas";
  }
  return {};
}

}  // namespace orion::registry
