// Consensus gates on tasks: a task (or a whole batch) that must be approved by the agents
// before it may run. The scheduler proposes it to orion-consensus, holds the task PENDING
// while the agents vote, and schedules it when the proposal is APPROVED; REJECTED or EXPIRED
// ends it CANCELLED with the outcome as its cause (docs/protocol.md, "Consensus gates").
//
//   TaskSpec s; s.type = "deploy"; s.capabilities = {"ops"};
//   s.consensus.type = "unanimous";          // voters: every live agent with capability ops
//   s.consensus.timeout_ms = 30'000;         // then EXPIRED: the task ends CANCELLED
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/msgpack_object.h"

namespace orion {

class MsgWriter;

inline constexpr std::int64_t kDefaultGateTimeoutMs = 60'000;

// What the client asks for. `type` empty = no gate.
struct ConsensusGate {
  std::string type;                 // "majority", "unanimous", "weighted" or "pbft"
  std::string capability;           // whose live agents vote; default: the task's first capability
  std::vector<std::string> voters;  // named voters instead (each must be attached and have a key)
  std::int64_t timeout_ms = kDefaultGateTimeoutMs;  // the proposal's timeout, 1 ms .. a week
  Json data = Json::object();       // handed to the voters with the proposal

  bool enabled() const { return !type.empty(); }
  Json to_json() const;
  // Accepts the object form, or a bare type name ("majority") as the shorthand of
  // `require_consensus`. INVALID_ARGUMENT names the field, prefixed with `where`.
  static Result<ConsensusGate> from_json(const Json& j, const std::string& where);
  // to_json()'s map as msgpack (the generated packed writers of the records that hold a gate; it
  // is rare, so through the Json tree). Readers take it through the read hook read_gate.
  void write_packed(MsgWriter& w) const;
};

// Where a gated task's gate stands (kept with the task; shown in its status).
struct GateState {
  std::string id;           // the gate: the id of the first task it holds ("" = not gated)
  std::string proposal_id;  // "" until the consensus service accepted the proposal
  std::string outcome;      // "" while undecided, then APPROVED (REJECTED/EXPIRED end the task)

  bool pending() const { return !id.empty() && outcome.empty(); }
  Json to_json() const;
  static Result<GateState> from_json(const Json& j);
  // The same as msgpack, for the generated packed codec of TaskView (through the Json tree: rare).
  void write_packed(MsgWriter& w) const;
  static Result<GateState> from_object(const msgpack::object& o);
};

}  // namespace orion
