// The audit log's cost per command (orion-bench scheduler, group "audit"; bench/README.md):
// submit throughput of one scheduler with --audit on beside --audit off, in the same run.
#pragma once

#include "bench/figures.h"

namespace orion::bench {

// audit_off_submits_per_s, audit_on_submits_per_s, audit_cost_ratio (on / off),
// audit_us_per_submit (the loop's time per submit that the record adds).
void bench_audit(bool quick, Reporter& out);

}  // namespace orion::bench
