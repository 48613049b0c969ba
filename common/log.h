// Logging: spdlog with one line per event and key=value fields, e.g.
//   2026-11-24T19:00:00.123 level=info svc=scheduler event=task_assigned task=T1 agent=a1
//
//   init_logging("scheduler", "info");
//   spdlog::info("event=task_assigned task={} agent={}", id, agent);
//
// Levels mean: critical then abort only for a broken invariant; warn for a misbehaving peer;
// info for role and membership changes, one greppable line each; debug for everything else.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace orion {

// Logs to stderr. Level is one of trace, debug, info, warn, error, critical, off.
void init_logging(const std::string& service, const std::string& level);

}  // namespace orion
