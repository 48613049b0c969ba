// CastVote: a counted vote held compactly gives back its VoteRecord.
#include "services/consensus/cast_vote.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "common/vote_signature.h"

namespace orion::consensus {
namespace {

const std::vector<Voter> kVoters = {Voter{"a1", 1.0, std::string(64, 'a')}, Voter{"a2", 2.5, std::string(64, 'b')}};

TEST(CastVoteTest, ASignatureIsHeldAsItsBytesAndGivenBackWithTheVotersWeight) {
  const std::string sig = sign_vote(VoteKeys::from_seed(std::string(32, 's')).secret_key, VoteSubject{"c", "p1", "", "a2"}, true);
  std::optional<CastVote> c = CastVote::make(1, true, 1234, sig);
  ASSERT_TRUE(c);
  EXPECT_EQ(sizeof(CastVote), 80u) << "the size the consensus core's memory per proposal counts on";
  VoteRecord r = c->record(kVoters);
  EXPECT_EQ(r.agent_id, "a2");
  EXPECT_TRUE(r.yes);
  EXPECT_EQ(r.weight, 2.5);
  EXPECT_EQ(r.at_ms, 1234);
  EXPECT_EQ(r.signature, sig);
}

TEST(CastVoteTest, AnUpperCaseSignatureComesBackInLowerCase) {
  const std::string sig = sign_vote(VoteKeys::from_seed(std::string(32, 't')).secret_key, VoteSubject{"c", "p2", "", "a1"}, false);
  std::string upper = sig;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
  ASSERT_NE(upper, sig);
  std::optional<CastVote> c = CastVote::make(0, false, 7, upper);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->signature_hex(), sig);
}

TEST(CastVoteTest, WhatIsNot128HexDigitsIsRefused) {
  for (const std::string& sig : {std::string(), std::string("abc"), std::string(127, 'a'), std::string(130, 'a'),
                                 std::string(128, 'z'), std::string(126, 'a') + "g0"}) {
    EXPECT_FALSE(CastVote::make(0, false, 7, sig)) << sig;
  }
}

}  // namespace
}  // namespace orion::consensus
