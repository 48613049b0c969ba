// Ed25519 vote signatures (libsodium), one implementation for orion-consensus (verifies) and
// the agent SDK (signs). What is signed is vote_signing_bytes() in common/consensus_messages.h;
// keys and signatures travel as lower-case hex.
//
//   VoteKeys keys = VoteKeys::generate();                        // an agent's key pair
//   std::string sig = sign_vote(keys.secret_key, "p7", "a1", true);   // 128 hex digits
//   bool ok = verify_vote(keys.public_key_hex(), "p7", "a1", true, sig);
//
// Verification is a pure function of its inputs, so every replica that applies the same vote
// reaches the same verdict: the state machine stays deterministic.
#pragma once

#include <string>
#include <string_view>

namespace orion::consensus {

struct VoteKeys {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes (libsodium's seed + public key form)

  static VoteKeys generate();
  // The same key pair from a 32-byte seed: for tests and for keys kept as seeds.
  static VoteKeys from_seed(std::string_view seed32);
  std::string public_key_hex() const;
};

// A detached Ed25519 signature over vote_signing_bytes(proposal_id, agent_id, yes), in hex.
std::string sign_vote(const std::string& secret_key, std::string_view proposal_id, std::string_view agent_id,
                      bool yes);

// True only when signature_hex is a valid signature by public_key_hex over that vote.
// Malformed hex of either is simply false.
bool verify_vote(std::string_view public_key_hex, std::string_view proposal_id, std::string_view agent_id, bool yes,
                 std::string_view signature_hex);

std::string to_hex(std::string_view bytes);
// Empty result on odd length or a non-hex digit.
std::string from_hex(std::string_view hex);

}  // namespace orion::consensus
