// Agents vote: a registry, one orion-consensus replica and three orion-example-agent processes
// (--vote yes, --vote no, and one whose vote each proposal's data decides). Proposals name the
// agents with the public keys the registry lists (LIST_AGENTS); the agents learn of them from
// the bus, sign their votes and send them to the leader, and their votes decide.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sdk/cpp/consensus_client.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

using consensus::ConsensusClient;
using consensus::ConsensusClientOptions;

constexpr const char* kCapability = "deploy";

class AgentVoteTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    std::string ready = cluster.dir().file("consensus.ready");
    consensus_ = std::make_unique<Process>(
        bin("orion-consensus"),
        std::vector<std::string>{"--bind-client", "tcp://127.0.0.1:0", "--registry", cluster.registry_endpoint,
                                 "--data-dir", cluster.dir().file("data-consensus"), "--ready-file", ready},
        cluster.dir().file("consensus.log"));
    ASSERT_TRUE(wait_for_json_file(ready, 10'000)) << consensus_->log_tail();
    cluster.start_agent("voter-yes", {kCapability}, 1, {"--vote", "yes"});
    cluster.start_agent("voter-no", {kCapability}, 1, {"--vote", "no"});
    cluster.start_agent("voter-data", {kCapability}, 1, {"--vote", "no"});  // unless the data says otherwise
    ASSERT_TRUE(cluster.wait_agents_up(3)) << cluster.logs();
    ConsensusClientOptions o;
    o.registry = cluster.registry_endpoint;  // the client finds the leader as the agents do
    client_ = std::make_unique<ConsensusClient>(o);
  }

  std::string extra_logs() const override {
    return consensus_ ? "---- consensus ----\n" + consensus_->log_tail(6000) + "\n" : "";
  }

  // The voters, with the public keys the registry lists for them.
  std::vector<Voter> voters() {
    sdk::Client client(cluster.client_options());
    auto list = client.agents();
    EXPECT_TRUE(list) << list.error().to_string();
    std::vector<Voter> out;
    if (!list) return out;
    for (const auto& a : *list) {
      EXPECT_EQ(a.spec.public_key.size(), 64u) << a.spec.agent_id;
      out.push_back(Voter{a.spec.agent_id, 1.0, a.spec.public_key});
    }
    return out;
  }

  Result<ProposalView> decide(ConsensusType type, const Json& data, std::int64_t timeout_ms = 15'000) {
    Propose p;
    p.proposer = "agent-vote-test";
    p.type = "deploy";
    p.capability = kCapability;
    p.consensus_type = type;
    p.voters = voters_;
    p.data = data;
    p.timeout_ms = timeout_ms;
    auto ok = client_->propose(p);
    if (!ok) return ok.error();
    return client_->wait(ok->proposal_id, timeout_ms + 2'000);
  }

  // Each agent's bus subscription takes a moment to reach the publisher, and a proposal whose
  // event an agent missed gets no vote from it. Ready = a unanimous all-yes proposal approved,
  // which takes every agent's vote; proposals that expire before that are simply left behind.
  bool every_agent_votes() {
    const Json all_yes{{"votes", {{"voter-yes", "yes"}, {"voter-no", "yes"}, {"voter-data", "yes"}}}};
    return wait_until(
        [&] {
          auto r = decide(ConsensusType::UNANIMOUS, all_yes, 2'000);
          return r && r->outcome == Outcome::APPROVED;
        },
        40'000);
  }

  CommandResult orionctl(std::vector<std::string> args) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path(), 30'000);
  }

  // Every counted vote agrees with what the agent was told to answer.
  void expect_votes(const ProposalView& p, const std::map<std::string, bool>& expected) {
    EXPECT_FALSE(p.votes.empty());
    for (const auto& v : p.votes) EXPECT_EQ(v.yes, expected.at(v.agent_id)) << v.agent_id << " in " << p.proposal_id;
  }

  std::unique_ptr<Process> consensus_;
  std::unique_ptr<ConsensusClient> client_;
  std::vector<Voter> voters_;
};

TEST_F(AgentVoteTest, TheAgentsVotesDecideMajorityAndUnanimousProposals) {
  voters_ = voters();
  ASSERT_EQ(voters_.size(), 3u);

  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";

  // MAJORITY, the data agent told yes: yes, no, yes -> APPROVED.
  auto approved = decide(ConsensusType::MAJORITY, {{"votes", {{"voter-data", "yes"}}}});
  ASSERT_TRUE(approved) << approved.error().to_string();
  EXPECT_EQ(approved->outcome, Outcome::APPROVED);
  expect_votes(*approved, {{"voter-yes", true}, {"voter-no", false}, {"voter-data", true}});
  EXPECT_EQ(approved->tally.yes, 2);

  // MAJORITY, the data agent told no: yes, no, no -> REJECTED.
  auto rejected = decide(ConsensusType::MAJORITY, {{"votes", {{"voter-data", "no"}}}});
  ASSERT_TRUE(rejected) << rejected.error().to_string();
  EXPECT_EQ(rejected->outcome, Outcome::REJECTED);
  expect_votes(*rejected, {{"voter-yes", true}, {"voter-no", false}, {"voter-data", false}});
  EXPECT_EQ(rejected->tally.no, 2);

  // MAJORITY without data: the data agent's default (no) decides: yes, no, no -> REJECTED.
  auto by_default = decide(ConsensusType::MAJORITY, Json::object());
  ASSERT_TRUE(by_default) << by_default.error().to_string();
  EXPECT_EQ(by_default->outcome, Outcome::REJECTED);
  expect_votes(*by_default, {{"voter-yes", true}, {"voter-no", false}, {"voter-data", false}});

  // UNANIMOUS, two yes and voter-no's no -> REJECTED by that one no.
  auto unanimous = decide(ConsensusType::UNANIMOUS, {{"votes", {{"voter-data", "yes"}}}});
  ASSERT_TRUE(unanimous) << unanimous.error().to_string();
  EXPECT_EQ(unanimous->outcome, Outcome::REJECTED);
  expect_votes(*unanimous, {{"voter-yes", true}, {"voter-no", false}, {"voter-data", true}});
  bool no_from_voter_no = false;
  for (const auto& v : unanimous->votes) no_from_voter_no |= v.agent_id == "voter-no" && !v.yes;
  EXPECT_TRUE(no_from_voter_no);
}

TEST_F(AgentVoteTest, OrionctlProposesToTheAgentsOfACapabilityAndShowsTheDecision) {
  voters_ = voters();
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";

  // A proposal is decided as soon as its outcome is certain, so a vote that arrives after the
  // deciding one may not be counted: check only what the decision needed.
  auto propose = [&](const std::string& consensus, const std::string& data, const std::string& ns = "default") {
    auto r = orionctl({"propose", "--type", "deploy", "--consensus", consensus, "--cap", kCapability, "--data", data,
                       "--timeout", "15", "--namespace", ns, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = Json::parse(r.out.empty() ? "{}" : r.out);
    EXPECT_EQ(j.value("voters", Json::array()).size(), 3u) << r.out;
    return j.value("proposal_id", std::string());
  };
  auto decision = [&](const std::string& id) {
    auto r = orionctl({"decision", id, "--wait", "15", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return Json::parse(r.out.empty() ? "{}" : r.out);
  };

  // UNANIMOUS, everyone told yes: approved only with all three votes.
  auto all_yes = decision(propose("unanimous", R"({"votes": {"voter-no": "yes", "voter-data": "yes"}})", "team-a"));
  EXPECT_EQ(all_yes.value("outcome", ""), "APPROVED") << all_yes;
  EXPECT_EQ(all_yes.value("namespace", ""), "team-a") << all_yes;  // the proposal's namespace, kept
  EXPECT_DOUBLE_EQ(all_yes.value("yes_weight", -1.0), 3.0) << all_yes;
  EXPECT_DOUBLE_EQ(all_yes.value("no_weight", -1.0), 0.0) << all_yes;
  EXPECT_EQ(all_yes.value("votes", Json::array()).size(), 3u) << all_yes;

  // MAJORITY, the data agent told no: rejected by the two no votes, both counted.
  auto rejected = decision(propose("majority", R"({"votes": {"voter-data": "no"}})"));
  EXPECT_EQ(rejected.value("outcome", ""), "REJECTED") << rejected;
  EXPECT_DOUBLE_EQ(rejected.value("no_weight", -1.0), 2.0) << rejected;
  EXPECT_LE(rejected.value("yes_weight", -1.0), 1.0) << rejected;
  std::string id = rejected.value("proposal_id", "");

  // A vote for an agent that is not a voter is refused with a one-line error and exit 1.
  auto stranger = orionctl({"vote", id, "--agent", "stranger", "--yes", "--secret-key", std::string(64, '1')});
  EXPECT_EQ(stranger.exit_code, 1) << stranger.out << stranger.err;
  EXPECT_FALSE(stranger.err.empty());
  // Bad usage exits 2.
  EXPECT_EQ(orionctl({"propose", "--type", "x", "--consensus", "sometimes", "--cap", "c"}).exit_code, 2);
}

}  // namespace
}  // namespace orion::testing
