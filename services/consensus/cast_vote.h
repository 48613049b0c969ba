// A counted vote as the consensus core holds it: the voter by its place in the proposal's voter
// list and the signature as its 64 bytes, 80 bytes in all where a VoteRecord (agent id, weight
// and 128 hex digits) takes about 230. VoteRecord stays the form on the wire and in records:
//
//   std::optional<CastVote> c = CastVote::make(voter_index, true, now_ms, vote.signature);
//   VoteRecord r = c->record(voters);   // weight: the voter's; signature: lower-case hex
//
// What it does not keep is what it can give back: the weight is the voter's in the proposal's
// (immutable) list, and the signature's letters come back in lower case, the form signing
// produces. A signature that is not 128 hex digits is not a signature: make() refuses it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/consensus_messages.h"

namespace orion::consensus {

struct CastVote {
  std::int64_t at_ms = 0;
  std::uint32_t voter = 0;  // index in the proposal's voter list
  bool yes = false;
  std::array<unsigned char, 64> signature{};

  // nullopt when signature_hex is not 128 hex digits (either case).
  static std::optional<CastVote> make(std::uint32_t voter, bool yes, std::int64_t at_ms,
                                      const std::string& signature_hex);
  std::string signature_hex() const;  // lower case
  VoteRecord record(const std::vector<Voter>& voters) const;
};

}  // namespace orion::consensus
