#include "services/scheduler/batch_plan.h"

#include <functional>
#include <string_view>

namespace orion::scheduler {

namespace {

// Entry index by key, for one batch: open addressing over the entries' own strings, so a
// 100,000-entry batch costs one array, not 100,000 hash nodes. At most half full.
template <class Entries>
class KeyIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit KeyIndex(const Entries& entries) : entries_(entries) {
    std::size_t cap = 16;
    while (cap < entries.size() * 2) cap <<= 1;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
  }
  // Adds entry i under its key; false when another entry has that key already.
  bool add(std::size_t i) {
    std::string_view key = entries_.key(i);
    for (std::size_t s = hash(key);; s = (s + 1) & mask_) {
      if (slots_[s] == 0) {
        slots_[s] = static_cast<std::uint32_t>(i + 1);
        return true;
      }
      if (entries_.key(slots_[s] - 1) == key) return false;
    }
  }
  // The entry with this key, or npos.
  std::size_t find(std::string_view key) const {
    for (std::size_t s = hash(key);; s = (s + 1) & mask_) {
      if (slots_[s] == 0) return npos;
      if (entries_.key(slots_[s] - 1) == key) return slots_[s] - 1;
    }
  }

 private:
  std::size_t hash(std::string_view key) const { return std::hash<std::string_view>{}(key) & mask_; }
  const Entries& entries_;
  std::vector<std::uint32_t> slots_;  // entry index + 1; 0 = empty (kMaxBatchTasks fits)
  std::size_t mask_ = 0;
};

// Finds one cycle among entries that Kahn's algorithm could not order, iteratively (a batch can
// be 200,000 tasks deep: no recursion). Returns the keys along it, first key repeated at the end.
template <class Entries>
std::vector<std::string> find_cycle(const Entries& entries, const BatchPlan& plan,
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
          if (on) keys.emplace_back(entries.key(v));
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

// Both kinds of entries through one interface, so the plan is one algorithm: size(), key(i) and
// each_dependency(i, fn) (the submit path's calls inline; BatchEntries' are virtual).
struct VectorEntries {
  const std::vector<BatchEntry>& v;
  std::size_t size() const { return v.size(); }
  std::string_view key(std::size_t i) const { return v[i].key; }
  template <class Fn>
  void each_dependency(std::size_t i, Fn&& fn) const {
    for (const auto& d : v[i].spec.depends_on) fn(d);
  }
};

// A dependency as `existing` takes it: the entry's own string, or one made from a view.
const std::string& as_string(const std::string& s) { return s; }
std::string as_string(std::string_view s) { return std::string(s); }

template <class Entries>
Result<BatchPlan> plan_entries(const Entries& entries, const ExistingTask& existing) {
  const std::size_t n = entries.size();
  KeyIndex<Entries> index(entries);
  for (std::size_t i = 0; i < n; ++i) {
    if (!index.add(i)) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        "tasks[" + std::to_string(i) + "]: field 'key': '" + std::string(entries.key(i)) + "' is used twice");
    }
  }
  BatchPlan plan;
  plan.deps.resize(n);
  std::vector<std::uint32_t> indegree(n, 0);  // local deps not yet ordered
  std::vector<std::uint32_t> fan_out(n + 1, 0);  // local dependants per entry, then offsets
  std::optional<Error> refused;
  for (std::size_t i = 0; i < n && !refused; ++i) {
    entries.each_dependency(i, [&](const auto& d) {
      if (refused) return;
      auto local = index.find(d);
      if (local != KeyIndex<Entries>::npos) {
        if (local == i) {
          refused = make_error(ErrorCode::INVALID_ARGUMENT, "dependency cycle: " + std::string(d) + " -> " + std::string(d));
          return;
        }
        plan.deps[i].emplace_back(true, local);
        ++fan_out[local + 1];
        ++indegree[i];
        return;
      }
      auto seq = existing(as_string(d));
      if (!seq) {
        refused = make_error(ErrorCode::INVALID_ARGUMENT, "tasks[" + std::to_string(i) + "] (key '" + std::string(entries.key(i)) +
                                                              "'): field 'depends_on': unknown dependency '" + std::string(d) + "'");
        return;
      }
      plan.deps[i].emplace_back(false, *seq);
    });
  }
  if (refused) return *refused;
  // Local dependants in one array (CSR): those of entry e are dependants[fan_out[e] .. fan_out[e+1]).
  for (std::size_t e = 0; e < n; ++e) fan_out[e + 1] += fan_out[e];
  std::vector<std::uint32_t> dependants(fan_out[n]);
  {
    std::vector<std::uint32_t> fill(fan_out.begin(), fan_out.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      for (auto [is_local, target] : plan.deps[i]) {
        if (is_local) dependants[fill[target]++] = static_cast<std::uint32_t>(i);
      }
    }
  }
  // Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
  std::vector<std::uint32_t> remaining = indegree;
  plan.order.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (remaining[i] == 0) plan.order.push_back(i);
  }
  for (std::size_t head = 0; head < plan.order.size(); ++head) {
    auto e = plan.order[head];
    for (auto k = fan_out[e]; k < fan_out[e + 1]; ++k) {
      auto d = dependants[k];
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

}  // namespace

Result<BatchPlan> plan_batch(const std::vector<BatchEntry>& entries, const ExistingTask& existing) {
  return plan_entries(VectorEntries{entries}, existing);
}

Result<BatchPlan> plan_batch(const BatchEntries& entries, const ExistingTask& existing) {
  return plan_entries(entries, existing);
}

}  // namespace orion::scheduler
