// The cluster view on the wire: CLUSTER_STATUS (22) -> CLUSTER_INFO (23) on a registry's
// ROUTER. The request's body is empty; the answer names the registry itself and every live
// replica of the replicated services as their ANNOUNCEs last said. docs/protocol.md 5.3 is the
// specification; `orionctl cluster` (cli/cluster_command.cpp) asks every registry and merges.
//
//   ClusterInfo info = registry.cluster_info();
//   Json body = info.to_body();
//   auto back = ClusterInfo::from_body(body);   // INVALID_ARGUMENT naming a bad field
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/status.h"

namespace orion {

inline constexpr std::size_t kMaxReplicasListed = 64;  // per service in one CLUSTER_INFO

// One replica of a service as a registry last heard it (an ANNOUNCE).
struct ReplicaView {
  std::int64_t id = 0;                // 0 = the replica announced no id
  std::string role;                   // as announced; "single" when it said none
  std::int64_t term = 0;
  std::int64_t commit_index = 0;
  std::int64_t applied_index = 0;
  std::string endpoint;               // its client endpoint (the scheduler's or consensus' ROUTER)
  std::map<std::string, std::string> endpoints;  // everything it announced
  std::int64_t last_seen_age_ms = 0;  // since its last ANNOUNCE, >= 0
  bool leader = false;                // the replica DISCOVERY names
  Json to_json() const;
  static Result<ReplicaView> from_json(const Json& j);
};

struct ClusterInfo {
  std::string registry;      // this registry's ROUTER, as advertised
  std::string events_pub;    // its bus: XSUB
  std::string events_sub;    // its bus: XPUB
  std::string instance;      // random per registry start: tells a restarted registry apart
  std::int64_t started_ms = 0;  // wall clock
  std::int64_t agents_up = 0;
  std::vector<ReplicaView> scheduler, consensus;  // live replicas, by id then endpoint
  Json to_body() const;
  static Result<ClusterInfo> from_body(const Json& b);
};

}  // namespace orion
