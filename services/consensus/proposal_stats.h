// What PROPOSAL_STATS answers (common/stats_messages.h): every proposal of the cluster counted
// by outcome and by consensus type. A read of the leader's applied state; it changes nothing.
// O(proposals) per request (orionctl stats), never on a hot path.
//
//   ProposalStatsOk s = proposal_stats(core);
#pragma once

#include "common/stats_messages.h"
#include "services/consensus/consensus_core.h"

namespace orion::consensus {

ProposalStatsOk proposal_stats(const ConsensusCore& core);

}  // namespace orion::consensus
