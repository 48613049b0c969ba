// Tests of common/consensus_messages.*: every message survives the wire path with its fields
// equal, the wire form of VOTE is frozen, bad fields are refused naming the field.
#include "common/consensus_messages.h"

#include <gtest/gtest.h>

#include "common/envelope.h"

namespace orion {
namespace {

static_assert(static_cast<int>(MsgType::PROPOSE) == 60 && static_cast<int>(MsgType::REPLICA_INFO) == 73);
static_assert(static_cast<int>(ConsensusType::MAJORITY) == 1 && static_cast<int>(ConsensusType::RAFT) == 5);
static_assert(static_cast<int>(Outcome::PENDING) == 1 && static_cast<int>(Outcome::EXPIRED) == 4);

const std::string kKey(64, 'a');
const std::string kSig(128, 'b');

template <class M>
Result<M> round_trip(const M& message, MsgType type) {
  auto frames = encode_frames(Envelope{type, "rid", message.to_body()});
  auto envelope = decode_frames(frames);
  if (!envelope) return envelope.error();
  EXPECT_EQ(envelope->type, type);
  EXPECT_TRUE(is_known(type)) << to_string(type);
  return M::from_body(envelope->body);
}

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {d[c >> 4], d[c & 0xf]};
  return out;
}

TEST(ConsensusMessages, ProposeRoundTrips) {
  Propose p;
  p.proposer = "ops";
  p.type = "deploy";
  p.data = {{"version", "1.2.3"}, {"n", -1}};
  p.capability = "gpu";
  p.consensus_type = ConsensusType::WEIGHTED;
  p.voters = {{"a1", 2.5, kKey}, {"a2", 1.0, kKey}};
  p.timeout_ms = 5'000;
  auto back = round_trip(p, MsgType::PROPOSE);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->proposer, "ops");
  EXPECT_EQ(back->data, p.data);
  EXPECT_EQ(back->consensus_type, ConsensusType::WEIGHTED);
  ASSERT_EQ(back->voters.size(), 2u);
  EXPECT_EQ(back->voters[0].weight, 2.5);
  EXPECT_EQ(back->voters[1].public_key, kKey);
  EXPECT_EQ(back->timeout_ms, 5'000);
}

TEST(ConsensusMessages, ProposeRefusesBadVotersNamingTheField) {
  Propose p;
  p.type = "deploy";
  auto no_voters = Propose::from_body(p.to_body());
  EXPECT_EQ(no_voters.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(no_voters.error().message.find("voters"), std::string::npos);

  p.voters = {{"a1", 1.0, kKey}, {"a1", 1.0, kKey}};
  EXPECT_NE(Propose::from_body(p.to_body()).error().message.find("listed twice"), std::string::npos);
  p.voters = {{"a1", 1.0, ""}};
  EXPECT_NE(Propose::from_body(p.to_body()).error().message.find("voters[0].public_key"), std::string::npos);
  p.voters = {{"a1", 1.0, "xyz"}};
  EXPECT_NE(Propose::from_body(p.to_body()).error().message.find("public_key"), std::string::npos);
  p.voters = {{"a1", 0.0, kKey}};
  EXPECT_NE(Propose::from_body(p.to_body()).error().message.find("weight"), std::string::npos);

  p.voters = {{"a1", 1.0, kKey}};
  Json body = p.to_body();
  body["consensus_type"] = 9;
  EXPECT_NE(Propose::from_body(body).error().message.find("consensus_type"), std::string::npos);
  body = p.to_body();
  body["timeout_ms"] = 0;
  EXPECT_NE(Propose::from_body(body).error().message.find("timeout_ms"), std::string::npos);
  body = p.to_body();
  body["type"] = "";
  EXPECT_NE(Propose::from_body(body).error().message.find("type"), std::string::npos);
}

TEST(ConsensusMessages, RaftProposeNeedsNoVotersAndDropsAnyGiven) {
  Propose p;
  p.type = "lease";
  p.consensus_type = ConsensusType::RAFT;
  p.voters = {{"a1", 1.0, ""}};
  auto back = Propose::from_body(p.to_body());
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(back->voters.empty());
}

TEST(ConsensusMessages, VoteWireFormIsFrozen) {
  Vote v{"p7", "a1", true, kSig};
  auto frames = encode_frames(Envelope{MsgType::VOTE, "r-1", v.to_body()});
  EXPECT_EQ(hex(frames[1]), "3e");
  EXPECT_EQ(hex(frames[3]),
            "84"
            "a8" + hex("agent_id") + "a2" + hex("a1") +
            "ab" + hex("proposal_id") + "a2" + hex("p7") +
            "a9" + hex("signature") + "d980" + hex(kSig) +
            "a4" + hex("vote") + "a3" + hex("yes"));
}

TEST(ConsensusMessages, VoteRefusesBadFields) {
  Vote v{"p7", "a1", true, kSig};
  Json body = v.to_body();
  body["vote"] = "maybe";
  EXPECT_NE(Vote::from_body(body).error().message.find("'vote'"), std::string::npos);
  body = v.to_body();
  body["signature"] = "abc";
  EXPECT_NE(Vote::from_body(body).error().message.find("signature"), std::string::npos);
  body = v.to_body();
  body["agent_id"] = std::string("a\0b", 3);
  EXPECT_NE(Vote::from_body(body).error().message.find("agent_id"), std::string::npos);
  body = v.to_body();
  body.erase("proposal_id");
  EXPECT_EQ(Vote::from_body(body).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST(ConsensusMessages, RepliesAndReadsRoundTrip) {
  auto ok = round_trip(ProposeOk{"p1", Outcome::APPROVED, true}, MsgType::PROPOSE_OK);
  EXPECT_EQ(ok->proposal_id, "p1");
  EXPECT_EQ(ok->outcome, Outcome::APPROVED);
  EXPECT_TRUE(ok->duplicate);
  auto vok = round_trip(VoteOk{"p1", "a1", Outcome::REJECTED, false}, MsgType::VOTE_OK);
  EXPECT_EQ(vok->outcome, Outcome::REJECTED);
  EXPECT_EQ(round_trip(GetProposal{"p9"}, MsgType::GET_PROPOSAL)->proposal_id, "p9");
  EXPECT_EQ(round_trip(WaitProposal{"p9", 1234}, MsgType::WAIT_PROPOSAL)->timeout_ms, 1234);

  ProposalView view;
  view.proposal_id = "p3";
  view.type = "deploy";
  view.consensus_type = ConsensusType::PBFT;
  view.voters = {{"a1", 1.0, kKey}};
  view.votes = {{"a1", true, 1.0, 17, kSig}};
  view.faulty = {"a9"};
  view.tally.eligible = 1;
  view.tally.yes = 1;
  view.tally.quorum = 1;
  view.outcome = Outcome::APPROVED;
  view.created_ms = 1;
  view.deadline_ms = 2;
  view.decided_ms = 3;
  auto info = round_trip(ProposalInfo{view}, MsgType::PROPOSAL_INFO);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->proposal.to_json(), view.to_json());

  auto lease = round_trip(LeaseRequest{"l", "h", 500}, MsgType::ACQUIRE_LEASE);
  EXPECT_EQ(lease->ttl_ms, 500);
  EXPECT_EQ(round_trip(ReleaseLease{"l", "h"}, MsgType::RELEASE_LEASE)->holder, "h");
  EXPECT_EQ(round_trip(GetLease{"l"}, MsgType::GET_LEASE)->name, "l");
  LeaseInfo li{LeaseView{"l", "h", 4, 10, 20}, true};
  auto li_back = round_trip(li, MsgType::LEASE_INFO);
  EXPECT_EQ(li_back->lease.to_json(), li.lease.to_json());
  EXPECT_TRUE(li_back->granted);
  ReplicaInfo ri{"2", "follower", "1", "tcp://x:1", 3, 99, 7, 98, 4, "00ff"};
  EXPECT_EQ(round_trip(ri, MsgType::REPLICA_INFO)->to_body(), ri.to_body());
}

TEST(ConsensusMessages, LeaseRequestBoundsTtl) {
  Json body = LeaseRequest{"l", "h", 500}.to_body();
  body["ttl_ms"] = 0;
  EXPECT_NE(LeaseRequest::from_body(body).error().message.find("ttl_ms"), std::string::npos);
  body["ttl_ms"] = kMaxLeaseTtlMs + 1;
  EXPECT_EQ(LeaseRequest::from_body(body).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST(ConsensusMessages, ChangeReplicasNamesItsOpFromAClosedSetAndAnAddNeedsAnAddress) {
  auto add = ChangeReplicas::from_body(ChangeReplicas{"add", 4, "127.0.0.1:7409"}.to_body());
  ASSERT_TRUE(add) << add.error().to_string();
  EXPECT_EQ(add->address, "127.0.0.1:7409");
  auto grow = ChangeReplicas::from_body(ChangeReplicas{"grow", 4, "127.0.0.1:7409"}.to_body());
  ASSERT_FALSE(grow);
  EXPECT_EQ(grow.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(grow.error().message, "field 'op': must be \"add\" or \"remove\"");
  auto nowhere = ChangeReplicas::from_body(ChangeReplicas{"add", 4, ""}.to_body());
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().message, "field 'address': an add needs the replica's Raft HOST:PORT");
  EXPECT_TRUE(ChangeReplicas::from_body(ChangeReplicas{"remove", 4, ""}.to_body()));
}

TEST(ConsensusMessages, AProposalViewLeavesOutWhatIsEmptyAndReadsItBackAsEmpty) {
  ProposalView view;
  view.proposal_id = "p1";
  view.outcome = Outcome::PENDING;
  Json j = view.to_json();
  for (const char* absent : {"cluster_id", "content_digest", "result_ttl_ms", "expires_ms"}) {
    EXPECT_FALSE(j.contains(absent)) << absent;
  }
  EXPECT_TRUE(j.contains("data") && j["data"].is_null());
  view.cluster_id = "orion";
  view.expires_ms = 9;
  j = view.to_json();
  EXPECT_EQ(j["cluster_id"], "orion");
  EXPECT_EQ(j["expires_ms"], 9);
  auto back = ProposalView::from_json(j);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->to_json(), j);
}

TEST(ConsensusMessages, ARecordsErrorIsNamedByTheFieldThatHoldsIt) {
  Json body = LeaseInfo{LeaseView{"l", "h", 4, 10, 20}, true}.to_body();
  body["lease"].erase("name");
  EXPECT_EQ(LeaseInfo::from_body(body).error().message, "field 'name': is required");  // as it is
  ProposalView view;
  view.proposal_id = "p1";
  view.outcome = Outcome::APPROVED;
  view.votes = {{"a1", true, 1.0, 17, kSig}};
  Json j = view.to_json();
  j["votes"][0]["vote"] = "perhaps";
  EXPECT_EQ(ProposalView::from_json(j).error().message, "field 'votes': field 'vote': must be \"yes\" or \"no\"");
}

TEST(ConsensusMessages, TypeNamesParse) {
  EXPECT_EQ(consensus_type_from_string("pbft"), ConsensusType::PBFT);
  EXPECT_EQ(consensus_type_from_string("Weighted"), ConsensusType::WEIGHTED);
  EXPECT_EQ(consensus_type_from_string("paxos"), ConsensusType::UNKNOWN);
  EXPECT_STREQ(to_string(Outcome::EXPIRED), "EXPIRED");
  EXPECT_STREQ(to_string(MsgType::WAIT_PROPOSAL), "WAIT_PROPOSAL");
}

}  // namespace
}  // namespace orion
