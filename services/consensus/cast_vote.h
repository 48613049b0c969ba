// A counted vote as the consensus core holds it: the voter by its place in the proposal's voter
// list and the signature as its 64 bytes, about 100 bytes in all where a VoteRecord (agent id
// and 128 hex digits) takes about 230. VoteRecord stays the form on the wire and in records:
//
//   CastVote c = CastVote::make(voter_index, true, weight, now_ms, vote.signature);
//   VoteRecord r = c.record(voters);   // the same fields, byte for byte, as were given
//
// Lossless: a signature that is not 128 lower-case hex digits (the form the core writes, and
// the one signing produces) is kept as it was written, in `odd`.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/consensus_messages.h"

namespace orion::consensus {

struct CastVote {
  std::int64_t at_ms = 0;
  double weight = 1.0;           // the voter's weight when counted
  std::uint32_t voter = 0;       // index in the proposal's voter list
  bool yes = false;
  std::array<unsigned char, 64> signature{};   // the signature's bytes, when `odd` is null
  std::shared_ptr<const std::string> odd;      // the signature as written when not lower-case hex

  static CastVote make(std::uint32_t voter, bool yes, double weight, std::int64_t at_ms,
                       const std::string& signature_hex);
  std::string signature_hex() const;
  VoteRecord record(const std::vector<Voter>& voters) const;
};

}  // namespace orion::consensus
