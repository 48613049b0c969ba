#include "services/scheduler/fair_share.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace orion::scheduler {

Status FairShare::set_weight(const std::string& ns, double weight) {
  if (!std::isfinite(weight) || weight < kMinWeight || weight > kMaxWeight) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "weight of namespace '" + ns + "': " + std::to_string(kMinWeight) + " to " +
                          std::to_string(kMaxWeight) + ", not " + std::to_string(weight));
  }
  weights_[ns] = weight;
  return {};
}

double FairShare::weight(const std::string& ns) const {
  auto it = weights_.find(ns);
  return it == weights_.end() ? kDefaultWeight : it->second;
}

double& FairShare::pass_of(const std::string& ns) {
  auto [it, fresh] = pass_.try_emplace(ns, virtual_time_);
  // Idle since it was last served: join now, without the credit of the time away.
  it->second = std::max(it->second, virtual_time_);
  return it->second;
}

std::vector<const std::string*> FairShare::order(const std::vector<const std::string*>& candidates) {
  std::vector<std::pair<double, const std::string*>> by_pass;
  by_pass.reserve(candidates.size());
  for (const std::string* ns : candidates) by_pass.emplace_back(pass_of(*ns), ns);
  std::sort(by_pass.begin(), by_pass.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : *a.second < *b.second;
  });
  std::vector<const std::string*> out;
  out.reserve(by_pass.size());
  for (const auto& [pass, ns] : by_pass) out.push_back(ns);
  return out;
}

std::size_t FairShare::first(const std::vector<const std::string*>& candidates) {
  std::size_t best = 0;
  double best_pass = pass_of(*candidates[0]);
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    const double pass = pass_of(*candidates[i]);
    if (pass < best_pass || (pass == best_pass && *candidates[i] < *candidates[best])) best = i, best_pass = pass;
  }
  return best;
}

void FairShare::served(const std::string& ns) {
  double& pass = pass_of(ns);
  virtual_time_ = pass;
  pass += 1.0 / weight(ns);
  ++slots_[ns];
}

std::uint64_t FairShare::slots(const std::string& ns) const {
  auto it = slots_.find(ns);
  return it == slots_.end() ? 0 : it->second;
}

void FairShare::trim(const std::vector<const std::string*>& keep) {
  std::set<std::string> named;
  for (const std::string* ns : keep) named.insert(*ns);
  for (auto it = pass_.begin(); it != pass_.end();) {
    // A served namespace's pass is at most one stride past the virtual time: forgetting it gives
    // back at most one slot's worth when it comes back.
    if (named.count(it->first) == 0 && weights_.count(it->first) == 0) {
      slots_.erase(it->first);
      it = pass_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace orion::scheduler
