// Ed25519 vote signatures (common/vote_signature.*) and the exact signed bytes.
#include "common/vote_signature.h"

#include <gtest/gtest.h>

#include "common/consensus_messages.h"

namespace orion::consensus {
namespace {

const VoteSubject kAbout{"orion", "p7", std::string(64, 'd'), "a1"};

TEST(VoteSignature, SignedBytesAreFrozen) {
  const std::string d(64, 'd');
  EXPECT_EQ(vote_signing_bytes(kAbout, true), std::string("ORION-VOTE/2\0orion\0p7\0", 22) + d + std::string("\0a1\0yes", 7));
  EXPECT_EQ(vote_signing_bytes(kAbout, false), std::string("ORION-VOTE/2\0orion\0p7\0", 22) + d + std::string("\0a1\0no", 6));
}

// The content digest's bytes and value are frozen: the Python SDK (canonical.py) computes the
// same, and an independent client can check its encoder against this case.
TEST(VoteSignature, ContentDigestIsOfTheCanonicalContent) {
  const Json data = Json::parse(R"({"b": 1, "a": [1.5, -3, "x", null, true]})");
  EXPECT_EQ(to_hex(proposal_content_bytes("ops", "deploy", "gpu", ConsensusType::MAJORITY, data)),
            "95a36f7073a66465706c6f79a3677075a84d414a4f5249545982a16195cb3ff8000000000000fda178c0c3a16201");
  EXPECT_EQ(proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, data),
            "964948d87fb6124f5eab2f4f7927cd9d7061d5df82a4e943555f4500ab7c8168");
  // The same value however it arrived: an integer-valued float stays a float, an unsigned and a
  // signed integer of one value are one integer.
  Json as_unsigned = data;
  as_unsigned["b"] = std::uint64_t{1};
  EXPECT_EQ(proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, as_unsigned),
            proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, data));
  Json as_float = data;
  as_float["b"] = 1.0;
  EXPECT_NE(proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, as_float),
            proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, data));
  // Any change to the content changes the digest.
  EXPECT_NE(proposal_digest("ops", "deploy", "gpu", ConsensusType::UNANIMOUS, data),
            proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, data));
  EXPECT_NE(proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, Json::parse(R"({"b": 2})")),
            proposal_digest("ops", "deploy", "gpu", ConsensusType::MAJORITY, Json::parse(R"({"b": 1})")));
}

TEST(VoteSignature, KnownSeedGivesAKnownKeyAndSignature) {
  // RFC 8032 test 1 secret key: the public key is the RFC's; Ed25519 is deterministic, so the
  // signature over our bytes is fixed too.
  auto keys = VoteKeys::from_seed(from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  EXPECT_EQ(keys.public_key_hex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const VoteSubject about{"orion", "p1", "964948d87fb6124f5eab2f4f7927cd9d7061d5df82a4e943555f4500ab7c8168", "a1"};
  auto sig = sign_vote(keys.secret_key, about, true);
  // sdk/python/tests/test_vote.py holds the same value: both sides sign the same bytes.
  EXPECT_EQ(sig,
            "ed7a2307781f7b8f5e280d0cf087aae9d9e0408ba26a189a85494071af40df94"
            "14a07c4e5ddc9c535590af41f58c4924fc3904978b582ed5483a1594dc583d01");
  EXPECT_TRUE(verify_vote(keys.public_key_hex(), about, true, sig));
}

TEST(VoteSignature, AnyChangeToTheVoteOrKeyFailsVerification) {
  auto keys = VoteKeys::generate();
  auto other = VoteKeys::generate();
  auto sig = sign_vote(keys.secret_key, kAbout, true);
  EXPECT_TRUE(verify_vote(keys.public_key_hex(), kAbout, true, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), kAbout, false, sig));
  auto changed = [&](auto edit) {
    VoteSubject s = kAbout;
    edit(s);
    return s;
  };
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), changed([](VoteSubject& s) { s.cluster_id = "other"; }), true, sig))
      << "replayed into another cluster";
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), changed([](VoteSubject& s) { s.proposal_id = "p8"; }), true, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), changed([](VoteSubject& s) { s.content_digest[0] = 'e'; }), true, sig))
      << "carried onto other data";
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), changed([](VoteSubject& s) { s.agent_id = "a2"; }), true, sig));
  EXPECT_FALSE(verify_vote(other.public_key_hex(), kAbout, true, sig));
  std::string flipped = sig;
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), kAbout, true, flipped));
  EXPECT_FALSE(verify_vote("zz", kAbout, true, sig));
  EXPECT_FALSE(verify_vote(keys.public_key_hex(), kAbout, true, "not hex"));
}

TEST(VoteSignature, KeyedDigestsNeedTheKey) {
  EXPECT_EQ(keyed_digest_hex("k1", "gate-t1").size(), 32u);
  EXPECT_EQ(keyed_digest_hex("k1", "gate-t1"), keyed_digest_hex("k1", "gate-t1"));
  EXPECT_NE(keyed_digest_hex("k1", "gate-t1"), keyed_digest_hex("k2", "gate-t1"));
  EXPECT_NE(keyed_digest_hex("k1", "gate-t1"), keyed_digest_hex("k1", "gate-t2"));
}

TEST(VoteSignature, HexRoundTripsAndRefusesBadDigits) {
  EXPECT_EQ(to_hex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(from_hex("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(from_hex("0"), "");
  EXPECT_EQ(from_hex("0g"), "");
}

}  // namespace
}  // namespace orion::consensus
