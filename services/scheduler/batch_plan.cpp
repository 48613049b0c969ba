#include "services/scheduler/batch_plan.h"

#include <unordered_map>

namespace orion::scheduler {

namespace {

// Finds one cycle among entries that Kahn's algorithm could not order, iteratively (a batch can
// be 200,000 tasks deep: no recursion). Returns the keys along it, first key repeated at the end.
std::vector<std::string> find_cycle(const std::vector<BatchEntry>& entries, const BatchPlan& plan,
                                    const std::vector<std::uint32_t>& indegree) {
  const std::size_t n = entries.size();
  std::vector<int> color(n, 0);  // 0 unseen, 1 on the current path, 2 done
  for (std::size_t start = 0; start < n; ++start) {
    if (indegree[start] == 0 || color[start] != 0) continue;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{start, 0}};  // (node, next dep to visit)
    color[start] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& deps = plan.deps[node];
      if (next == deps.size()) {
        color[node] = 2;
        stack.pop_back();
        continue;
      }
      auto [local, target] = deps[next++];
      if (!local) continue;
      auto t = static_cast<std::size_t>(target);
      if (color[t] == 1) {
        std::vector<std::string> keys;
        bool on = false;
        for (auto& [v, _] : stack) {
          on = on || v == t;
          if (on) keys.push_back(entries[v].key);
        }
        // The path runs dependant -> dependency; show it in the order work would flow.
        std::vector<std::string> cycle(keys.rbegin(), keys.rend());
        cycle.push_back(cycle.front());
        return cycle;
      }
      if (color[t] == 0) {
        color[t] = 1;
        stack.emplace_back(t, 0);
      }
    }
  }
  return {};
}

}  // namespace

Result<BatchPlan> plan_batch(const std::vector<BatchEntry>& entries,
                             const std::function<std::optional<std::uint64_t>(const std::string&)>& existing) {
  const std::size_t n = entries.size();
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    if (!index.emplace(entries[i].key, i).second) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        "tasks[" + std::to_string(i) + "]: field 'key': '" + entries[i].key + "' is used twice");
    }
  }
  BatchPlan plan;
  plan.deps.resize(n);
  std::vector<std::uint32_t> indegree(n, 0);                  // local deps not yet ordered
  std::vector<std::vector<std::uint32_t>> local_dependants(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& d : entries[i].spec.depends_on) {
      auto it = index.find(d);
      if (it != index.end()) {
        if (it->second == i) {
          return make_error(ErrorCode::INVALID_ARGUMENT, "dependency cycle: " + d + " -> " + d);
        }
        plan.deps[i].emplace_back(true, it->second);
        local_dependants[it->second].push_back(static_cast<std::uint32_t>(i));
        ++indegree[i];
        continue;
      }
      auto seq = existing(d);
      if (!seq) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "tasks[" + std::to_string(i) + "] (key '" + entries[i].key +
                                                           "'): field 'depends_on': unknown dependency '" + d + "'");
      }
      plan.deps[i].emplace_back(false, *seq);
    }
  }
  // Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
  std::vector<std::uint32_t> remaining = indegree;
  plan.order.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (remaining[i] == 0) plan.order.push_back(i);
  }
  for (std::size_t head = 0; head < plan.order.size(); ++head) {
    for (auto d : local_dependants[plan.order[head]]) {
      if (--remaining[d] == 0) plan.order.push_back(d);
    }
  }
  if (plan.order.size() != n) {
    auto cycle = find_cycle(entries, plan, remaining);
    std::string text;
    for (const auto& k : cycle) text += (text.empty() ? "" : " -> ") + k;
    return make_error(ErrorCode::INVALID_ARGUMENT, "dependency cycle: " + text);
  }
  return plan;
}

}  // namespace orion::scheduler
