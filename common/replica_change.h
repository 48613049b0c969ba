// CHANGE_REPLICAS (76) on its way into the Raft log and back: `op` "add" (the replica `id` at
// Raft `address` "host:port", started with --join) or "remove"; CHANGE_REPLICAS_OK (77) echoes
// the request once the new configuration is committed (for an add: once the replica caught up
// and votes). Both replicated services (consensus and scheduler) answer it this way.
//
//   log.change_membership(membership_change(request, seq));
//   ... the log's CHANGED item for seq comes back:
//   reply(change_replicas_answer(request_id, request, item));
#pragma once

#include <cstdint>
#include <string>

#include "common/command_log.h"
#include "common/envelope.h"
#include "common/gen/consensus_messages.h"

namespace orion {

// The Raft log's form of the request (common/command_log.h), numbered `seq`.
MembershipChange membership_change(const ChangeReplicas& request, std::uint64_t seq);

// The answer once the log's CHANGED item for it came back: OK echoing the request, or the ERROR
// the log gave.
Envelope change_replicas_answer(const std::string& request_id, const ChangeReplicas& request, const LogItem& done);

}  // namespace orion
