// Consensus-gated tasks, end to end on real processes: a registry, one orion-consensus
// replica, the scheduler and three voting orion-example-agents (yes, no, and one the
// proposal's data decides). A gated task waits PENDING while the agents vote, runs once they
// approve, and ends CANCELLED with the outcome as its cause when they reject it. Also a PBFT
// proposal with one voter signing both ways: it is reported faulty and its votes do not count.
#include <algorithm>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "common/vote_signature.h"
#include "sdk/cpp/consensus_client.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

constexpr const char* kCap = "ops";

class ConsensusGateTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_consensus();
    cluster.start_scheduler();
    cluster.start_agent("voter-yes", {kCap}, 2, {"--vote", "yes"});
    cluster.start_agent("voter-no", {kCap}, 2, {"--vote", "no"});
    cluster.start_agent("voter-data", {kCap}, 2, {"--vote", "no"});
    ASSERT_TRUE(cluster.wait_agents_up(3)) << cluster.logs();
    client = std::make_unique<sdk::Client>(cluster.client_options());
  }

  TaskSpec gated(const std::string& kind, Json votes, std::int64_t timeout_ms = 15'000) {
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {kCap};
    s.input = {{"gated", kind}};
    s.consensus.type = kind;
    s.consensus.timeout_ms = timeout_ms;
    s.consensus.data = {{"votes", std::move(votes)}};
    return s;
  }

  // A voter hears proposals once its bus subscription reached the publisher; until then a
  // proposal gets no vote from it. Ready = a unanimous all-yes gated task ran, which took
  // every agent's vote. Tasks whose proposals expired before that are left behind, CANCELLED.
  bool every_agent_votes() {
    const Json all_yes{{"voter-yes", "yes"}, {"voter-no", "yes"}, {"voter-data", "yes"}};
    return wait_until(
        [&] {
          auto id = client->submit(gated("unanimous", all_yes, 2'000));
          if (!id) return false;
          auto v = client->wait(*id, 10'000);
          return v && v->state == TaskState::COMPLETED;
        },
        60'000);
  }

  static bool was_assigned(const TaskView& v) {
    for (const auto& h : v.history) {
      if (h.state == TaskState::ASSIGNED) return true;
    }
    return false;
  }

  std::unique_ptr<sdk::Client> client;
};

TEST_F(ConsensusGateTest, UnanimousApprovalRunsTheTaskAndMajorityRejectionCancelsIt) {
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";

  // UNANIMOUS, every agent told yes: it runs, and its status names the approved proposal.
  auto yes = client->submit(gated("unanimous", {{"voter-yes", "yes"}, {"voter-no", "yes"}, {"voter-data", "yes"}}));
  ASSERT_TRUE(yes) << yes.error().to_string();
  auto done = client->wait(*yes, 20'000);
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ(done->state, TaskState::COMPLETED) << done->error;
  EXPECT_EQ(done->output, (Json{{"gated", "unanimous"}}));
  EXPECT_EQ(done->gate.outcome, "APPROVED");
  ASSERT_FALSE(done->gate.proposal_id.empty());
  consensus::ConsensusClientOptions o;
  o.registry = cluster.registry_endpoint;
  consensus::ConsensusClient decisions(o);
  auto decision = decisions.status(done->gate.proposal_id);
  ASSERT_TRUE(decision) << decision.error().to_string();
  EXPECT_EQ(decision->outcome, Outcome::APPROVED);
  EXPECT_EQ(decision->tally.yes, 3);
  EXPECT_EQ(decision->data["task_ids"], Json::array({*yes}));

  // MAJORITY, voter-data left to its default no: two no of three. It never runs.
  auto no = client->submit(gated("majority", Json::object()));
  ASSERT_TRUE(no) << no.error().to_string();
  auto ended = client->wait(*no, 20'000);
  ASSERT_TRUE(ended) << ended.error().to_string();
  EXPECT_EQ(ended->state, TaskState::CANCELLED);
  EXPECT_EQ(ended->error, "consensus " + ended->gate.proposal_id + " REJECTED");
  EXPECT_FALSE(was_assigned(*ended));

  // orionctl: --require-consensus, then the status shows the gate.
  auto submitted = run_command(bin("orionctl"),
                               {"submit", "--type", "echo", "--cap", kCap, "--input", "7", "--require-consensus",
                                "unanimous", "--consensus-data",
                                R"({"votes": {"voter-no": "yes", "voter-data": "yes"}})", "--consensus-timeout",
                                "15", "--json", "--registry", cluster.registry_endpoint},
                               cluster.dir().path(), 30'000);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  auto id = Json::parse(submitted.out)["task_id"].get<std::string>();
  auto waited = run_command(bin("orionctl"), {"wait", id, "--timeout", "20", "--json", "--registry", cluster.registry_endpoint},
                            cluster.dir().path(), 30'000);
  EXPECT_EQ(waited.exit_code, 0) << waited.out << waited.err;
  auto shown = Json::parse(waited.out);
  EXPECT_EQ(shown["consensus"]["type"], "unanimous");
  EXPECT_EQ(shown["consensus"]["outcome"], "APPROVED");
}

TEST_F(ConsensusGateTest, AGatedTaskWaitsPendingWhileTheVoteIsOpenAndSurvivesASchedulerRestart) {
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";
  // Named voters that include one that does not exist: the gate cannot be proposed, and the
  // task says why, PENDING, until its timeout.
  auto s = gated("majority", Json::object(), 3'000);
  s.consensus.voters = {"voter-yes", "ghost"};
  auto waiting = client->submit(s);
  ASSERT_TRUE(waiting) << waiting.error().to_string();
  auto v = client->status(*waiting);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->state, TaskState::PENDING);
  EXPECT_NE(v->reason.find("voter ghost is not attached"), std::string::npos) << v->reason;

  // kill -9 the scheduler while an approved-to-be proposal is open; the restarted one keeps
  // the gate (and its proposal) and runs the task once the vote is decided.
  auto later = client->submit(gated("unanimous", {{"voter-yes", "yes"}, {"voter-no", "yes"}, {"voter-data", "yes"}}));
  ASSERT_TRUE(later);
  cluster.scheduler().kill9();
  cluster.start_scheduler();
  sdk::Client again(cluster.client_options());
  auto done = again.wait(*later, 30'000);
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ(done->state, TaskState::COMPLETED) << done->error << " / " << done->reason;
  auto expired = again.wait(*waiting, 30'000);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->state, TaskState::CANCELLED);
  EXPECT_NE(expired->error.find("EXPIRED"), std::string::npos) << expired->error;
}

TEST_F(ConsensusGateTest, ABatchUnderOneGateRunsWhollyWhenApprovedAndNotAtAllWhenRejected) {
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";
  auto batch = [&](const Json& votes) {
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {kCap};
    BatchEntry a{"a", s}, b{"b", s}, c{"c", s};
    c.spec.depends_on = {"a", "b"};
    ConsensusGate gate;
    gate.type = "majority";
    gate.timeout_ms = 15'000;
    gate.data = {{"votes", votes}};
    return client->submit_batch({a, b, c}, gate);
  };
  auto yes = batch({{"voter-data", "yes"}});
  ASSERT_TRUE(yes) << yes.error().to_string();
  auto no = batch(Json::object());
  ASSERT_TRUE(no) << no.error().to_string();
  std::vector<std::string> all;
  for (const auto* ids : {&*yes, &*no}) {
    for (const auto& [key, id] : *ids) all.push_back(id);
  }
  auto views = client->wait_all(all, 30'000);
  ASSERT_TRUE(views) << views.error().to_string();
  std::string proposal_yes, proposal_no;
  for (const auto& v : *views) {
    bool approved = std::any_of(yes->begin(), yes->end(), [&](const auto& kv) { return kv.second == v.task_id; });
    EXPECT_EQ(v.state, approved ? TaskState::COMPLETED : TaskState::CANCELLED) << v.task_id << " " << v.error;
    (approved ? proposal_yes : proposal_no) = v.gate.proposal_id;
    if (!approved) {
      EXPECT_FALSE(was_assigned(v)) << v.task_id;
    }
  }
  EXPECT_FALSE(proposal_yes.empty());
  EXPECT_NE(proposal_yes, proposal_no) << "one proposal per batch";
  for (const auto& v : *views) {
    bool approved = std::any_of(yes->begin(), yes->end(), [&](const auto& kv) { return kv.second == v.task_id; });
    EXPECT_EQ(v.gate.proposal_id, approved ? proposal_yes : proposal_no) << "every task of a batch, one gate";
  }
}

TEST_F(ConsensusGateTest, APbftProposalStaysCorrectWhenOneVoterSignsBothWays) {
  // Four voters whose keys only this test holds (no agent answers for them), so the order of
  // the votes is the test's: n = 4, f = 1, approval takes 2f+1 = 3 matching signed yes votes.
  consensus::ConsensusClientOptions o;
  o.registry = cluster.registry_endpoint;
  consensus::ConsensusClient c(o);
  std::map<std::string, consensus::VoteKeys> keys;
  Propose p;
  p.proposer = "test";
  p.type = "deploy";
  p.capability = "nobody-listens";
  p.consensus_type = ConsensusType::PBFT;
  for (const char* id : {"v1", "v2", "v3", "v4"}) {
    keys[id] = consensus::VoteKeys::generate();
    p.voters.push_back(Voter{id, 1.0, keys[id].public_key_hex()});
  }
  auto made = c.propose(p);
  ASSERT_TRUE(made) << made.error().to_string();
  const auto& id = made->proposal_id;
  ASSERT_TRUE(c.vote(id, "v1", true, keys["v1"].secret_key));
  ASSERT_TRUE(c.vote(id, "v3", true, keys["v3"].secret_key));
  // v3 also signs no: an equivocator, refused and reported; its votes are discarded.
  auto two_faced = c.vote(id, "v3", false, keys["v3"].secret_key);
  ASSERT_FALSE(two_faced.ok());
  EXPECT_EQ(two_faced.error().code, ErrorCode::PERMISSION_DENIED);
  ASSERT_TRUE(c.vote(id, "v2", true, keys["v2"].secret_key));
  // Counting v3's yes would make 3 and approve; without it, 2 honest yes votes wait for v4.
  auto mid = c.status(id);
  ASSERT_TRUE(mid) << mid.error().to_string();
  EXPECT_EQ(mid->faulty, std::vector<std::string>{"v3"});
  EXPECT_EQ(mid->tally.yes, 2);
  EXPECT_EQ(mid->outcome, Outcome::PENDING);
  ASSERT_TRUE(c.vote(id, "v4", true, keys["v4"].secret_key));
  auto end = c.status(id);
  ASSERT_TRUE(end) << end.error().to_string();
  EXPECT_EQ(end->outcome, Outcome::APPROVED);
  EXPECT_EQ(end->tally.yes, 3);
  EXPECT_EQ(end->faulty, std::vector<std::string>{"v3"});
}

}  // namespace
}  // namespace orion::testing
