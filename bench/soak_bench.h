// `orion-bench soak` (issue 15): millions of no-op tasks and thousands of decided proposals
// through one stack whose services keep ended work for a short retention, sampling both
// services' memory and stores, to show they stay flat once the first retention window has
// passed (what ends, expires). Not a CI test: ctest runs only its --quick form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace orion::bench {

struct SoakOptions {
  std::int64_t tasks = 5'000'000;  // echo tasks completed; a proposal decided per 100 of them
  std::int64_t retention_ms = 60'000;
  std::string retention = "60s";   // as given to --retention of orion-scheduler and orion-consensus
};

// The defaults (with --quick: 60,000 tasks, retention 2s, a smoke run of some seconds whose
// figures are not comparable), then --tasks and --retention where given (not empty).
// INVALID_ARGUMENT naming the flag when one does not parse.
Result<SoakOptions> soak_options(bool quick, const std::string& tasks, const std::string& retention);

// Every figure name, in the order they are printed.
const std::vector<std::string>& soak_figure_names();

// Runs the soak: a "soak_sample key=value ..." line on stdout every tasks/10 completed tasks
// and at the end, then the figures ("name value unit"); progress on stderr. Returns 0 when
// every figure was measured, 1 otherwise (the reason on stderr).
int run_soak_bench(const SoakOptions& options);

}  // namespace orion::bench
