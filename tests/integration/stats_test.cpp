// orionctl stats on real processes: a registry, a scheduler, one consensus replica and one
// example agent. After some finished tasks, one task nobody can run and one proposal, the report
// counts them, times the task type, lists the agent with its performance, counts the proposal
// and names the missing capability as a bottleneck.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class StatsTest : public ClusterTest {
 protected:
  void SetUp() override { start_full_stack(); }
  CommandResult orionctl(std::vector<std::string> args) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path(), 30'000);
  }

};

TEST_F(StatsTest, OrionctlStatsReportsTasksTimesAgentsProposalsAndAMissingCapability) {
  sdk::Client client(cluster.client_options());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    TaskSpec spec;
    spec.type = "sleep";
    spec.capabilities = {"text"};
    spec.input = {{"ms", 100}};
    auto id = client.submit(spec);
    ASSERT_TRUE(id) << id.error().to_string();
    ids.push_back(*id);
  }
  auto all = client.wait_all(ids, 30'000);
  ASSERT_TRUE(all) << all.error().to_string();
  for (const auto& v : *all) ASSERT_EQ(v.state, TaskState::COMPLETED) << v.task_id;
  TaskSpec stuck;
  stuck.type = "simulate";
  stuck.capabilities = {"quantum"};
  stuck.priority = Priority::HIGH;
  ASSERT_TRUE(client.submit(stuck));
  // A proposal: its outcome does not matter here (the agent may not have subscribed yet).
  auto d = client.make_distributed_decision("deploy", Json::object(), ConsensusType::MAJORITY, 1'000, "text");
  ASSERT_TRUE(d) << d.error().to_string();
  ASSERT_TRUE(client.wait_decision(d->proposal_id, 5'000));

  auto r = orionctl({"stats", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Json s = Json::parse(r.out);
  EXPECT_EQ(s["tasks"]["total"], 5) << s;
  EXPECT_EQ(s["tasks"]["by_state"]["COMPLETED"], 4) << s;
  EXPECT_EQ(s["tasks"]["by_state"]["PENDING"], 1) << s;
  EXPECT_EQ(s["tasks"]["by_priority"]["HIGH"], 1) << s;
  EXPECT_EQ(s["tasks"]["by_priority"]["NORMAL"], 4) << s;
  Json sleep_row;
  for (const auto& t : s["task_types"]) {
    if (t["type"] == "sleep") sleep_row = t;
  }
  ASSERT_TRUE(sleep_row.is_object()) << s;
  EXPECT_EQ(sleep_row["finished"], 4);
  // Each slept 100 ms between the scheduler hearing "started" and its result; a stalled
  // scheduler loop may read both at once, so only the slowest is sure to show it.
  EXPECT_GT(sleep_row["run_p95_ms"].get<double>(), 0.0) << sleep_row;
  EXPECT_GE(sleep_row["run_p95_ms"].get<double>(), sleep_row["run_p50_ms"].get<double>());
  EXPECT_GE(sleep_row["wait_p95_ms"].get<double>(), sleep_row["wait_p50_ms"].get<double>());
  EXPECT_EQ(s["agents"]["by_state"]["UP"], 1) << s;
  ASSERT_EQ(s["agents"]["list"].size(), 1u) << s;
  EXPECT_EQ(s["agents"]["list"][0]["done"], 4) << s;
  EXPECT_EQ(s["agents"]["list"][0]["capacity"], 2) << s;
  ASSERT_TRUE(s["proposals"].is_object()) << s;
  EXPECT_EQ(s["proposals"]["total"], 1) << s;
  std::int64_t majority = 0;
  for (const auto& [outcome, n] : s["proposals"]["by_type"]["MAJORITY"].items()) majority += n.get<std::int64_t>();
  EXPECT_EQ(majority, 1) << s;
  bool missing_quantum = false;
  for (const auto& b : s["bottlenecks"]) {
    missing_quantum |= b["kind"] == "missing_capability" && b["capabilities"] == Json::array({"quantum"}) && b["tasks"] == 1;
  }
  EXPECT_TRUE(missing_quantum) << s["bottlenecks"];

  auto human = orionctl({"stats"});
  ASSERT_EQ(human.exit_code, 0) << human.out << human.err;
  EXPECT_NE(human.out.find("missing_capability"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("sleep"), std::string::npos) << human.out;
}

TEST_F(StatsTest, WithoutAConsensusServiceTheProposalsAreNullAndTheRestIsThere) {
  cluster.stop_consensus();  // stops it; the registry still names it, so the client waits a few seconds
  auto r = orionctl({"stats", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Json s = Json::parse(r.out);
  EXPECT_TRUE(s["proposals"].is_null()) << s;
  EXPECT_EQ(s["tasks"]["total"], 0) << s;
  EXPECT_EQ(s["agents"]["by_state"]["UP"], 1) << s;
}

}  // namespace
}  // namespace orion::testing
