// `orion-bench scheduler`: the scheduler figures of issue 3, each group on a fresh stack of
// real processes (see stack.h) except select_us, which runs AgentPool in-process.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace orion::bench {

struct SchedulerBenchOptions {
  bool quick = false;              // counts scaled down ~10x, for a smoke run
  std::set<std::string> only;      // figure names; empty = all
};

// Every figure name, in the order they are printed.
const std::vector<std::string>& scheduler_figure_names();

// Runs the selected groups, prints "name value unit" lines to stdout and progress to stderr.
// Returns 0 when every selected figure was measured, 1 otherwise.
int run_scheduler_bench(const SchedulerBenchOptions& options);

}  // namespace orion::bench
