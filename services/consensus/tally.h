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
#include <functional>
#include <string>
#include <vector>

#include "common/consensus_messages.h"

namespace orion::consensus {

// The yes votes that approve a proposal of this type with n eligible voters (0 for WEIGHTED
// and RAFT, which do not count heads).
std::int64_t quorum(ConsensusType type, std::int64_t n);

// Tally of the counted votes. Weights are summed in voter-list order, so the floating-point
// result is the same on every replica whatever order the votes arrived in. The second form takes
// the voters apart from the view (the core holds them shared, apart from the rest).
Tally count_votes(const ProposalView& p, const std::vector<Voter>& voters);
inline Tally count_votes(const ProposalView& p) { return count_votes(p, p.voters); }
// The same count with each voter's counted vote given by its place in `voters`: cast(i) is 1
// (yes), 0 (no) or -1 (none counted). Votes of the agents in `faulty` are not counted.
Tally count_cast(ConsensusType type, const std::vector<Voter>& voters, const std::vector<std::string>& faulty,
                 const std::function<int(std::size_t)>& cast);

// PENDING, APPROVED or REJECTED; never EXPIRED (that is the clock's decision, not the votes').
Outcome decide(ConsensusType type, const Tally& t);

}  // namespace orion::consensus
