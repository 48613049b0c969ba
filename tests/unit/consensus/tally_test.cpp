// The counting rules per consensus type, as pure functions (services/consensus/tally.*).
#include "services/consensus/tally.h"

#include <gtest/gtest.h>

namespace orion::consensus {
namespace {

Tally heads(std::int64_t n, std::int64_t yes, std::int64_t no, ConsensusType type, std::int64_t faulty = 0) {
  Tally t;
  t.eligible = n;
  t.yes = yes;
  t.no = no;
  t.faulty = faulty;
  t.quorum = quorum(type, n);
  t.eligible_weight = static_cast<double>(n);
  t.yes_weight = static_cast<double>(yes);
  t.no_weight = static_cast<double>(no);
  return t;
}

TEST(Tally, QuorumsFollowTheirDefinitions) {
  EXPECT_EQ(quorum(ConsensusType::MAJORITY, 1), 1);
  EXPECT_EQ(quorum(ConsensusType::MAJORITY, 4), 3);
  EXPECT_EQ(quorum(ConsensusType::MAJORITY, 5), 3);
  EXPECT_EQ(quorum(ConsensusType::UNANIMOUS, 7), 7);
  EXPECT_EQ(quorum(ConsensusType::PBFT, 1), 1);   // f = 0
  EXPECT_EQ(quorum(ConsensusType::PBFT, 3), 1);   // f = 0
  EXPECT_EQ(quorum(ConsensusType::PBFT, 4), 3);   // f = 1
  EXPECT_EQ(quorum(ConsensusType::PBFT, 7), 5);   // f = 2
  EXPECT_EQ(quorum(ConsensusType::PBFT, 10), 7);  // f = 3
  EXPECT_EQ(quorum(ConsensusType::WEIGHTED, 10), 0);
}

TEST(Tally, MajorityDecidesOnlyWhenCertain) {
  auto m = ConsensusType::MAJORITY;
  EXPECT_EQ(decide(m, heads(5, 2, 2, m)), Outcome::PENDING);
  EXPECT_EQ(decide(m, heads(5, 3, 0, m)), Outcome::APPROVED);
  EXPECT_EQ(decide(m, heads(5, 0, 3, m)), Outcome::REJECTED);
  EXPECT_EQ(decide(m, heads(4, 2, 1, m)), Outcome::PENDING);
  EXPECT_EQ(decide(m, heads(4, 1, 2, m)), Outcome::REJECTED);
}

TEST(Tally, UnanimousAndPbft) {
  auto u = ConsensusType::UNANIMOUS;
  EXPECT_EQ(decide(u, heads(3, 2, 0, u)), Outcome::PENDING);
  EXPECT_EQ(decide(u, heads(3, 3, 0, u)), Outcome::APPROVED);
  EXPECT_EQ(decide(u, heads(3, 0, 1, u)), Outcome::REJECTED);
  auto b = ConsensusType::PBFT;
  EXPECT_EQ(decide(b, heads(4, 2, 1, b)), Outcome::PENDING);
  EXPECT_EQ(decide(b, heads(4, 3, 1, b)), Outcome::APPROVED);
  EXPECT_EQ(decide(b, heads(4, 1, 1, b, 1)), Outcome::REJECTED) << "1 yes + 1 undecided < 3";
}

TEST(Tally, CountVotesSkipsFaultyAgentsAndSumsWeightsInVoterOrder) {
  ProposalView p;
  p.consensus_type = ConsensusType::WEIGHTED;
  p.voters = {{"a", 0.1, ""}, {"b", 0.2, ""}, {"c", 0.3, ""}};
  p.votes = {{"c", true, 0.3, 0, ""}, {"a", true, 0.1, 0, ""}, {"b", false, 0.2, 0, ""}};
  p.faulty = {"b"};
  Tally t = count_votes(p);
  EXPECT_EQ(t.yes, 2);
  EXPECT_EQ(t.no, 0);
  EXPECT_EQ(t.faulty, 1);
  EXPECT_EQ(t.yes_weight, 0.1 + 0.3);  // voter order, the same bits on every replica
  EXPECT_EQ(t.eligible_weight, 0.1 + 0.2 + 0.3);
}

}  // namespace
}  // namespace orion::consensus
