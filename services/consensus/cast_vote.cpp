#include "services/consensus/cast_vote.h"

#include <cstring>

#include "common/vote_signature.h"

namespace orion::consensus {

CastVote CastVote::make(std::uint32_t voter, bool yes, double weight, std::int64_t at_ms,
                        const std::string& signature_hex) {
  CastVote c;
  c.voter = voter;
  c.yes = yes;
  c.weight = weight;
  c.at_ms = at_ms;
  std::string bytes = signature_hex.size() == kSignatureHexBytes ? from_hex(signature_hex) : std::string();
  if (bytes.size() == c.signature.size() && to_hex(bytes) == signature_hex) {
    std::memcpy(c.signature.data(), bytes.data(), bytes.size());
  } else {
    c.odd = std::make_shared<const std::string>(signature_hex);
  }
  return c;
}

std::string CastVote::signature_hex() const {
  if (odd) return *odd;
  return to_hex(std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
}

VoteRecord CastVote::record(const std::vector<Voter>& voters) const {
  return VoteRecord{voters.at(voter).agent_id, yes, weight, at_ms, signature_hex()};
}

}  // namespace orion::consensus
