// The consensus messages (MsgType 60..77, ROUTER 7300) as value types, each with to_body() and a
// from_body() that returns INVALID_ARGUMENT naming the first bad field; PROPOSE, PROPOSE_OK, VOTE
// and VOTE_OK also as msgpack bytes without a Json tree (to_packed, from_packed: the leader's hot
// path). docs/protocol.md section 13 is the specification.
//
//   Propose p;
//   p.proposer = "ops"; p.type = "deploy"; p.capability = "gpu";
//   p.consensus_type = ConsensusType::MAJORITY;
//   p.voters = {{"a1", 1.0, a1_public_key_hex}, {"a2", 1.0, a2_public_key_hex}};
//   Json body = p.to_body();
//   Result<Propose> back = Propose::from_body(body);
//
// The structs, their readers and writers and the enums ConsensusType and Outcome are generated
// from common/protocol.toml (family "consensus") into common/gen/consensus_messages.{h,cpp} in the
// build tree. By hand: the rules that span fields (consensus_checks.cpp), what a vote signs
// (vote_subject.h) and CHANGE_REPLICAS' way into the Raft log (replica_change.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/envelope.h"
#include "common/gen/consensus_messages.h"
#include "common/messages.h"
#include "common/replica_change.h"
#include "common/vote_subject.h"

namespace orion {

inline bool is_decided(Outcome o) { return o == Outcome::APPROVED || o == Outcome::REJECTED || o == Outcome::EXPIRED; }

inline constexpr std::size_t kPublicKeyHexBytes = 64;   // Ed25519 public key, 32 bytes in hex
inline constexpr std::size_t kSignatureHexBytes = 128;  // Ed25519 detached signature, 64 bytes in hex
inline constexpr std::int64_t kMaxWaitProposalMs = kMaxWaitMs;  // kMaxVoters, kMaxLeaseTtlMs, ...: protocol_schema.h
// How long a decided proposal (its votes and its request id with it) and an ended lease are
// kept before they are forgotten, counted from when they ended: the service's --retention, or a
// proposal's own result_ttl_ms.
inline constexpr std::int64_t kDefaultProposalRetentionMs = 7LL * 86'400'000;  // 7 days
// kMinProposalRetentionMs (1 s) and kMaxProposalRetentionMs (10 years): protocol_schema.h

}  // namespace orion
