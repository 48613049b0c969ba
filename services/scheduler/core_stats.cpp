// SCHEDULER_STATS from what the core keeps as tasks change (scheduler_core.h: stats): the
// counts and percentiles of LiveStats, and the waiting classes from the ready queues.
#include <algorithm>
#include <limits>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_stats.h"

namespace orion::scheduler {

// A queue is ordered by ageing key = ready_ms - level * ageing_ms, so among the tasks of one
// effective priority level the first in the queue became ready first. Walk from the head, taking
// the first task of each level the queue holds (by_level), until every such level was seen or no
// later task can have become ready earlier (its key + the lowest unseen level * ageing_ms reaches
// the best ready_ms found: ready_ms >= that). Usually one or a few steps; at worst the tasks whose
// key lies within 5 * ageing_ms of the head's.
std::int64_t SchedulerCore::oldest_wait(const QueueClass& qc, std::int64_t now_ms) const {
  unsigned need = 0, seen = 0;
  for (std::size_t p = 0; p < qc.by_level.size(); ++p) {
    if (qc.by_level[p] > 0) need |= 1u << p;
  }
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (const auto& [key, seq] : qc.ready) {
    if (seen == need) break;
    unsigned unseen = need & ~seen;
    std::int64_t lowest = 0;
    while (!(unseen & (1u << lowest))) ++lowest;
    if (key + lowest * options_.ageing_ms >= best) break;
    const TaskRecord& t = tasks_.at(seq);
    unsigned bit = 1u << (static_cast<unsigned>(t.effective_priority) % qc.by_level.size());
    if (seen & bit) continue;  // not the first of its level: not the earliest of it
    seen |= bit;
    best = std::min(best, t.ready_ms);
  }
  if (best == std::numeric_limits<std::int64_t>::max()) return 0;
  return std::max<std::int64_t>(0, now_ms - best);
}

SchedulerStatsOk SchedulerCore::stats(std::int64_t now_ms) const {
  SchedulerStatsOk out;
  live_.fill(out);
  out.retention_ms = options_.retention_ms;
  // Classes differ by exclusions too; the answer groups them by capabilities alone.
  std::map<std::vector<std::string>, WaitingClass> waiting;
  for (const auto& [key, qc] : classes_) {
    if (qc.ready.empty()) continue;
    WaitingClass& w = waiting[qc.capabilities];
    w.tasks += static_cast<std::int64_t>(qc.ready.size());
    w.oldest_wait_ms = std::max(w.oldest_wait_ms, oldest_wait(qc, now_ms));
  }
  for (auto& [caps, w] : waiting) {
    w.capabilities = caps;
    out.waiting.push_back(std::move(w));
  }
  keep_largest(out.waiting);
  return out;
}

}  // namespace orion::scheduler
