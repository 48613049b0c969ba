// A command: one entry of the consensus log. The leader (or the single replica) turns each
// accepted request into a Command stamped with its wall clock, and every replica applies the
// same Commands in the same order to a ConsensusCore. The body is the request's wire body, kept
// as msgpack bytes (no Json tree on the hot path), so it is decoded with the same bounds as the
// request was.
//
//   Command c{CommandKind::VOTE, clock.wall_ms(), request_id, origin, seq, vote.to_packed()};
//   std::string bytes = encode_command(c);           // what the Log stores
//   Result<Command> back = decode_command(bytes);     // MALFORMED on anything else
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <memory>

#include "common/codec.h"
#include "common/consensus_messages.h"

namespace orion::consensus {

// Frozen: these values are in every stored log.
enum class CommandKind : std::uint8_t {
  UNKNOWN = 0,
  PROPOSE = 1,  // body: Propose
  VOTE = 2,     // body: Vote
  TICK = 3,     // body: {}; only moves time on (expiry of proposals, retention)
  ACQUIRE = 4,  // body: LeaseRequest
  RENEW = 5,    // body: LeaseRequest
  RELEASE = 6,  // body: ReleaseLease
  HELLO = 7,    // body: {replica, client, retention_ms (opt), audit_keep (opt)}; a new leader
                // says where clients reach it, and the retention it runs with (consensus_core.h)
  AUDIT = 8,    // body: {a, g, o, d}: an audit record of what the leader refused or did outside
                // the state (a vote refused before the log, a membership change, a policy reload)
};
const char* to_string(CommandKind kind);

inline const std::string kEmptyBody(1, '\x80');  // {} in msgpack

// A PROPOSE's request id as logged: scoped by the principal that sent it (logged_request_id),
// so that no one can claim another's request id. Bounded by a principal's name (256 bytes) and
// a request id (64).
inline constexpr std::size_t kMaxLoggedRequestIdBytes = 400;
// "<length of principal>:<principal>:<request id>", or the request id alone for "" (a
// connection without CURVE): distinct pairs give distinct ids.
std::string logged_request_id(const std::string& principal, const std::string& request_id);

struct Command {
  CommandKind kind = CommandKind::UNKNOWN;
  std::int64_t now_ms = 0;   // the leader's wall clock when it accepted the request
  std::string request_id;    // the client's (logged_request_id), for deduplication of PROPOSE
  std::string origin;        // the replica incarnation that appended it ("" in tests)
  std::uint64_t seq = 0;     // numbered by origin: its reply goes to the client that asked
  std::string body = kEmptyBody;  // a msgpack map (encode_value of the Json body)
  // VOTE only: the replica that appended it verified the signature (precheck_vote) against the
  // voter's key in the proposal, which never changes; apply() then does not verify again, on
  // any replica. Verification is a pure function, so every replica reaches the verdict the
  // appending one did, and the state stays deterministic; only the CPU is saved.
  bool signature_checked = false;
  // Not in the log: the body already read, set by the replica that appended the command (the
  // leader keeps its own commands until they come back to be applied), so that apply() does not
  // read `body` again. Either is exactly what reading `body` gives; apply() may move from it.
  std::shared_ptr<Propose> propose = nullptr;
  std::shared_ptr<Vote> vote = nullptr;
  // The authenticated principal of the request (Incoming::principal), for the audit log; ""
  // without CURVE, and in logs written before it existed. In the log (field "p").
  std::string principal{};
};

std::string encode_command(const Command& c);
Result<Command> decode_command(std::string_view bytes);

}  // namespace orion::consensus
