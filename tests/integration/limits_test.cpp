// Limits against real processes (protocol.md section 18): a concurrency limit of 2 on a key holds
// across three agents while 20 tasks carrying it run to completion, as the scheduler's LIST_LIMITS
// and its task list show it; a waiting task says why; the rules survive a scheduler restart;
// orionctl limit and submit --limit-key.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/limit_messages.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class LimitsTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
  }
};

TEST_F(LimitsTest, ALimitOfTwoHoldsAcrossThreeAgentsAndEveryTaskCompletes) {
  for (const char* a : {"a1", "a2", "a3"}) cluster.start_agent(a, {"work"}, 4);
  ASSERT_TRUE(cluster.wait_agents_up(3));
  sdk::Client client(cluster.client_options());
  SetLimit rule;
  rule.pattern = "customer-42";
  rule.max_running = 2;
  auto set = client.set_limit(rule);
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    TaskSpec s;
    s.type = "sleep";
    s.capabilities = {"work"};
    s.input = Json{{"ms", 150}};
    s.limit_keys = {"customer-42"};
    auto id = client.submit(s);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    ids.push_back(*id);
  }
  // Observe until every task has ended: the scheduler's count of the key, and the tasks it lists
  // ASSIGNED or RUNNING, are never above 2 (each read is one turn's state).
  std::int64_t most_counted = 0, most_listed = 0;
  bool saw_reason = false;
  const bool all_ended = wait_until(
      [&] {
        auto limits = client.list_limits();
        EXPECT_TRUE(limits.ok());
        if (limits.ok() && !limits->empty()) most_counted = std::max(most_counted, limits->front().running);
        ListTasks q;
        q.states = {TaskState::ASSIGNED, TaskState::RUNNING};
        q.limit = 100;
        auto leased = client.list(q);
        EXPECT_TRUE(leased.ok());
        if (leased.ok()) most_listed = std::max<std::int64_t>(most_listed, static_cast<std::int64_t>(leased->tasks.size()));
        q.states = {TaskState::PENDING};
        auto pending = client.list(q);
        if (pending.ok()) {
          for (const auto& t : pending->tasks) saw_reason |= t.reason == "limit customer-42: 2 of 2 running";
        }
        q.states = {TaskState::COMPLETED};
        q.limit = 100;
        auto done = client.list(q);
        return done.ok() && done->tasks.size() == ids.size();
      },
      60'000);
  ASSERT_TRUE(all_ended);
  EXPECT_LE(most_counted, 2);
  EXPECT_LE(most_listed, 2);
  EXPECT_EQ(most_listed, 2) << "two ran at once at some point";
  EXPECT_TRUE(saw_reason) << "a waiting task said why";
  auto views = client.wait_all(ids, 1000);
  ASSERT_TRUE(views.ok());
  for (const auto& v : *views) EXPECT_EQ(v.state, TaskState::COMPLETED) << v.task_id;
  // Three agents served them, though never more than two at once.
  std::set<std::string> agents;
  for (const auto& v : *views) agents.insert(v.assigned_agent);
  EXPECT_GE(agents.size(), 2u);
  auto after = client.list_limits();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->front().running, 0);
}

TEST_F(LimitsTest, OrionctlManagesRulesAndTheySurviveASchedulerRestart) {
  auto set = ctl({"limit", "set", "customer-*", "--max-running", "5", "--json"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(Json::parse(set.out)["max_running"], 5);
  ASSERT_EQ(ctl({"limit", "set", "api.example.com", "--rate", "10", "--per", "1s"}).exit_code, 0);
  ASSERT_EQ(ctl({"limit", "set", "gone", "--max-running", "1"}).exit_code, 0);
  ASSERT_EQ(ctl({"limit", "delete", "gone"}).exit_code, 0);
  auto bad = ctl({"limit", "set", "bad key", "--max-running", "1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("INVALID_ARGUMENT"), std::string::npos) << bad.err;
  EXPECT_EQ(ctl({"limit", "set", "k"}).exit_code, 2);  // limits nothing: a usage error
  auto missing = ctl({"limit", "delete", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NOT_FOUND"), std::string::npos) << missing.err;
  // A task with a key no agent can take yet: listed under its rule's counts once it runs.
  auto sub = ctl({"submit", "--type", "echo", "--limit-key", "customer-7", "--limit-key", "api.example.com"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  auto badkey = ctl({"submit", "--type", "echo", "--limit-key", "no/slash"});
  EXPECT_EQ(badkey.exit_code, 1);
  EXPECT_NE(badkey.err.find("limit_keys"), std::string::npos) << badkey.err;

  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data directory
  auto listed = ctl({"limit", "list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  Json all = Json::parse(listed.out);
  ASSERT_EQ(all.size(), 2u) << listed.out;
  EXPECT_EQ(all[0]["pattern"], "api.example.com");
  EXPECT_EQ(all[0]["rate"], 10);
  EXPECT_EQ(all[0]["period_ms"], 1000);
  EXPECT_EQ(all[1]["pattern"], "customer-*");
  EXPECT_EQ(all[1]["max_running"], 5);
  auto text = ctl({"limit", "list"});
  EXPECT_NE(text.out.find("customer-*  max 5 running"), std::string::npos) << text.out;
  auto task = ctl({"status", sub.out.substr(0, sub.out.find('\n')), "--json"});
  ASSERT_EQ(task.exit_code, 0) << task.err;
  EXPECT_EQ(Json::parse(task.out)["limit_keys"], (Json{"customer-7", "api.example.com"}));
}

}  // namespace
}  // namespace orion::testing
