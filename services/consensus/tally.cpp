#include "services/consensus/tally.h"

#include <map>
#include <set>

namespace orion::consensus {

std::int64_t quorum(ConsensusType type, std::int64_t n) {
  switch (type) {
    case ConsensusType::MAJORITY: return n / 2 + 1;
    case ConsensusType::UNANIMOUS: return n;
    case ConsensusType::PBFT: return 2 * ((n - 1) / 3) + 1;
    default: return 0;
  }
}

Tally count_votes(const ProposalView& p) {
  std::map<std::string, bool> cast;
  for (const auto& v : p.votes) cast[v.agent_id] = v.yes;
  std::set<std::string> faulty(p.faulty.begin(), p.faulty.end());
  Tally t;
  t.eligible = static_cast<std::int64_t>(p.voters.size());
  t.faulty = static_cast<std::int64_t>(faulty.size());
  t.quorum = quorum(p.consensus_type, t.eligible);
  for (const auto& voter : p.voters) {
    t.eligible_weight += voter.weight;
    if (faulty.count(voter.agent_id)) continue;
    auto it = cast.find(voter.agent_id);
    if (it == cast.end()) continue;
    if (it->second) {
      ++t.yes;
      t.yes_weight += voter.weight;
    } else {
      ++t.no;
      t.no_weight += voter.weight;
    }
  }
  return t;
}

Outcome decide(ConsensusType type, const Tally& t) {
  const std::int64_t n = t.eligible;
  switch (type) {
    case ConsensusType::MAJORITY:
      if (t.yes * 2 > n) return Outcome::APPROVED;
      if ((n - t.no) * 2 <= n) return Outcome::REJECTED;
      return Outcome::PENDING;
    case ConsensusType::UNANIMOUS:
      if (t.no > 0) return Outcome::REJECTED;
      if (t.yes == n) return Outcome::APPROVED;
      return Outcome::PENDING;
    case ConsensusType::WEIGHTED:
      if (t.yes_weight * 2 > t.eligible_weight) return Outcome::APPROVED;
      if ((t.eligible_weight - t.no_weight) * 2 <= t.eligible_weight) return Outcome::REJECTED;
      return Outcome::PENDING;
    case ConsensusType::PBFT: {
      if (t.yes >= t.quorum) return Outcome::APPROVED;
      std::int64_t undecided = n - t.faulty - t.yes - t.no;
      if (t.yes + undecided < t.quorum) return Outcome::REJECTED;
      return Outcome::PENDING;
    }
    case ConsensusType::RAFT: return Outcome::APPROVED;
    default: return Outcome::PENDING;
  }
}

}  // namespace orion::consensus
