#include "services/consensus/cast_vote.h"

#include <cstring>

#include "common/vote_signature.h"

namespace orion::consensus {

std::optional<CastVote> CastVote::make(std::uint32_t voter, bool yes, std::int64_t at_ms,
                                       const std::string& signature_hex) {
  CastVote c;
  if (signature_hex.size() != 2 * c.signature.size()) return std::nullopt;
  const std::string bytes = from_hex(signature_hex);
  if (bytes.size() != c.signature.size()) return std::nullopt;
  std::memcpy(c.signature.data(), bytes.data(), bytes.size());
  c.voter = voter;
  c.yes = yes;
  c.at_ms = at_ms;
  return c;
}

std::string CastVote::signature_hex() const {
  return to_hex(std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
}

VoteRecord CastVote::record(const std::vector<Voter>& voters) const {
  const Voter& v = voters.at(voter);
  return VoteRecord{v.agent_id, yes, v.weight, at_ms, signature_hex()};
}

}  // namespace orion::consensus
