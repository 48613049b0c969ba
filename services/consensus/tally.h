// Counting votes, one rule per consensus type. Pure functions of a proposal's voters, counted
// votes and faulty agents, so every replica computes the same tally and the same outcome.
//
//   Tally t = count_votes(view);              // yes/no counts and weights, quorum
//   Outcome o = decide(view.consensus_type, t);   // PENDING until the outcome is certain
//
// "Certain" means no set of votes still possible can change it:
//
//   type       APPROVED when                     REJECTED when
//   MAJORITY   yes > n/2                         yes cannot exceed n/2: (n - no) <= n/2
//   UNANIMOUS  yes == n                          no >= 1
//   WEIGHTED   yes_w > W/2                       (W - no_w) <= W/2
//   PBFT       yes >= q = 2f+1, f = (n-1)/3      yes + undecided non-faulty < q
//   RAFT       at creation (the replicas agreed by committing it)
//
// n counts every eligible voter, faulty ones included (f is fixed by n, as in PBFT); a faulty
// agent's votes are not counted and it cannot vote again.
#pragma once

#include <cstdint>

#include "common/consensus_messages.h"

namespace orion::consensus {

// The yes votes that approve a proposal of this type with n eligible voters (0 for WEIGHTED
// and RAFT, which do not count heads).
std::int64_t quorum(ConsensusType type, std::int64_t n);

// Tally of the counted votes. Weights are summed in voter-list order, so the floating-point
// result is the same on every replica whatever order the votes arrived in.
Tally count_votes(const ProposalView& p);

// PENDING, APPROVED or REJECTED; never EXPIRED (that is the clock's decision, not the votes').
Outcome decide(ConsensusType type, const Tally& t);

}  // namespace orion::consensus
