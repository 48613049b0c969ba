// SchedulerCore, namespaces (scheduler_core.h, protocol.md section 19): their settings, their
// views for LIST_NAMESPACES, and SCHEDULER_STATS for one namespace.
#include <algorithm>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_stats.h"

namespace orion::scheduler {

namespace {

Counts state_counts(const LiveStats::StateCounts& c) {
  Counts out;
  for (std::size_t s = 0; s < c.size(); ++s) {
    if (c[s] > 0) out[std::string(to_string(static_cast<TaskState>(s)))] = c[s];
  }
  return out;
}

}  // namespace

Status SchedulerCore::set_namespace(const std::string& ns, const NamespaceSettings& settings) {
  if (auto s = check_namespace(ns, "namespace"); !s) return s;
  if (auto s = share_.set_weight(ns, settings.weight); !s) return s;
  ns_settings_[ns] = settings;
  return {};
}

void SchedulerCore::reset_namespace(const std::string& ns) {
  share_.clear_weight(ns);
  ns_settings_.erase(ns);
}

NamespaceView SchedulerCore::namespace_view(const std::string& ns) const {
  NamespaceView v;
  v.ns = ns;
  auto it = ns_settings_.find(ns);
  if (it != ns_settings_.end()) {
    v.configured = true;
    v.weight = it->second.weight;
    v.on_exhausted = it->second.park ? "park" : "fail";
  }
  v.counts = state_counts(live_.namespace_counts(ns));
  v.slots = static_cast<std::int64_t>(share_.slots(ns));
  return v;
}

std::vector<NamespaceView> SchedulerCore::namespace_views(bool* more) const {
  std::set<std::string> names;
  for (const auto& [ns, s] : ns_settings_) names.insert(ns);
  for (const auto& [ns, c] : live_.by_namespace()) names.insert(ns);
  std::vector<NamespaceView> out;
  if (more) *more = names.size() > kMaxNamespacesListed;
  for (const auto& ns : names) {
    if (out.size() >= kMaxNamespacesListed) break;
    out.push_back(namespace_view(ns));
  }
  return out;
}

SchedulerStatsOk SchedulerCore::stats(std::int64_t now_ms, const std::string& ns) const {
  SchedulerStatsOk out;
  out.ns = ns;
  out.retention_ms = options_.retention_ms;
  const auto counts = live_.namespace_counts(ns);
  out.by_state = state_counts(counts);
  for (auto n : counts) out.total += n;
  if (out.total > 0) out.by_namespace[ns] = out.by_state;
  out.waiting = waiting_classes(now_ms, &ns);
  return out;
}

}  // namespace orion::scheduler
