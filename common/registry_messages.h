// The registry's messages (MsgType 10..21, ROUTER 7100) and the agent records they carry, as value
// types with to_body() (to_json() for a record) and a from_body() (from_json()) that returns an
// error naming the first bad field. docs/protocol.md section 5.3 is the specification.
//
//   Register r; r.agent.agent_id = "a1"; r.agent.capabilities = {"gpu"};
//   Json body = r.to_body();                        // {"agent": {"agent_id": "a1", ...}}
//   Result<Register> back = Register::from_body(body);
//
// AgentSpec, AgentResources, AgentView and REGISTER .. ANNOUNCE are generated from
// common/protocol.toml (family "registry") into common/gen/registry_messages.{h,cpp} in the build
// tree; an AgentView holds its AgentSpec fields as `spec` (one map on the wire). By hand: the rules
// that span fields or need more than a bound (registry_checks.cpp).
#pragma once

#include <string>

#include "common/gen/registry_messages.h"

namespace orion {

// Roles a replica announces; "" = not said (an ANNOUNCE without `role`, read as "single").
bool is_announce_role(const std::string& role);

}  // namespace orion
