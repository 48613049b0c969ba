// `orion-bench consensus`: the consensus figures of issue 5 on real processes over loopback:
// orion-registry (the event bus) and one orion-consensus replica on SQLite, then three Raft
// replicas, each group on a fresh stack in a temp dir, every process stopped by PID.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace orion::bench {

struct ConsensusBenchOptions {
  bool quick = false;          // counts scaled down ~10x, for a smoke run
  std::set<std::string> only;  // figure names; empty = all
};

// Every figure name, in the order they are printed.
const std::vector<std::string>& consensus_figure_names();

// Runs the selected groups, prints "name value unit" lines to stdout and progress to stderr.
// Returns 0 when every selected figure was measured, 1 otherwise.
int run_consensus_bench(const ConsensusBenchOptions& options);

}  // namespace orion::bench
