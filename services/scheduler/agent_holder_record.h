// Agent id bindings in the scheduler's Log: one record (kind kAgentHolderKind, id = the binding's
// number, common/agent_claim.h) per agent id a principal holds, rewritten when its holder changes,
// never deleted. So who holds an id survives a restart and a change of leader (replayed at start,
// applied by hot standbys, written into every snapshot).
//
//   msgpack {"a": agent id, "p": principal}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/log_store.h"
#include "common/status.h"

namespace orion::scheduler {

// Tasks 0, workflows 1, batches 2, hits 3, the retention mark 4; 5 is left for the audit log.
inline constexpr std::uint8_t kAgentHolderKind = 6;

struct AgentHolderRecord {
  std::string agent_id, principal;
};

std::string encode_agent_holder(const AgentHolderRecord& r);
// INTERNAL on bytes that are not a binding (a corrupt store).
Result<AgentHolderRecord> decode_agent_holder(std::string_view bytes);

}  // namespace orion::scheduler
