// cli/stats_report.*: the orionctl stats report and the bottlenecks it names.
#include "cli/stats_report.h"

#include <gtest/gtest.h>

namespace orion::cli {
namespace {

AgentView agent(const std::string& id, std::vector<std::string> caps, std::int64_t load, std::int64_t capacity,
                const std::string& state = "UP") {
  AgentView a;
  a.spec.agent_id = id;
  a.spec.capabilities = std::move(caps);
  a.spec.capacity = capacity;
  a.load = load;
  a.state = state;
  return a;
}

std::vector<std::string> kinds(const Json& bottlenecks) {
  std::vector<std::string> out;
  for (const auto& b : bottlenecks) out.push_back(b["kind"]);
  return out;
}

TEST(StatsReport, NoBottleneckWhenWaitingTasksHaveRoomAndWaitsAreShort) {
  StatsInputs in;
  in.agents = {agent("a1", {"text"}, 1, 4)};
  in.scheduler.waiting = {WaitingClass{{"text"}, 2, 10}};
  in.scheduler.types = {TypeStats{"echo", 10, 10, 10, 5, 9, 50, 80}};
  EXPECT_TRUE(bottlenecks(in).empty());
}

TEST(StatsReport, TasksNeedingACapabilityNoLiveAgentHasAreAMissingCapability) {
  StatsInputs in;
  in.agents = {agent("a1", {"gpu"}, 0, 1), agent("a2", {"quantum"}, 0, 1, "DOWN")};
  in.scheduler.waiting = {WaitingClass{{"quantum"}, 3, 500}, WaitingClass{{"gpu", "text"}, 1, 5}};
  Json b = bottlenecks(in);
  EXPECT_EQ(kinds(b), (std::vector<std::string>{"missing_capability", "missing_capability"}));
  EXPECT_EQ(b[0]["capabilities"], Json::array({"quantum"}));
  EXPECT_EQ(b[0]["tasks"], 3);
  EXPECT_NE(b[0]["message"].get<std::string>().find("[quantum]"), std::string::npos);
}

TEST(StatsReport, ReadyTasksWhoseAbleAgentsAreAllFullShowASaturatedClass) {
  StatsInputs in;
  in.agents = {agent("g1", {"gpu"}, 2, 2), agent("g2", {"gpu", "text"}, 1, 1), agent("t1", {"text"}, 0, 8)};
  in.scheduler.waiting = {WaitingClass{{"gpu"}, 5, 900}, WaitingClass{{"text"}, 1, 1}};
  Json b = bottlenecks(in);
  ASSERT_EQ(kinds(b), std::vector<std::string>{"saturated"});
  EXPECT_EQ(b[0]["agents"], Json::array({"g1", "g2"}));
  EXPECT_EQ(b[0]["capacity"], 3);
  // The scheduler's load (attached agents) counts over the registry's: g2 has room now.
  in.perf = {AgentPerf{"g2", true, false, 0, 1}};
  EXPECT_TRUE(bottlenecks(in).empty());
  // A draining agent takes nothing new: it is as good as full.
  in.perf[0].draining = true;
  EXPECT_EQ(kinds(bottlenecks(in)), std::vector<std::string>{"saturated"});
}

TEST(StatsReport, ATypeWhoseMedianWaitExceedsItsMedianRunIsNamedOnceThereAreEnoughSamples) {
  StatsInputs in;
  in.scheduler.types = {TypeStats{"slowq", 10, 10, 10, 400, 900, 50, 60}, TypeStats{"few", 2, 2, 2, 400, 400, 1, 1}};
  Json b = bottlenecks(in);
  ASSERT_EQ(kinds(b), std::vector<std::string>{"wait_dominates"});
  EXPECT_EQ(b[0]["type"], "slowq");
  EXPECT_EQ(b[0]["wait_p50_ms"], 400.0);
}

TEST(StatsReport, TheReportHasEveryPartAndNullProposalsWithoutConsensus) {
  StatsInputs in;
  in.agents = {agent("a1", {"text"}, 1, 4), agent("a2", {"text"}, 0, 1, "DOWN")};
  AgentPerf p;
  p.agent_id = "a1";
  p.attached = true;
  p.done = 9;
  p.p95_ms = 12;
  in.perf = {p};
  in.scheduler.total = 3;
  in.scheduler.by_state = {{"COMPLETED", 3}};
  in.scheduler.types = {TypeStats{"echo", 3, 3, 3, 1, 2, 3, 4}};
  Json r = stats_report(in);
  EXPECT_EQ(r["tasks"]["total"], 3);
  EXPECT_EQ(r["tasks"]["by_state"]["COMPLETED"], 3);
  EXPECT_EQ(r["task_types"][0]["run_p95_ms"], 4.0);
  EXPECT_EQ(r["agents"]["by_state"], (Json{{"UP", 1}, {"DOWN", 1}}));
  EXPECT_EQ(r["agents"]["list"][0]["done"], 9);
  EXPECT_FALSE(r["agents"]["list"][1].contains("done"));  // the scheduler never saw it
  EXPECT_TRUE(r["proposals"].is_null());
  EXPECT_TRUE(r["bottlenecks"].is_array());
  in.proposals = ProposalStatsOk{2, {{"APPROVED", 2}}, {{"MAJORITY", {{"APPROVED", 2}}}}};
  EXPECT_EQ(stats_report(in)["proposals"]["by_type"]["MAJORITY"]["APPROVED"], 2);
}

}  // namespace
}  // namespace orion::cli
