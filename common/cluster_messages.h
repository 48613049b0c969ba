// The cluster view on the wire: CLUSTER_STATUS (22) -> CLUSTER_INFO (23) on a registry's
// ROUTER. The request's body is empty; the answer names the registry itself and every live
// replica of the replicated services as their ANNOUNCEs last said. docs/protocol.md 5.3 is the
// specification; `orionctl cluster` (cli/cluster_command.cpp) asks every registry and merges.
//
//   ClusterInfo info = registry.cluster_info();
//   Json body = info.to_body();
//   auto back = ClusterInfo::from_body(body);   // INVALID_ARGUMENT naming a bad field
//
// ReplicaView and ClusterInfo are generated from common/protocol.toml (record Replica, message
// CLUSTER_INFO) into common/gen/cluster_messages.{h,cpp} in the build tree.
#pragma once

#include "common/gen/cluster_messages.h"
