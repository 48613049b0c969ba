// CastVote: a counted vote held compactly gives back its VoteRecord byte for byte.
#include "services/consensus/cast_vote.h"

#include <gtest/gtest.h>

#include "common/vote_signature.h"

namespace orion::consensus {
namespace {

const std::vector<Voter> kVoters = {Voter{"a1", 1.0, std::string(64, 'a')}, Voter{"a2", 2.5, std::string(64, 'b')}};

TEST(CastVoteTest, ALowerCaseHexSignatureIsHeldAsItsBytesAndGivenBackTheSame) {
  const std::string sig = sign_vote(VoteKeys::from_seed(std::string(32, 's')).secret_key, "p1", "a2", true);
  CastVote c = CastVote::make(1, true, 2.5, 1234, sig);
  EXPECT_FALSE(c.odd) << "held as bytes";
  EXPECT_EQ(c.signature_hex(), sig);
  VoteRecord r = c.record(kVoters);
  EXPECT_EQ(r.agent_id, "a2");
  EXPECT_TRUE(r.yes);
  EXPECT_EQ(r.weight, 2.5);
  EXPECT_EQ(r.at_ms, 1234);
  EXPECT_EQ(r.signature, sig);
}

TEST(CastVoteTest, ASignatureInAnyOtherFormIsKeptAsWritten) {
  const std::string upper(128, 'A');
  const std::string mixed = std::string(127, 'a') + "F";
  for (const std::string& sig : {upper, mixed, std::string(), std::string("abc"), std::string(128, 'z')}) {
    CastVote c = CastVote::make(0, false, 1.0, 7, sig);
    EXPECT_EQ(c.signature_hex(), sig);
    EXPECT_EQ(c.record(kVoters).signature, sig);
  }
  EXPECT_TRUE(CastVote::make(0, false, 1.0, 7, upper).odd);
}

}  // namespace
}  // namespace orion::consensus
