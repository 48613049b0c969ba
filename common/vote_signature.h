// Ed25519 vote signatures (libsodium), one implementation for orion-consensus (verifies) and
// the agent SDK (signs). What is signed is vote_signing_bytes() in common/vote_subject.h:
// the cluster, the proposal, the digest of the proposal's content and the agent; keys and
// signatures travel as lower-case hex.
//
//   VoteKeys keys = VoteKeys::generate();                        // an agent's key pair
//   VoteSubject about = vote_subject(view, "a1");                // view: the proposal as shown
//   std::string sig = sign_vote(keys.secret_key, about, true);   // 128 hex digits
//   bool ok = verify_vote(keys.public_key_hex(), about, true, sig);
//
// Verification is a pure function of its inputs, so every replica that applies the same vote
// reaches the same verdict: the state machine stays deterministic.
#pragma once

#include <string>
#include <string_view>

#include "common/consensus_messages.h"
#include "common/status.h"

namespace orion::consensus {

struct VoteKeys {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes (libsodium's seed + public key form)

  static VoteKeys generate();
  // The same key pair from a 32-byte seed: for tests and for keys kept as seeds.
  static VoteKeys from_seed(std::string_view seed32);
  std::string public_key_hex() const;
};

// BLAKE2b-256 of the proposal's content (proposal_content_bytes()), 64 lower-case hex digits.
std::string proposal_digest(const std::string& proposer, const std::string& type, const std::string& capability,
                            ConsensusType consensus_type, const Json& data);
// The digest of the content `view` shows (computed here, never taken from the view's own
// content_digest field) with its cluster id and proposal id: what agent_id's vote on it signs.
VoteSubject vote_subject(const ProposalView& view, const std::string& agent_id);

// A detached Ed25519 signature over vote_signing_bytes(subject, yes), in hex.
std::string sign_vote(const std::string& secret_key, const VoteSubject& subject, bool yes);

// True only when signature_hex is a valid signature by public_key_hex over that vote.
// Malformed hex of either is simply false.
bool verify_vote(std::string_view public_key_hex, const VoteSubject& subject, bool yes,
                 std::string_view signature_hex);

// BLAKE2b with a key (libsodium's generichash), `bytes` long (16..64), in hex: ids that only
// the key's holder can compute.
std::string keyed_digest_hex(std::string_view key, std::string_view message, std::size_t bytes = 16);

// Vote key files (common/key_file.h), as `orionctl keygen --vote FILE` writes them: FILE holds
// `public = <64 hex>` and `secret = <64 hex: the seed>` (mode 0600), FILE.pub the public line.
Status write_vote_key(const std::string& path, const VoteKeys& keys);
// INVALID_ARGUMENT naming the file when it is not one, when its public key is not its seed's, or
// when group or others may read it.
Result<VoteKeys> read_vote_key(const std::string& path);

std::string to_hex(std::string_view bytes);
// Empty result on odd length or a non-hex digit.
std::string from_hex(std::string_view hex);

}  // namespace orion::consensus
