// SCHEDULER_STATS from what the core keeps as tasks change (scheduler_core.h: stats): the
// counts and percentiles of LiveStats, and the waiting classes from the ready queues.
#include <algorithm>
#include <limits>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_stats.h"

namespace orion::scheduler {

// Classes differ by exclusions (and namespaces) too; the answer groups them by capabilities
// alone, the largest kept. ns: only the classes of that namespace; nullptr: every class.
std::vector<WaitingClass> SchedulerCore::waiting_classes(std::int64_t now_ms, const std::string* ns) const {
  std::map<std::vector<std::string>, WaitingClass> waiting;
  for (const auto& [key, qc] : ready_.classes()) {
    if (qc.empty() || (ns && qc.ns() != *ns)) continue;
    WaitingClass& w = waiting[qc.capabilities()];
    w.tasks += static_cast<std::int64_t>(qc.size());
    w.oldest_wait_ms = std::max(w.oldest_wait_ms, ready_.oldest_wait(qc, tasks_, now_ms));
  }
  std::vector<WaitingClass> out;
  for (auto& [caps, w] : waiting) {
    w.capabilities = caps;
    out.push_back(std::move(w));
  }
  keep_largest(out);
  return out;
}

SchedulerStatsOk SchedulerCore::stats(std::int64_t now_ms) const {
  SchedulerStatsOk out;
  live_.fill(out);
  out.retention_ms = options_.retention_ms;
  out.waiting = waiting_classes(now_ms, nullptr);
  // Per namespace, the kMaxNamespacesListed holding most tasks.
  std::vector<std::pair<std::int64_t, const std::string*>> sizes;
  for (const auto& [ns, c] : live_.by_namespace()) {
    std::int64_t n = 0;
    for (auto x : c) n += x;
    sizes.emplace_back(n, &ns);
  }
  if (sizes.size() > kMaxNamespacesListed) {
    std::nth_element(sizes.begin(), sizes.begin() + kMaxNamespacesListed, sizes.end(),
                     [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : *a.second < *b.second; });
    sizes.resize(kMaxNamespacesListed);
  }
  for (const auto& [n, ns] : sizes) {
    Counts& c = out.by_namespace[*ns];
    const auto& counts = live_.by_namespace().at(*ns);
    for (std::size_t s = 0; s < counts.size(); ++s) {
      if (counts[s] > 0) c[std::string(to_string(static_cast<TaskState>(s)))] = counts[s];
    }
  }
  return out;
}

}  // namespace orion::scheduler
