// sdk/cpp/decisions.*: who votes on a distributed decision, and the proposal that asks them.
#include "sdk/cpp/decisions.h"

#include <gtest/gtest.h>

namespace orion::sdk {
namespace {

const std::string kKeyA(64, 'a'), kKeyB(64, 'b'), kKeyC(64, 'c');

AgentView agent(const std::string& id, std::vector<std::string> caps, const std::string& state, double weight,
                const std::string& key) {
  AgentView a;
  a.spec.agent_id = id;
  a.spec.capabilities = std::move(caps);
  a.spec.weight = weight;
  a.spec.public_key = key;
  a.state = state;
  return a;
}

std::vector<AgentView> fleet() {
  return {agent("a1", {"deploy", "gpu"}, "UP", 2.5, kKeyA), agent("a2", {"deploy"}, "DOWN", 1.0, kKeyB),
          agent("a3", {"deploy2"}, "UP", 1.0, kKeyC), agent("a4", {"deploy"}, "UP", 1.0, kKeyB)};
}

std::vector<std::string> ids(const std::vector<Voter>& voters) {
  std::vector<std::string> out;
  for (const auto& v : voters) out.push_back(v.agent_id);
  return out;
}

TEST(ResolveVoters, TheCapabilityMeansEveryLiveAgentWithExactlyThatCapabilityWithItsWeightAndKey) {
  auto v = resolve_voters(fleet(), "deploy", {});
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(ids(*v), (std::vector<std::string>{"a1", "a4"}));  // not a2 (DOWN), not a3 (deploy2)
  EXPECT_EQ((*v)[0].weight, 2.5);
  EXPECT_EQ((*v)[0].public_key, kKeyA);
}

TEST(ResolveVoters, NamedVotersAreTakenWhateverTheirStateOrCapability) {
  auto v = resolve_voters(fleet(), "deploy", {"a2", "a3"});
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(ids(*v), (std::vector<std::string>{"a2", "a3"}));
}

TEST(ResolveVoters, RefusesWhatCannotVoteSayingWhatToFix) {
  auto none = resolve_voters(fleet(), "", {});
  EXPECT_EQ(none.error().code, ErrorCode::INVALID_ARGUMENT);
  auto unknown = resolve_voters(fleet(), "", {"a1", "ghost"});
  EXPECT_EQ(unknown.error().code, ErrorCode::NOT_FOUND);
  EXPECT_NE(unknown.error().message.find("ghost"), std::string::npos);
  auto nobody = resolve_voters(fleet(), "quantum", {});
  EXPECT_EQ(nobody.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_NE(nobody.error().message.find("quantum"), std::string::npos);
  auto keyless = fleet();
  keyless[3].spec.public_key.clear();
  auto no_key = resolve_voters(keyless, "deploy", {});
  EXPECT_EQ(no_key.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_NE(no_key.error().message.find("a4 has no public key"), std::string::npos);
}

TEST(DecisionProposal, CarriesTheRequestAndRefusesWhatTheLeaderWouldRefuse) {
  DecisionRequest r;
  r.type = "deploy";
  r.data = {{"version", "1.2"}};
  r.consensus_type = ConsensusType::WEIGHTED;
  r.timeout_ms = 5'000;
  r.capability = "deploy";
  r.proposer = "ops";
  auto voters = *resolve_voters(fleet(), "deploy", {});
  auto p = decision_proposal(r, voters);
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->type, "deploy");
  EXPECT_EQ(p->data, r.data);
  EXPECT_EQ(p->consensus_type, ConsensusType::WEIGHTED);
  EXPECT_EQ(p->capability, "deploy");
  EXPECT_EQ(p->proposer, "ops");
  EXPECT_EQ(p->timeout_ms, 5'000);
  EXPECT_EQ(ids(p->voters), ids(voters));

  auto raft = r;
  raft.consensus_type = ConsensusType::RAFT;
  EXPECT_EQ(decision_proposal(raft, voters).error().code, ErrorCode::INVALID_ARGUMENT);
  auto untyped = r;
  untyped.type.clear();
  EXPECT_NE(decision_proposal(untyped, voters).error().message.find("'type'"), std::string::npos);
  auto forever = r;
  forever.timeout_ms = 0;
  EXPECT_NE(decision_proposal(forever, voters).error().message.find("timeout_ms"), std::string::npos);
  voters.push_back(voters[0]);
  EXPECT_NE(decision_proposal(r, voters).error().message.find("listed twice"), std::string::npos);
}

TEST(DecisionJson, ShowsOutcomeWeightsAndVotesByName) {
  ProposalView p;
  p.proposal_id = "p3";
  p.type = "deploy";
  p.consensus_type = ConsensusType::MAJORITY;
  p.outcome = Outcome::REJECTED;
  p.tally.yes_weight = 1;
  p.tally.no_weight = 2;
  p.tally.eligible_weight = 3;
  p.votes = {VoteRecord{"a1", false, 1.0, 5, ""}, VoteRecord{"a2", true, 1.0, 6, ""}};
  p.decided_ms = 7;
  Json j = decision_json(p);
  EXPECT_EQ(j["outcome"], "REJECTED");
  EXPECT_EQ(j["consensus"], "MAJORITY");
  EXPECT_EQ(j["yes_weight"], 1.0);
  EXPECT_EQ(j["no_weight"], 2.0);
  EXPECT_EQ(j["votes"], Json::parse(R"([{"agent_id":"a1","vote":"no","weight":1.0},{"agent_id":"a2","vote":"yes","weight":1.0}])"));
  EXPECT_EQ(j["decided_ms"], 7);
}

}  // namespace
}  // namespace orion::sdk
