// `orionctl cluster`: what every registry says about itself and the replicated services,
// merged into one report.
//
//   std::vector<RegistryReply> replies = ...;   // one per --registry entry, answered or not
//   Json report = cluster_report(replies);
//   std::cout << cluster_table(report);
//
// The report is {"registries": [{"endpoint", "up", "instance", "events_pub", "events_sub",
// "agents_up", "error"}], "scheduler": [replica...], "consensus": [replica...]}, a replica being
// {"id", "role", "term", "commit_index", "applied_index", "endpoint", "lag", "last_seen_age_ms",
// "leader"}. A replica listed by several registries appears once, as the registry that heard it
// last says. The leader is the replica a registry names as leader with the highest term; `lag`
// is the leader's commit_index minus the replica's applied_index (at least 0), null when no
// leader is known.
#pragma once

#include <string>
#include <vector>

#include "common/cluster_messages.h"
#include "common/status.h"

namespace orion::cli {

struct RegistryReply {
  std::string endpoint;          // as listed in --registry
  Result<ClusterInfo> info = Error{ErrorCode::UNAVAILABLE, "not asked"};
};

Json cluster_report(const std::vector<RegistryReply>& replies);
std::string cluster_table(const Json& report);

}  // namespace orion::cli
