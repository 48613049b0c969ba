// What a vote is about and the exact bytes an agent signs for it (Ed25519, detached, libsodium:
// common/vote_signature.h signs and verifies them). docs/protocol.md section 13.5.
//
//   VoteSubject about{cluster_id, "p7", digest, "a1"};
//   std::string bytes = vote_signing_bytes(about, true);
//
// vote_signing_bytes() is
//   "ORION-VOTE/2" 0x00 cluster_id 0x00 proposal_id 0x00 content_digest 0x00 agent_id 0x00 ("yes" | "no")
// with no trailing byte. Ids are the UTF-8 bytes as sent; none may contain 0x00. The content
// digest (64 lower-case hex digits) is BLAKE2b-256 of proposal_content_bytes(): the vote holds
// only for that cluster, that proposal and the content the agent was shown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/codec.h"
#include "common/gen/consensus_messages.h"
#include "common/status.h"

namespace orion {

// A consensus cluster's name (--cluster-id): 1..64 of A-Z a-z 0-9 . _ -; every replica of one
// cluster has the same. It is part of every vote's signed bytes.
inline constexpr const char* kDefaultClusterId = "orion";
inline constexpr std::size_t kMaxClusterIdBytes = 64;
Status check_cluster_id(std::string_view id);

// What a vote is about: everything its signature covers but the answer.
struct VoteSubject {
  std::string cluster_id;
  std::string proposal_id;
  std::string content_digest;  // proposal_digest(), 64 lower-case hex digits (vote_signature.h)
  std::string agent_id;
};

// The exact bytes an agent signs for a vote (see the file comment).
std::string vote_signing_bytes(const VoteSubject& subject, bool yes);

// What a proposal's content digest covers, in canonical msgpack (codec.h encode_canonical):
//   [proposer, type, capability, consensus type name ("MAJORITY", ...), data]
std::string proposal_content_bytes(const std::string& proposer, const std::string& type,
                                   const std::string& capability, ConsensusType consensus_type, const Json& data);

}  // namespace orion
