// Distributed decisions across languages, on real processes: a registry, one orion-consensus
// replica, two C++ agents (orion-example-agent) and two Python agents (sdk/python/examples/agent.py
// run with /usr/bin/python3), all voting with capability "deploy". Proposals are made with
// orionctl, the C++ Client (make_distributed_decision) and the Python client (examples/client.py),
// and the decisions count the Python agents' signed votes next to the C++ agents'.
//
// cpp-yes (weight 1) votes yes, cpp-no (weight 3) votes no, py-yes (weight 1) votes yes, py-data
// (weight 1) votes no unless the proposal's data says otherwise ({"votes": {"py-data": "yes"}}).
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

constexpr const char* kCapability = "deploy";
constexpr std::int64_t kDecideMs = 15'000;
const char* const kPython = "/usr/bin/python3";  // Debian's, with python3-zmq and python3-msgpack

std::string python_sdk() { return std::string(ORION_SOURCE_DIR) + "/sdk/python"; }

class DecisionTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_consensus();
    cluster.start_agent("cpp-yes", {kCapability}, 1, {"--vote", "yes"});
    cluster.start_agent("cpp-no", {kCapability}, 1, {"--vote", "no", "--weight", "3"});
    start_python_agent("py-yes", "yes");
    start_python_agent("py-data", "no");
    ASSERT_TRUE(cluster.wait_agents_up(4, 30'000)) << cluster.logs();
    client_ = std::make_unique<sdk::Client>(cluster.client_options());
  }

  std::string extra_logs() const override {
    std::string out;
    for (const auto& [id, p] : python_agents_) out += "---- " + id + " ----\n" + p->log_tail(6000) + "\n";
    return out;
  }

  void start_python_agent(const std::string& id, const std::string& vote) {
    std::vector<std::string> args{python_sdk() + "/examples/agent.py", "--registry", cluster.registry_endpoint,
                                  "--id", id, "--cap", kCapability, "--vote", vote, "--log-level", "debug"};
    python_agents_[id] = std::make_unique<Process>(kPython, args, cluster.dir().file("python-" + id + ".log"));
  }

  Result<ProposalView> decide(const std::string& type, ConsensusType kind, const Json& data,
                              std::int64_t timeout_ms = kDecideMs) {
    auto d = client_->make_distributed_decision(type, data, kind, timeout_ms, kCapability);
    if (!d) return d.error();
    return client_->wait_decision(d->proposal_id, timeout_ms + 2'000);
  }

  // Each agent's bus subscription takes a moment to reach the publisher, and a proposal whose
  // event an agent missed gets no vote from it. Ready = a unanimous all-yes proposal approved,
  // which takes every agent's vote; proposals that expire before that are left behind.
  bool every_agent_votes() {
    const Json all_yes{{"votes", {{"cpp-no", "yes"}, {"py-data", "yes"}}}};
    return wait_until(
        [&] {
          auto r = decide("warm-up", ConsensusType::UNANIMOUS, all_yes, 2'000);
          return r && r->outcome == Outcome::APPROVED;
        },
        45'000);
  }

  CommandResult orionctl(std::vector<std::string> args) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path(), 30'000);
  }

  // orionctl ... --json, which must succeed: what it printed.
  Json orionctl_json(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = orionctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return Json::parse(r.out.empty() ? "{}" : r.out);
  }

  CommandResult python_client(std::vector<std::string> args) {
    args.insert(args.begin(), {python_sdk() + "/examples/client.py", "--registry", cluster.registry_endpoint});
    return run_command(kPython, args, cluster.dir().path(), 30'000);
  }

  // agent id -> "yes"/"no" of the counted votes in a decision's JSON.
  static std::map<std::string, std::string> votes_of(const Json& decision) {
    std::map<std::string, std::string> out;
    for (const auto& v : decision.value("votes", Json::array())) out[v.value("agent_id", "")] = v.value("vote", "");
    return out;
  }

  std::map<std::string, std::unique_ptr<Process>> python_agents_;
  std::unique_ptr<sdk::Client> client_;
};

TEST_F(DecisionTest, APythonAgentVotesOnAnOrionctlProposalAndTheDecisionCountsIt) {
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";

  // Proposed with orionctl to every live agent with the capability; its decision as orionctl shows it.
  auto decide_with_orionctl = [&](const std::string& consensus, const std::string& data) {
    Json proposed = orionctl_json(
        {"propose", "--type", "deploy", "--consensus", consensus, "--cap", kCapability, "--data", data, "--timeout", "15"});
    EXPECT_EQ(proposed.value("voters", Json::array()).size(), 4u) << proposed;
    return orionctl_json({"decision", proposed.value("proposal_id", ""), "--wait", "15"});
  };

  // UNANIMOUS, everyone told yes: approved only with all four votes, the Python ones included.
  auto all_yes = decide_with_orionctl("unanimous", R"({"votes": {"cpp-no": "yes", "py-data": "yes"}})");
  EXPECT_EQ(all_yes.value("outcome", ""), "APPROVED") << all_yes;
  auto votes = votes_of(all_yes);
  EXPECT_EQ(votes["py-yes"], "yes") << all_yes;
  EXPECT_EQ(votes["py-data"], "yes") << all_yes;
  EXPECT_EQ(votes.size(), 4u) << all_yes;
  EXPECT_DOUBLE_EQ(all_yes.value("yes_weight", -1.0), 6.0) << all_yes;

  // MAJORITY (2 of 4 is not enough), py-data on its default no: cpp-no and py-data say no, so
  // it is rejected, which it can only be once py-data's no is counted.
  auto rejected = decide_with_orionctl("majority", "{}");
  EXPECT_EQ(rejected.value("outcome", ""), "REJECTED") << rejected;
  EXPECT_EQ(votes_of(rejected)["py-data"], "no") << rejected;
}

TEST_F(DecisionTest, TheCppClientMakesDecisionsVotedByCppAndPythonAgentsAndReadsTheirStatus) {
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";
  const Json py_data_yes{{"votes", {{"py-data", "yes"}}}};

  // MAJORITY by head count: cpp-yes, py-yes and py-data say yes, 3 of 4: approved.
  auto d = client_->make_distributed_decision("deploy", py_data_yes, ConsensusType::MAJORITY, kDecideMs, kCapability);
  ASSERT_TRUE(d) << d.error().to_string();
  ASSERT_EQ(d->voters.size(), 4u);
  for (const auto& v : d->voters) {
    EXPECT_EQ(v.public_key.size(), 64u) << v.agent_id;
    EXPECT_DOUBLE_EQ(v.weight, v.agent_id == "cpp-no" ? 3.0 : 1.0) << v.agent_id;
  }
  auto majority = client_->wait_decision(d->proposal_id, kDecideMs + 2'000);
  ASSERT_TRUE(majority) << majority.error().to_string();
  EXPECT_EQ(majority->outcome, Outcome::APPROVED);
  EXPECT_EQ(majority->tally.yes, 3);  // decided by the third yes, one of them from Python
  auto status = client_->get_decision_status(d->proposal_id);
  ASSERT_TRUE(status) << status.error().to_string();
  EXPECT_EQ(status->outcome, Outcome::APPROVED);
  EXPECT_GT(status->decided_ms, 0);
  EXPECT_EQ(status->votes.size(), majority->votes.size());

  // The same votes WEIGHTED: cpp-no's weight 3 of 6 can no longer be outweighed: rejected.
  auto weighted = decide("deploy", ConsensusType::WEIGHTED, py_data_yes);
  ASSERT_TRUE(weighted) << weighted.error().to_string();
  EXPECT_EQ(weighted->outcome, Outcome::REJECTED);
  EXPECT_DOUBLE_EQ(weighted->tally.no_weight, 3.0);
  EXPECT_DOUBLE_EQ(weighted->tally.eligible_weight, 6.0);

  // Named voters: only the Python agents vote.
  sdk::DecisionRequest named;
  named.type = "deploy";
  named.capability = kCapability;
  named.consensus_type = ConsensusType::UNANIMOUS;
  named.data = py_data_yes;
  named.voters = {"py-yes", "py-data"};
  named.timeout_ms = kDecideMs;
  auto n = client_->make_distributed_decision(named);
  ASSERT_TRUE(n) << n.error().to_string();
  auto by_python = client_->wait_decision(n->proposal_id, kDecideMs + 2'000);
  ASSERT_TRUE(by_python) << by_python.error().to_string();
  EXPECT_EQ(by_python->outcome, Outcome::APPROVED);
  EXPECT_EQ(by_python->votes.size(), 2u);

  // What cannot be decided is refused before anything is proposed.
  auto nobody = client_->make_distributed_decision("deploy", {}, ConsensusType::MAJORITY, kDecideMs, "quantum");
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, ErrorCode::FAILED_PRECONDITION);
  auto unknown = client_->get_decision_status("p999999");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::NOT_FOUND);
}

TEST_F(DecisionTest, ThePythonClientMakesADecisionVotedByCppAndPythonAgentsAndReadsItsStatus) {
  ASSERT_TRUE(every_agent_votes()) << "the agents never all voted";

  auto r = python_client({"decide", "--type", "deploy", "--consensus", "unanimous", "--cap", kCapability, "--data",
                          R"({"votes": {"cpp-no": "yes", "py-data": "yes"}})", "--timeout", "15", "--wait", "15"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto decided = Json::parse(r.out);
  EXPECT_EQ(decided.value("outcome", ""), "APPROVED") << decided;
  EXPECT_EQ(decided.value("consensus", ""), "UNANIMOUS") << decided;
  EXPECT_DOUBLE_EQ(decided.value("yes_weight", -1.0), 6.0) << decided;
  auto votes = votes_of(decided);
  EXPECT_EQ(votes.size(), 4u) << decided;
  EXPECT_EQ(votes["cpp-yes"], "yes");
  EXPECT_EQ(votes["py-yes"], "yes");

  // Its status, read by the Python client and by orionctl, is the same decision.
  std::string id = decided.value("proposal_id", "");
  auto status = python_client({"decision", id});
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_EQ(Json::parse(status.out), decided);
  EXPECT_EQ(orionctl_json({"decision", id}), decided);

  // A decision without a proposal id yet: {proposal_id}, then wait for it.
  auto pending = python_client({"decide", "--type", "deploy", "--cap", kCapability, "--timeout", "15"});
  ASSERT_EQ(pending.exit_code, 0) << pending.out << pending.err;
  std::string pid = Json::parse(pending.out).value("proposal_id", "");
  ASSERT_FALSE(pid.empty()) << pending.out;
  auto waited = python_client({"decision", pid, "--wait", "15"});
  ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err;
  EXPECT_EQ(Json::parse(waited.out).value("outcome", ""), "REJECTED") << waited.out;  // majority, py-data said no

  // A bad request is refused with one line on stderr, and exit 1.
  auto bad = python_client({"decide", "--type", "deploy", "--consensus", "sometimes", "--cap", kCapability});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("consensus_type"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace orion::testing
