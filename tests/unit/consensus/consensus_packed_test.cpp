// Propose/Vote::from_packed and the to_packed() writers (common/consensus_messages.*) against
// the Json path they replace on the leader's hot path (decode_value, the "is it a map" check of
// decode_frame_views, then from_body): the same messages accepted, the same first error (code
// and message) for everything refused, on hand-made cases and random mutations of valid bodies.
#include <gtest/gtest.h>

#include <random>

#include "common/consensus_messages.h"
#include "tests/unit/common/differential.h"

namespace orion {
namespace {

const std::string kKey(64, 'a');
const std::string kSig(128, 'b');

template <class M>
void expect_same(const std::string& body) {
  EXPECT_EQ(testing::outcome(M::from_packed(body)), testing::outcome(testing::reference<M>(body)));
}

std::string pack(const Json& j) { return encode_value(j); }

Propose sample_propose() {
  Propose p;
  p.proposer = "ops";
  p.type = "deploy";
  p.capability = "gpu";
  p.data = {{"version", 3}, {"list", {1, 2.5, "s", nullptr}}};
  p.consensus_type = ConsensusType::WEIGHTED;
  p.voters = {{"a1", 1.0, kKey}, {"a2", 2.5, std::string(64, 'C')}};
  p.timeout_ms = 5'000;
  return p;
}

Vote sample_vote() { return Vote{"p7", "a1", true, kSig}; }

// Both readers agree on n random mutations of `base`; returns how many were refused.
template <class M>
int mutate_and_compare(const std::string& base, int n) {
  std::mt19937_64 rng(4321);
  int refused = 0;
  for (int round = 0; round < n; ++round) {
    std::string body = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !body.empty(); ++k) {
      std::size_t at = rng() % body.size();
      switch (rng() % 4) {
        case 0: body[at] = static_cast<char>(rng() & 0xff); break;
        case 1: body.erase(at, 1 + rng() % 3); break;
        case 2: body.insert(at, 1, static_cast<char>(rng() & 0xff)); break;
        default: body.resize(at); break;
      }
    }
    SCOPED_TRACE("round " + std::to_string(round));
    expect_same<M>(body);
    refused += !M::from_packed(body).ok();
  }
  return refused;
}

TEST(ConsensusPacked, ToPackedDecodesToWhatToBodyGives) {
  EXPECT_EQ(*decode_value(sample_propose().to_packed().data(), sample_propose().to_packed().size()),
            sample_propose().to_body());
  auto vote = sample_vote().to_packed();
  EXPECT_EQ(*decode_value(vote.data(), vote.size()), sample_vote().to_body());
  VoteOk ok{"p7", "a1", Outcome::APPROVED, true};
  auto okb = ok.to_packed();
  EXPECT_EQ(*decode_value(okb.data(), okb.size()), ok.to_body());
  ProposeOk pok{"p7", Outcome::PENDING, false};
  auto pokb = pok.to_packed();
  EXPECT_EQ(*decode_value(pokb.data(), pokb.size()), pok.to_body());
}

TEST(ConsensusPacked, ValidMessagesDecodeAsTheJsonPathDecodesThem) {
  auto p = Propose::from_packed(sample_propose().to_packed());
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->voters[1].weight, 2.5);
  EXPECT_EQ(p->data, sample_propose().data);
  expect_same<Propose>(sample_propose().to_packed());
  Propose raft = sample_propose();
  raft.consensus_type = ConsensusType::RAFT;
  expect_same<Propose>(raft.to_packed());
  EXPECT_TRUE(Propose::from_packed(raft.to_packed())->voters.empty());
  auto v = Vote::from_packed(sample_vote().to_packed());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->yes);
  expect_same<Vote>(sample_vote().to_packed());
}

TEST(ConsensusPacked, EveryHandMadeRefusalHasTheSameCodeAndMessage) {
  Json voter = {{"agent_id", "a1"}, {"public_key", kKey}};
  std::vector<std::string> proposes = {
      "",
      std::string("\xc1"),
      pack(Json::array()),
      pack(Json::object()),
      pack(Json{{"type", ""}, {"voters", {voter}}}),
      pack(Json{{"type", 1}, {"proposer", 2}}),
      pack(Json{{"type", "t"}, {"consensus_type", 9}, {"voters", {voter}}}),
      pack(Json{{"type", "t"}, {"timeout_ms", 0}, {"voters", {voter}}}),
      pack(Json{{"type", "t"}, {"voters", 5}}),
      pack(Json{{"type", "t"}, {"voters", Json::array()}}),
      pack(Json{{"type", "t"}}),
      pack(Json{{"type", "t"}, {"voters", {5}}}),
      pack(Json{{"type", "t"}, {"voters", {voter, voter}}}),
      pack(Json{{"type", "t"}, {"voters", {{{"agent_id", "a1"}}}}}),
      pack(Json{{"type", "t"}, {"voters", {{{"agent_id", ""}, {"public_key", kKey}}}}}),
      pack(Json{{"type", "t"}, {"voters", {{{"agent_id", "a1"}, {"public_key", "xyz"}}}}}),
      pack(Json{{"type", "t"}, {"voters", {{{"agent_id", "a1"}, {"weight", 0}, {"public_key", kKey}}}}}),
      pack(Json{{"type", "t"}, {"voters", {{{"agent_id", "a1"}, {"weight", "1"}, {"public_key", kKey}}}}}),
      pack(Json{{"type", "t"}, {"data", std::string(kMaxInputBytes, 'd')}, {"voters", {voter}}}),
      pack(Json{{"type", "t"}, {"voters", {voter}}}) + "x",
  };
  for (std::size_t i = 0; i < proposes.size(); ++i) {
    SCOPED_TRACE("propose " + std::to_string(i));
    expect_same<Propose>(proposes[i]);
    EXPECT_FALSE(Propose::from_packed(proposes[i]).ok());
  }
  Json vote = sample_vote().to_body();
  std::vector<std::string> votes = {"", pack(Json::array()), pack(Json::object())};
  for (const char* field : {"proposal_id", "agent_id", "vote", "signature"}) {
    for (Json bad : {Json(), Json(5), Json("maybe"), Json(std::string(300, 'x')), Json(std::string("a\0b", 3))}) {
      Json b = vote;
      b[field] = bad;
      votes.push_back(pack(b));
    }
  }
  int refused = 0;
  for (std::size_t i = 0; i < votes.size(); ++i) {
    SCOPED_TRACE("vote " + std::to_string(i));
    expect_same<Vote>(votes[i]);
    refused += !Vote::from_packed(votes[i]).ok();
  }
  // "maybe" is a valid proposal id and agent id: every other case is refused.
  EXPECT_EQ(refused, static_cast<int>(votes.size()) - 2);
}

TEST(ConsensusPacked, RepliesReadFromPackedBytesAsFromTheirJson) {
  VoteOk ok{"p7", "a1", Outcome::APPROVED, true};
  expect_same<VoteOk>(ok.to_packed());
  EXPECT_EQ(VoteOk::from_packed(ok.to_packed())->outcome, Outcome::APPROVED);
  ProposeOk pok{"p9", Outcome::PENDING, false};
  expect_same<ProposeOk>(pok.to_packed());
  EXPECT_EQ(ProposeOk::from_packed(pok.to_packed())->proposal_id, "p9");
  for (const auto& bad : {pack(Json::object()), pack(Json{{"proposal_id", 1}}), pack(Json{{"proposal_id", "p1"}, {"outcome", 9}}),
                          pack(Json{{"proposal_id", "p1"}, {"agent_id", "a"}, {"duplicate", 1}}), std::string()}) {
    expect_same<VoteOk>(bad);
    expect_same<ProposeOk>(bad);
  }
  EXPECT_GT(mutate_and_compare<VoteOk>(ok.to_packed(), 1000), 200);
}

TEST(ConsensusPacked, RandomMutationsGetTheSameAnswerFromBothReaders) {
  EXPECT_GT(mutate_and_compare<Propose>(sample_propose().to_packed(), 3000), 500);
  EXPECT_GT(mutate_and_compare<Vote>(sample_vote().to_packed(), 3000), 500);
}

}  // namespace
}  // namespace orion
