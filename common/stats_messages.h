// System statistics on the wire: SCHEDULER_STATS (98) / SCHEDULER_STATS_OK (99) on the
// scheduler's client socket, PROPOSAL_STATS (74) / PROPOSAL_STATS_OK (75) on the consensus
// leader's. Both requests have an empty body. docs/protocol.md section 14 is the specification;
// `orionctl stats` (cli/stats_report.h) puts them together with the agents.
//
//   SchedulerStatsOk s = core.stats(wall_now_ms);      // services/scheduler/scheduler_core.h
//   Json body = s.to_body();
//   auto back = SchedulerStatsOk::from_body(body);     // INVALID_ARGUMENT naming a bad field
//
// TypeStats, WaitingClass, SchedulerStatsOk and ProposalStatsOk are generated from
// common/protocol.toml into common/gen/stats_messages.{h,cpp} in the build tree; Counts (a map of
// names to counts) is in common/field_rows.h.
#pragma once

#include "common/gen/stats_messages.h"
