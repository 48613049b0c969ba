// The process_* metrics every Prometheus client library exports, for our services: CPU time,
// resident memory, open descriptors and the start time, read from /proc and getrusage when
// scraped. `orion_build_info` names the version.
//
//   MetricsText m;
//   write_process_metrics(m);
#pragma once

#include "common/metrics_text.h"

namespace orion {

void write_process_metrics(MetricsText& m);

}  // namespace orion
