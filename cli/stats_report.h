// `orionctl stats`: the system's statistics in one report, from what the services answer
// (registry LIST_AGENTS, scheduler AGENT_STATS and SCHEDULER_STATS, consensus PROPOSAL_STATS),
// with the bottlenecks they show. Pure functions: orionctl fetches, these shape.
//
//   StatsInputs in{agents, perf, scheduler_stats, proposal_stats};
//   Json report = stats_report(in);       // tasks, task_types, agents, proposals, bottlenecks
//
// Bottlenecks, each {kind, message, ...}:
//   missing_capability  ready tasks need capabilities that no live agent has all of
//   saturated           ready tasks could run on some live agents, but every one of them is full
//   wait_dominates      a task type whose median queue wait exceeds its median run time
//                       (at least kMinSamples started and finished tasks)
#pragma once

#include <optional>
#include <vector>

#include "common/messages.h"
#include "common/stats_messages.h"

namespace orion::cli {

inline constexpr std::int64_t kMinSamples = 3;  // tasks of a type before wait_dominates is judged

struct StatsInputs {
  std::vector<AgentView> agents;            // the registry's
  std::vector<AgentPerf> perf;              // the scheduler's view of them
  SchedulerStatsOk scheduler;
  std::optional<ProposalStatsOk> proposals;  // none when no consensus service answered
};

Json stats_report(const StatsInputs& in);
Json bottlenecks(const StatsInputs& in);  // an array, in the order of the kinds above

}  // namespace orion::cli
