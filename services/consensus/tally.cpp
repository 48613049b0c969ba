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

Tally count_votes(const ProposalView& p, const std::vector<Voter>& voters) {
  std::map<std::string, bool> cast;
  for (const auto& v : p.votes) cast[v.agent_id] = v.yes;
  return count_cast(p.consensus_type, voters, p.faulty, [&](std::size_t i) {
    auto it = cast.find(voters[i].agent_id);
    return it == cast.end() ? -1 : static_cast<int>(it->second);
  });
}

Tally count_cast(ConsensusType type, const std::vector<Voter>& voters, const std::vector<std::string>& faulty,
                 const std::function<int(std::size_t)>& cast) {
  std::set<std::string> discarded(faulty.begin(), faulty.end());
  Tally t;
  t.eligible = static_cast<std::int64_t>(voters.size());
  t.faulty = static_cast<std::int64_t>(discarded.size());
  t.quorum = quorum(type, t.eligible);
  for (std::size_t i = 0; i < voters.size(); ++i) {
    const Voter& voter = voters[i];
    t.eligible_weight += voter.weight;
    if (discarded.count(voter.agent_id)) continue;
    const int c = cast(i);
    if (c < 0) continue;
    if (c > 0) {
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
