// What this process uses: CPU time so far (user + system) and resident memory now. Read for the
// services' process_* metrics and for an agent's AgentResources (its heartbeats).
//
//   ProcessUsage u = process_usage();   // u.cpu_seconds, u.resident_bytes
#pragma once

#include <cstdint>

namespace orion {

struct ProcessUsage {
  double cpu_seconds = 0;
  std::int64_t resident_bytes = 0;
};

ProcessUsage process_usage();

}  // namespace orion
