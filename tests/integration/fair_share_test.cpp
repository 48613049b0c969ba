// Namespaces and fair share with real processes (protocol.md section 19): one scarce agent (one
// slot), namespaces "gold" (weight 3) and "bronze" (weight 1) with a backlog each; the completed
// counts per namespace while both have a backlog are within 5% of 3:1. And orionctl namespace
// set|list|delete, list --namespace and stats --namespace against a real scheduler; the settings
// and a task's namespace across a kill -9 of the scheduler.
#include <gtest/gtest.h>

#include <tuple>

#include "common/namespace_messages.h"
#include "tests/integration/cluster.h"
#include "tests/wait_until.h"

namespace orion::testing {
namespace {

class FairShareTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
  }
  static TaskSpec echo(const std::string& ns, int i) {
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {"text"};
    s.input = i;
    s.ns = ns;
    return s;
  }
  // Completed tasks of two namespaces, read in one answer (one instant of the scheduler's state).
  std::pair<std::int64_t, std::int64_t> completed(sdk::Client& client, const std::string& a, const std::string& b) {
    auto s = client.scheduler_stats();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    if (!s) return {0, 0};
    auto of = [&](const std::string& ns) -> std::int64_t {
      auto n = s->by_namespace.find(ns);
      if (n == s->by_namespace.end()) return 0;
      auto it = n->second.find("COMPLETED");
      return it == n->second.end() ? 0 : it->second;
    };
    return {of(a), of(b)};
  }
};

TEST_F(FairShareTest, AScarceAgentsSlotsAreSharedThreeToOneByWeight) {
  sdk::Client client(cluster.client_options());
  ASSERT_TRUE(client.set_namespace("gold", 3).ok());
  ASSERT_TRUE(client.set_namespace("bronze", 1).ok());
  // Backlogs far past the measuring point: a capacity-1 agent finishes a task in well under a
  // millisecond, so many complete between two looks at the counts.
  const int backlog = 1'000, measure_at = 400;
  for (const char* ns : {"gold", "bronze"}) {
    std::vector<BatchEntry> entries;
    for (int i = 0; i < backlog; ++i) entries.push_back(BatchEntry{"k" + std::to_string(i), echo(ns, i)});
    auto r = client.submit_batch(entries);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  cluster.start_agent("scarce", {"text"}, /*capacity=*/1);  // both backlogs are in before it takes any
  ASSERT_TRUE(cluster.wait_agents_up(1));
  // Gold runs out after about 2,667 completions in all; measure from 400 (both still have a backlog).
  std::int64_t gold = 0, bronze = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        std::tie(gold, bronze) = completed(client, "gold", "bronze");
        return gold + bronze >= measure_at;
      },
      60'000, 20))
      << gold << " gold, " << bronze << " bronze completed";
  ASSERT_LT(gold, backlog);
  ASSERT_LT(bronze, backlog);
  ASSERT_GT(bronze, 0);
  const double ratio = static_cast<double>(gold) / static_cast<double>(bronze);
  EXPECT_NEAR(ratio, 3.0, 0.15) << gold << " gold, " << bronze << " bronze";
  auto list = client.list_namespaces();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->namespaces.size(), 2u);
  EXPECT_EQ(list->namespaces[0].ns, "bronze");
  EXPECT_EQ(list->namespaces[1].weight, 3.0);
  EXPECT_GT(list->namespaces[1].slots, 0);
}

TEST_F(FairShareTest, OrionctlSetsListsAndDeletesNamespacesAndFiltersByThem) {
  auto set = ctl({"namespace", "set", "tenant-a", "--weight", "2.5", "--on-exhausted", "park", "--json"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  auto view = Json::parse(set.out);
  EXPECT_EQ(view["namespace"], "tenant-a");
  EXPECT_EQ(view["weight"], 2.5);
  EXPECT_EQ(view["on_exhausted"], "park");
  auto bad = ctl({"namespace", "set", "no way", "--weight", "2"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("namespace"), std::string::npos) << bad.err;
  auto too_heavy = ctl({"namespace", "set", "x", "--weight", "5000"});
  EXPECT_NE(too_heavy.exit_code, 0);

  auto a = ctl({"submit", "--type", "echo", "--cap", "text", "--namespace", "tenant-a"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto d = ctl({"submit", "--type", "echo", "--cap", "text"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto listed = ctl({"list", "--namespace", "tenant-a", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto tasks = Json::parse(listed.out);
  const Json& rows = tasks.is_array() ? tasks : tasks["tasks"];
  ASSERT_EQ(rows.size(), 1u) << listed.out;
  auto stats = ctl({"stats", "--namespace", "tenant-a", "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  auto s = Json::parse(stats.out);
  EXPECT_EQ(s["tasks"]["total"], 1) << stats.out;
  auto all = ctl({"namespace", "list", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto names = Json::parse(all.out)["namespaces"];
  ASSERT_EQ(names.size(), 2u) << all.out;  // default (holding a task) and tenant-a
  EXPECT_EQ(names[0]["namespace"], "default");
  EXPECT_EQ(names[1]["counts"]["PENDING"], 1);
  auto deleted = ctl({"namespace", "delete", "tenant-a", "--json"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(Json::parse(deleted.out)["weight"], 1.0);
  EXPECT_EQ(Json::parse(deleted.out)["configured"], false);
}

TEST_F(FairShareTest, NamespaceSettingsAndATasksNamespaceSurviveAKillOfTheScheduler) {
  sdk::Client client(cluster.client_options());
  ASSERT_TRUE(client.set_namespace("kept", 4, "park").ok());
  ASSERT_TRUE(client.set_namespace("gone", 2).ok());
  ASSERT_TRUE(client.delete_namespace("gone").ok());
  auto id = client.submit(echo("kept", 1));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data directory
  sdk::Client again(cluster.client_options());
  auto list = again.list_namespaces();
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->namespaces.size(), 1u);
  EXPECT_EQ(list->namespaces[0].ns, "kept");
  EXPECT_EQ(list->namespaces[0].weight, 4.0);
  EXPECT_EQ(list->namespaces[0].on_exhausted, "park");
  EXPECT_TRUE(list->namespaces[0].configured);
  EXPECT_EQ(list->namespaces[0].counts["PENDING"], 1);
  auto task = again.status(*id);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->spec.ns, "kept");
}

}  // namespace
}  // namespace orion::testing
