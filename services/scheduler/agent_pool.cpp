#include "services/scheduler/agent_pool.h"

#include <algorithm>
#include <cmath>

namespace orion::scheduler {

namespace {

bool has_all(const std::vector<int>& have, const std::vector<int>& need) {
  for (int c : need) {
    if (!std::binary_search(have.begin(), have.end(), c)) return false;
  }
  return true;
}

bool listed(const std::vector<std::string>& names, const std::string& id) {
  return std::find(names.begin(), names.end(), id) != names.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

AgentSession& AgentPool::attach(const AgentSpec& spec, const std::string& identity, std::int64_t now_ms) {
  remove(spec.agent_id);  // a re-attach replaces the session
  // Performance history outlives a reconnect.
  AgentStats keep;
  if (auto r = retired_.find(spec.agent_id); r != retired_.end()) {
    keep = std::move(r->second);
    unretire(spec.agent_id);
  }
  AgentSession& a = agents_[spec.agent_id];
  a.spec = spec;
  a.identity = identity;
  a.last_seen_ms = now_ms;
  a.stats = keep;
  for (const auto& c : spec.capabilities) {
    auto [it, fresh] = cap_ids_.emplace(c, static_cast<int>(cap_ids_.size()));
    if (fresh) by_cap_.emplace_back();
    a.cap_ids.push_back(it->second);
  }
  std::sort(a.cap_ids.begin(), a.cap_ids.end());
  a.cap_ids.erase(std::unique(a.cap_ids.begin(), a.cap_ids.end()), a.cap_ids.end());
  for (int c : a.cap_ids) by_cap_[static_cast<std::size_t>(c)].push_back(&a);
  return a;
}

void AgentPool::remove(const std::string& agent_id) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return;
  for (int c : it->second.cap_ids) {
    auto& list = by_cap_[static_cast<std::size_t>(c)];
    list.erase(std::find(list.begin(), list.end(), &it->second));
  }
  unretire(agent_id);
  retired_[agent_id] = std::move(it->second.stats);
  retired_order_[++retirements_] = agent_id;
  retired_when_[agent_id] = retirements_;
  agents_.erase(it);
  if (retired_.size() > kMaxRetired) {
    const std::string oldest = retired_order_.begin()->second;  // a copy: unretire erases it
    unretire(oldest);
  }
}

void AgentPool::unretire(const std::string& agent_id) {
  auto w = retired_when_.find(agent_id);
  if (w == retired_when_.end()) return;
  retired_order_.erase(w->second);
  retired_when_.erase(w);
  retired_.erase(agent_id);
}

AgentSession* AgentPool::find(const std::string& agent_id) {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? nullptr : &it->second;
}

const AgentSession* AgentPool::find(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? nullptr : &it->second;
}

bool AgentPool::intern_lookup(const std::vector<std::string>& caps, std::vector<int>& ids) const {
  ids.clear();
  for (const auto& c : caps) {
    auto it = cap_ids_.find(c);
    if (it == cap_ids_.end()) return false;
    ids.push_back(it->second);
  }
  return true;
}

template <class Fn>
void AgentPool::for_each_capable(const std::vector<int>& need, Fn&& fn) const {
  if (need.empty()) {
    for (const auto& [id, a] : agents_) fn(const_cast<AgentSession&>(a));
    return;
  }
  // Walk the rarest capability's agents; check the rest on each.
  const std::vector<AgentSession*>* rarest = nullptr;
  for (int c : need) {
    const auto& list = by_cap_[static_cast<std::size_t>(c)];
    if (!rarest || list.size() < rarest->size()) rarest = &list;
  }
  for (AgentSession* a : *rarest) {
    if (has_all(a->cap_ids, need)) fn(*a);
  }
}

AgentPool::Choice AgentPool::select(const TaskSpec& spec) {
  Choice choice;
  std::vector<int> need;
  if (!intern_lookup(spec.capabilities, need)) {
    choice.why = "no live agent has capabilities [" + join(spec.capabilities) + "]";
    return choice;
  }
  AgentSession* best = nullptr;
  bool best_preferred = false;
  auto better = [&](AgentSession& a, bool preferred) {
    if (!best) return true;
    if (preferred != best_preferred) return preferred;
    if (a.load() != best->load()) return a.load() < best->load();
    double sa = a.stats.score(), sb = best->stats.score();
    if (sa != sb) return sa > sb;
    return a.last_assigned < best->last_assigned;
  };
  std::size_t draining = 0;
  for_each_capable(need, [&](AgentSession& a) {
    if (!spec.excluded_agents.empty() && listed(spec.excluded_agents, a.spec.agent_id)) return;
    ++choice.capable;
    draining += a.draining;
    if (!a.has_free_slot()) return;
    bool preferred = !spec.preferred_agents.empty() && listed(spec.preferred_agents, a.spec.agent_id);
    if (better(a, preferred)) best = &a, best_preferred = preferred;
  });
  choice.agent = best;
  std::string caps = "[" + join(spec.capabilities) + "]";
  if (best) {
    char score[32];
    std::snprintf(score, sizeof score, "%.2f", best->stats.score());
    choice.why = best_preferred ? "preferred agent " + best->spec.agent_id + " had a free slot"
                                : best->spec.agent_id + " was the least loaded of " + std::to_string(choice.capable) +
                                      " agents with capabilities " + caps + " (score " + score + ")";
  } else if (choice.capable == 0) {
    choice.why = "no live agent has capabilities " + caps +
                 (spec.excluded_agents.empty() ? "" : " (excluding " + join(spec.excluded_agents) + ")");
  } else {
    choice.why = "all " + std::to_string(choice.capable) + " capable agents are at capacity" +
                 (draining ? " or draining (" + std::to_string(draining) + " draining)" : "");
  }
  return choice;
}

void AgentPool::count(const TaskSpec& spec, std::size_t* capable, std::size_t* free, std::size_t* draining) const {
  *capable = *free = *draining = 0;
  std::vector<int> need;
  if (!intern_lookup(spec.capabilities, need)) return;
  for_each_capable(need, [&](AgentSession& a) {
    if (!spec.excluded_agents.empty() && listed(spec.excluded_agents, a.spec.agent_id)) return;
    ++*capable;
    if (a.has_free_slot()) ++*free;
    if (a.draining) ++*draining;
  });
}

void AgentPool::note_assigned(AgentSession& a, std::uint64_t seq) {
  a.running.insert(seq);
  a.last_assigned = ++assignments_;
}

void AgentPool::record_outcome(const std::string& agent_id, bool ok, bool timed_out, double runtime_ms) {
  AgentSession* a = find(agent_id);
  if (!a) return;
  constexpr double kAlpha = 0.2;
  auto& s = a->stats;
  if (ok) ++s.done;
  else if (timed_out) ++s.timed_out;
  else ++s.failed;
  s.success_ewma = (1 - kAlpha) * s.success_ewma + kAlpha * (ok ? 1.0 : 0.0);
  s.runtime_ewma_ms = s.done + s.failed + s.timed_out == 1 ? runtime_ms
                                                            : (1 - kAlpha) * s.runtime_ewma_ms + kAlpha * runtime_ms;
  if (s.recent_ms.size() < AgentStats::kRecent) {
    s.recent_ms.push_back(static_cast<float>(runtime_ms));
  } else {
    s.recent_ms[s.recent_next] = static_cast<float>(runtime_ms);
    s.recent_next = (s.recent_next + 1) % AgentStats::kRecent;
  }
}

double AgentStats::mean_ms() const {
  if (recent_ms.empty()) return 0;
  double sum = 0;
  for (float v : recent_ms) sum += v;
  return sum / static_cast<double>(recent_ms.size());
}

double AgentStats::p95_ms() const {
  if (recent_ms.empty()) return 0;
  std::vector<float> sorted(recent_ms.begin(), recent_ms.end());
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

std::size_t AgentPool::free_slots() const {
  std::size_t n = 0;
  for (const auto& [id, a] : agents_) {
    auto cap = static_cast<std::size_t>(a.spec.capacity);
    if (a.held() < cap) n += cap - a.held();
  }
  return n;
}

}  // namespace orion::scheduler
