// System statistics on the wire: SCHEDULER_STATS (98) / SCHEDULER_STATS_OK (99) on the
// scheduler's client socket, PROPOSAL_STATS (74) / PROPOSAL_STATS_OK (75) on the consensus
// leader's. Both requests have an empty body. docs/protocol.md section 14 is the specification;
// `orionctl stats` (cli/stats_report.h) puts them together with the agents.
//
//   SchedulerStatsOk s = core.stats(wall_now_ms);      // services/scheduler/scheduler_core.h
//   Json body = s.to_body();
//   auto back = SchedulerStatsOk::from_body(body);     // INVALID_ARGUMENT naming a bad field
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/status.h"

namespace orion {

inline constexpr std::size_t kMaxStatsRows = 1024;  // task types, waiting classes: the largest first
inline constexpr std::size_t kMaxStatsKeys = 64;     // entries of a count map (states, priorities, outcomes)

// Counts by name ("COMPLETED" -> 12). Names are the enums' wire names.
using Counts = std::map<std::string, std::int64_t>;

// Queue wait and run time of one task type, over its tasks still held by the scheduler.
struct TypeStats {
  std::string type;
  std::int64_t tasks = 0;     // of this type, in any state
  std::int64_t started = 0;   // with a wait time: assigned at least once
  std::int64_t finished = 0;  // with a run time: terminal after running
  double wait_p50_ms = 0, wait_p95_ms = 0;  // ready -> (last) assignment
  double run_p50_ms = 0, run_p95_ms = 0;    // (last) start -> end
  Json to_json() const;
  static Result<TypeStats> from_json(const Json& j);
};

// Tasks ready to run (PENDING, dependencies met) that need one set of capabilities.
struct WaitingClass {
  std::vector<std::string> capabilities;  // sorted; empty = any agent
  std::int64_t tasks = 0;
  std::int64_t oldest_wait_ms = 0;  // how long the longest-waiting one has been ready
  Json to_json() const;
  static Result<WaitingClass> from_json(const Json& j);
};

struct SchedulerStatsOk {
  std::int64_t total = 0;       // tasks held
  Counts by_state;              // "PENDING", "ASSIGNED", ... (section 8.2 names)
  Counts by_priority;           // "LOW" .. "URGENT" (section 8.1 names), by submitted priority
  std::vector<TypeStats> types;        // most tasks first, at most kMaxStatsRows
  std::vector<WaitingClass> waiting;   // most tasks first, at most kMaxStatsRows
  // The scheduler's retention (--retention): ended tasks, workflows and request ids are kept
  // this long after they ended (unless result_ttl_ms says otherwise), then expire. 0 = unknown.
  std::int64_t retention_ms = 0;
  Json to_body() const;
  static Result<SchedulerStatsOk> from_body(const Json& b);
};

struct ProposalStatsOk {
  std::int64_t total = 0;       // proposals ever made in this cluster
  Counts by_outcome;            // "PENDING", "APPROVED", "REJECTED", "EXPIRED"
  std::map<std::string, Counts> by_type;  // consensus type name -> outcome name -> count
  Json to_body() const;
  static Result<ProposalStatsOk> from_body(const Json& b);
};

}  // namespace orion
