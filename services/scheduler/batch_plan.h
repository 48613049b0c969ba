// Checks a batch submit before anything changes: unique keys, every dependency either a key
// of the batch or an existing task, and no cycle. On a cycle the error names its keys in
// order ("dependency cycle: a -> b -> c -> a").
//
//   auto plan = plan_batch(batch.tasks, [&](const std::string& id) { return core.lookup(id); });
//   if (!plan) return plan.error();        // nothing was created
//   for (auto i : plan->order) ...          // entries in dependency order
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/messages.h"
#include "services/scheduler/batch_entries.h"

namespace orion::scheduler {

struct BatchPlan {
  std::vector<std::size_t> order;  // entry indexes, every dependency before its dependants
  // For each entry: its dependencies as (is_local, index into the batch or seq of a task).
  std::vector<std::vector<std::pair<bool, std::uint64_t>>> deps;
};

// `existing` maps a task id to its seq, or nullopt when no such task exists.
using ExistingTask = std::function<std::optional<std::uint64_t>(const std::string&)>;
Result<BatchPlan> plan_batch(const std::vector<BatchEntry>& entries, const ExistingTask& existing);
// The same over entries not decoded yet (a stored batch record, batch_entries.h).
Result<BatchPlan> plan_batch(const BatchEntries& entries, const ExistingTask& existing);

}  // namespace orion::scheduler
