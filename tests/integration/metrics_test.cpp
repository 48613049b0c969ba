// /metrics on real processes: a registry, a scheduler, one consensus replica and one example
// agent, each serving its page on a port the OS picked. Each page is scraped and parsed by
// python3-prometheus-client's own parser (scrape_metrics.py), and what it says agrees with
// `orionctl stats --json` and with what the test did: tasks by state, the transitions counted,
// one queue-wait and one run sample per task, the agent's load, the proposal's decision.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class MetricsTest : public ClusterTest {
 protected:
  void SetUp() override { start_full_stack(); }
  // url -> sample name -> [[labels, value], ...], parsed by the Prometheus client library.
  Json scrape(const std::vector<std::string>& urls) {
    std::vector<std::string> args{std::string(ORION_SOURCE_DIR) + "/tests/integration/scrape_metrics.py"};
    args.insert(args.end(), urls.begin(), urls.end());
    auto r = run_command("/usr/bin/python3", args, cluster.dir().path(), 30'000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? Json::parse(r.out) : Json::object();
  }
  // The value of the sample `name` whose labels include `labels`; -1 when there is none.
  static double value(const Json& page, const std::string& name, const Json& labels = Json::object()) {
    if (!page.contains(name)) return -1;
    for (const auto& s : page[name]) {
      bool match = true;
      for (const auto& [k, v] : labels.items()) match = match && s[0].contains(k) && s[0][k] == v;
      if (match) return s[1].get<double>();
    }
    return -1;
  }

};

TEST_F(MetricsTest, EveryServiceServesPrometheusTextThatAgreesWithStats) {
  ASSERT_FALSE(cluster.scheduler_metrics.empty());
  ASSERT_FALSE(cluster.registry_metrics.empty());
  ASSERT_FALSE(cluster.consensus_metrics.empty());
  sdk::Client client(cluster.client_options());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    TaskSpec spec;
    spec.type = "sleep";
    spec.capabilities = {"text"};
    spec.input = {{"ms", 20}};
    auto id = client.submit(spec);
    ASSERT_TRUE(id) << id.error().to_string();
    ids.push_back(*id);
  }
  TaskSpec fail;
  fail.type = "fail";
  fail.capabilities = {"text"};
  fail.input = {{"message", "on purpose"}};
  auto failed_id = client.submit(fail);
  ASSERT_TRUE(failed_id);
  ids.push_back(*failed_id);
  auto all = client.wait_all(ids, 30'000);
  ASSERT_TRUE(all) << all.error().to_string();
  TaskSpec stuck;
  stuck.type = "simulate";
  stuck.capabilities = {"quantum"};
  ASSERT_TRUE(client.submit(stuck));
  auto d = client.make_distributed_decision("deploy", Json::object(), ConsensusType::MAJORITY, 1'000, "text");
  ASSERT_TRUE(d) << d.error().to_string();
  ASSERT_TRUE(client.wait_decision(d->proposal_id, 5'000));

  // The agent's next HEARTBEAT (every 200 ms here) carries what its process uses.
  ASSERT_TRUE(wait_until(
      [&] {
        auto list = client.agents();
        return list && list->size() == 1 && (*list)[0].resources.has_value();
      },
      10'000));
  auto r = run_command(bin("orionctl"), {"stats", "--json", "--registry", cluster.registry_endpoint},
                       cluster.dir().path(), 30'000);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json stats = Json::parse(r.out);
  // orionctl agents shows what the agent's process uses (its heartbeats run every 200 ms here).
  auto agents = run_command(bin("orionctl"), {"agents", "--json", "--registry", cluster.registry_endpoint},
                            cluster.dir().path(), 30'000);
  ASSERT_EQ(agents.exit_code, 0) << agents.err;
  const Json listed = Json::parse(agents.out).value("agents", Json::array());
  ASSERT_EQ(listed.size(), 1u) << agents.out;
  ASSERT_TRUE(listed[0].value("resources", Json()).is_object()) << agents.out;
  EXPECT_GT(listed[0]["resources"].value("memory_bytes", 0.0), 1 << 20) << agents.out;
  const Json pages = scrape({cluster.scheduler_metrics, cluster.registry_metrics, cluster.consensus_metrics});
  ASSERT_EQ(pages.size(), 3u);
  const Json& sched = pages[cluster.scheduler_metrics];
  const Json& reg = pages[cluster.registry_metrics];
  const Json& cons = pages[cluster.consensus_metrics];

  // Tasks held, by state and priority: the same numbers as SCHEDULER_STATS.
  for (const char* state : {"COMPLETED", "FAILED", "PENDING"}) {
    EXPECT_EQ(value(sched, "orion_scheduler_tasks", {{"state", state}}), stats["tasks"]["by_state"].value(state, 0))
        << state << " " << stats;
  }
  EXPECT_EQ(value(sched, "orion_scheduler_tasks", {{"state", "COMPLETED"}}), 5);
  EXPECT_EQ(value(sched, "orion_scheduler_tasks_by_priority", {{"priority", "NORMAL"}}), 7);
  // Per namespace (protocol.md section 19): every task here lives in "default".
  EXPECT_EQ(value(sched, "orion_scheduler_namespace_tasks", {{"namespace", "default"}, {"state", "COMPLETED"}}), 5);
  EXPECT_EQ(value(sched, "orion_scheduler_namespace_tasks", {{"namespace", "default"}, {"state", "FAILED"}}), 1);
  EXPECT_EQ(value(sched, "orion_scheduler_ready_tasks", {{"capabilities", "quantum"}}), 1);
  // What this scheduler did.
  EXPECT_EQ(value(sched, "orion_scheduler_tasks_submitted_total"), 7);
  EXPECT_EQ(value(sched, "orion_scheduler_tasks_assigned_total"), 6);
  // Every ASSIGN went out, early (before its commit) or after it; the first at least is early.
  EXPECT_EQ(value(sched, "orion_scheduler_assigns_total", {{"sent", "early"}}) +
                value(sched, "orion_scheduler_assigns_total", {{"sent", "after_commit"}}),
            6);
  EXPECT_GE(value(sched, "orion_scheduler_assigns_total", {{"sent", "early"}}), 1);
  EXPECT_EQ(value(sched, "orion_scheduler_tasks_completed_total"), 5);
  EXPECT_EQ(value(sched, "orion_scheduler_tasks_failed_total"), 1);
  EXPECT_EQ(value(sched, "orion_scheduler_task_queue_wait_seconds_count", {{"type", "sleep"}}), 5);
  EXPECT_EQ(value(sched, "orion_scheduler_task_run_seconds_count", {{"type", "sleep"}}), 5);
  EXPECT_EQ(value(sched, "orion_scheduler_task_run_seconds_bucket", {{"type", "sleep"}, {"le", "+Inf"}}), 5);
  // Each slept 20 ms between its start and its end: the run histogram's sum shows at least that
  // for the ones whose start the scheduler heard before their end.
  EXPECT_GE(value(sched, "orion_scheduler_task_run_seconds_sum", {{"type", "sleep"}}), 0.0);
  EXPECT_EQ(value(sched, "orion_scheduler_agents", {{"state", "attached"}}), 1);
  EXPECT_EQ(value(sched, "orion_agent_capacity", {{"agent", "worker"}}), 2);
  EXPECT_EQ(value(sched, "orion_agent_tasks_done_total", {{"agent", "worker"}}), 5);
  EXPECT_GE(value(sched, "orion_log_commits_total"), 1);
  EXPECT_EQ(value(sched, "orion_raft_role", {{"role", "single"}}), 1);
  // Events go out only when some bus subscriber wants them: here nobody asked for task events.
  EXPECT_GE(value(sched, "orion_events_published_total"), 0);
  EXPECT_GT(value(cons, "orion_events_published_total"), 0);  // proposal.created: the agent's subscription
  EXPECT_GT(value(sched, "process_resident_memory_bytes"), 0);
  // The registry: the agent (and what its process uses, from its heartbeats), the replicas
  // announcing, the bus.
  EXPECT_EQ(value(reg, "orion_registry_agents", {{"state", "up"}}), 1);
  EXPECT_GT(value(reg, "orion_agent_resident_memory_bytes", {{"agent", "worker"}}), 1 << 20);
  EXPECT_GE(value(reg, "orion_agent_cpu_cores", {{"agent", "worker"}}), 0);
  EXPECT_GE(value(reg, "orion_agent_handlers_running", {{"agent", "worker"}}), 0);
  EXPECT_GE(value(reg, "orion_registry_replicas"), 2);
  EXPECT_GT(value(reg, "orion_bus_events_forwarded_total"), 0);
  // Consensus: the one proposal, decided.
  double decided = 0;
  for (const char* o : {"APPROVED", "REJECTED", "EXPIRED"}) {
    decided += value(cons, "orion_consensus_proposals_decided_total", {{"outcome", o}});
  }
  EXPECT_EQ(decided, 1);
  EXPECT_EQ(value(cons, "orion_consensus_decision_seconds_count"), 1);
  EXPECT_EQ(value(cons, "orion_raft_role", {{"role", "single"}}), 1);
}

TEST_F(MetricsTest, HealthzAnswersAndUnknownPagesAre404) {
  auto get = [&](const std::string& url) {
    return run_command("/usr/bin/python3",
                       {"-c",
                        "import sys, urllib.request, urllib.error\n"
                        "try:\n"
                        "  r = urllib.request.urlopen(sys.argv[1], timeout=10); print(r.status, r.read().decode().strip())\n"
                        "except urllib.error.HTTPError as e:\n"
                        "  print(e.code)\n",
                        url},
                       cluster.dir().path(), 30'000);
  };
  for (const auto& base : {cluster.scheduler_metrics, cluster.registry_metrics, cluster.consensus_metrics}) {
    EXPECT_EQ(get(base + "/healthz").out, "200 ok\n") << base;
    EXPECT_EQ(get(base + "/nothing").out, "404\n") << base;
  }
}

}  // namespace
}  // namespace orion::testing

namespace orion::testing {
namespace {

// A task that fails can be followed by its id across processes: the client printed it, the
// scheduler logs its end, its agent logs the handler's failure (common/log.h; the JSON form of
// the same lines is tested in tests/unit/common/log_test.cpp).
TEST_F(MetricsTest, AFailedTasksIdGrepsToItsLinesInTheClientSchedulerAndAgentLogs) {
  auto submit = run_command(bin("orionctl"),
                            {"submit", "--type", "fail", "--cap", "text", "--input", R"({"message":"disk full"})",
                             "--registry", cluster.registry_endpoint},
                            cluster.dir().path(), 30'000);
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_FALSE(id.empty());
  auto wait = run_command(bin("orionctl"), {"wait", id, "--timeout", "30", "--registry", cluster.registry_endpoint},
                          cluster.dir().path(), 40'000);
  EXPECT_NE(wait.exit_code, 0);  // it FAILED
  const std::string needle = "task=" + id + " ";
  auto line_of = [&](const std::string& log, const std::string& event) {
    for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      const auto start = log.rfind('\n', at) + 1, end = log.find('\n', at);
      const std::string line = log.substr(start, end - start);
      if (line.find("event=" + event + " ") != std::string::npos) return line;
    }
    return std::string();
  };
  ASSERT_TRUE(wait_until([&] { return !line_of(cluster.agent("worker").log_tail(100'000), "task_failed").empty(); },
                         5'000));
  const std::string sched = line_of(cluster.scheduler().log_tail(100'000), "task_ended");
  EXPECT_NE(sched.find("state=FAILED"), std::string::npos) << sched;
  EXPECT_NE(sched.find("type=fail agent=worker attempt=1 cause=RESULT_FAILED error=\"disk full\""), std::string::npos)
      << sched;
  const std::string agent = line_of(cluster.agent("worker").log_tail(100'000), "task_failed");
  EXPECT_NE(agent.find("error=\"disk full\""), std::string::npos) << agent;
}

}  // namespace
}  // namespace orion::testing
