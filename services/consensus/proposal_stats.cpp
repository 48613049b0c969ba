#include "services/consensus/proposal_stats.h"

namespace orion::consensus {

ProposalStatsOk proposal_stats(const ConsensusCore& core) {
  ProposalStatsOk out;
  core.for_each_proposal([&](const ConsensusCore::Proposal& p) {
    ++out.total;
    ++out.by_outcome[to_string(p.outcome)];
    ++out.by_type[to_string(p.consensus_type)][to_string(p.outcome)];
  });
  return out;
}

}  // namespace orion::consensus
