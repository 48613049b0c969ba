// Ed25519 vote signatures (common/vote_signature.*) and the exact signed bytes.
#include "common/vote_signature.h"

#include <gtest/gtest.h>

#include "common/consensus_messages.h"

namespace orion::consensus {
namespace {

TEST(VoteSignature, SignedBytesAreFrozen) {
  EXPECT_EQ(vote_signing_bytes("p7", "a1", true), std::string("ORION-VOTE/1\0p7\0a1\0yes", 22));
  EXPECT_EQ(vote_signing_bytes("p7", "a1", false), std::string("ORION-VOTE/1\0p7\0a1\0no", 21));
}

TEST(VoteSignature, KnownSeedGivesAKnownKeyAndSignature) {
  // RFC 8032 test 1 secret key: the public key is the RFC's; Ed25519 is deterministic, so the
  // signature over our bytes is fixed too.
  auto keys = VoteKeys::from_seed(from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  EXPECT_EQ(keys.public_key_hex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = sign_vote(keys.secret_key, "p1", "a1", true);
  EXPECT_EQ(sig.size(), 128u);
  EXPECT_EQ(sign_vote(keys.secret_key, "p1", "a1", true), sig);
  EXPECT_TRUE(verify_vote(keys.public_key_hex(), "p1", "a1", true, sig));
}

TEST(VoteSignature, AnyChangeToTheVoteOrKeyFailsVerification) {
  auto keys = VoteKeys::generate();
  auto other = VoteKeys::generate();
  auto sig = sign_vote(keys.secret_key, "p1", "a1", true);
  EXPECT_TRUE(verify_vote(keys.public_key_hex(), "p1", "a1", true, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), "p1", "a1", false, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), "p2", "a1", true, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), "p1", "a2", true, sig));
  EXPECT_FALSE(verify_vote(other.public_key_hex(), "p1", "a1", true, sig));
  std::string flipped = sig;
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), "p1", "a1", true, flipped));
  EXPECT_FALSE(verify_vote("zz", "p1", "a1", true, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), "p1", "a1", true, "not hex"));
}

TEST(VoteSignature, HexRoundTripsAndRefusesBadDigits) {
  EXPECT_EQ(to_hex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(from_hex("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(from_hex("0"), "");
  EXPECT_EQ(from_hex("0g"), "");
}

}  // namespace
}  // namespace orion::consensus
