// orion-dashboard against a real stack (registry, scheduler, consensus, example agents, each a
// process on loopback ports the OS chose): its JSON API, its event stream, the operator's
// actions, and the page itself in headless Chromium (tests/browser/dashboard_page.py), which
// writes screenshots to build/screenshots/.
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "common/curve_keys.h"
#include "common/transport_security.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class DashboardTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
    cluster.start_agent("dash-a1", {"text"}, 2);
    cluster.start_agent("dash-a2", {"text", "data"}, 1);
    ASSERT_TRUE(cluster.wait_agents_up(2)) << cluster.logs();
    client_ptr = std::make_unique<sdk::Client>(cluster.client_options());
    const std::string ready = cluster.dir().file("dashboard.ready");
    dashboard = std::make_unique<Process>(
        bin("orion-dashboard"),
        std::vector<std::string>{"--registry", cluster.registry_endpoint, "--http-bind", "127.0.0.1:0", "--ready-file",
                                 ready, "--refresh", "300ms"},
        cluster.dir().file("dashboard.log"));
    auto j = wait_for_json_file(ready, 10'000);
    ASSERT_TRUE(j) << dashboard->log_tail();
    port = j->at("port").get<int>();
    url = j->at("http").get<std::string>();
  }
  std::string extra_logs() const override { return dashboard ? "dashboard log:\n" + dashboard->log_tail() : ""; }

  httplib::Client http() {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(25, 0);
    return c;
  }
  // GET path as JSON; null on a transport failure, the error body otherwise.
  Json get(const std::string& path, int* status = nullptr) {
    auto c = http();
    auto r = c.Get(path.c_str());
    if (!r) return nullptr;
    if (status) *status = r->status;
    return Json::parse(r->body, nullptr, false);
  }
  Json post(const std::string& path, int* status, bool with_header = true) {
    auto c = http();
    httplib::Headers h;
    if (with_header) h.emplace("X-Orion-Action", "1");
    auto r = c.Post(path.c_str(), h, "", "application/json");
    if (!r) return nullptr;
    *status = r->status;
    return Json::parse(r->body, nullptr, false);
  }
  // The task's summary as /api/tasks lists it, or null.
  Json listed_task(const std::string& id) {
    Json all = get("/api/tasks");
    if (!all.is_object()) return nullptr;
    for (const auto& t : all["tasks"]) {
      if (t["task_id"] == id) return t;
    }
    return nullptr;
  }
  std::string submit(const std::string& type, std::vector<std::string> caps, Json input, const std::string& ns = "default") {
    TaskSpec spec;
    spec.type = type;
    spec.ns = ns;
    spec.capabilities = std::move(caps);
    spec.input = std::move(input);
    auto id = client().submit(spec);
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    return id ? *id : "";
  }
  WorkflowRunOk run_pipeline() {
    auto step = [](const std::string& name, std::vector<std::string> deps) {
      WorkflowStep s;
      s.name = name;
      s.task.type = "echo";
      s.task.capabilities = {"text"};
      s.task.depends_on = std::move(deps);
      s.task.input = {{"step", name}};
      return s;
    };
    auto run = client().coordinate_multi_agent_workflow(
        "dash-pipeline", {step("extract", {}), step("clean", {"extract"}), step("count", {"extract"}),
                          step("report", {"clean", "count"})});
    EXPECT_TRUE(run.ok()) << run.error().to_string();
    return run ? *run : WorkflowRunOk{};
  }

  std::unique_ptr<Process> dashboard;
  int port = 0;
  std::string url;
  std::unique_ptr<sdk::Client> client_ptr;  // made once the registry is up
  sdk::Client& client() { return *client_ptr; }
};

TEST_F(DashboardTest, TheApiShowsAgentsTasksWorkflowsReplicasAndStatistics) {
  const std::string done = submit("echo", {"text"}, {{"hello", "dashboard"}});
  const std::string stuck = submit("echo", {"gpu"}, {{"never", "runs"}});  // no agent has gpu
  auto run = run_pipeline();
  ASSERT_TRUE(client().wait(done, 15'000).ok());
  ASSERT_TRUE(client().wait_workflow(run.workflow_id, 30'000).ok());

  EXPECT_TRUE(wait_until(
      [&] {
        Json a = get("/api/agents");
        return a.is_object() && a["agents"].size() == 2 && a["agents"][0]["agent_id"] == "dash-a1" &&
               a["agents"][0]["perf"].is_object();
      },
      15'000))
      << get("/api/agents").dump();
  EXPECT_TRUE(wait_until([&] { return listed_task(done).value("state", "") == "COMPLETED"; }, 15'000))
      << listed_task(done).dump();
  EXPECT_TRUE(wait_until([&] { return listed_task(stuck).value("state", "") == "PENDING"; }, 15'000));

  // One task read live: its history and why it waits.
  int status = 0;
  Json detail = get("/api/tasks/" + stuck, &status);
  EXPECT_EQ(status, 200) << detail.dump();
  EXPECT_EQ(detail["state"], "PENDING");
  EXPECT_FALSE(detail["why"].get<std::string>().empty()) << detail.dump();
  EXPECT_GE(detail["history"].size(), 1u);

  // Filters.
  Json pending = get("/api/tasks?state=PENDING");
  ASSERT_TRUE(pending.is_object());
  for (const auto& t : pending["tasks"]) EXPECT_EQ(t["state"], "PENDING");
  Json bad = get("/api/tasks?state=SLEEPING", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(bad["code"], "INVALID_ARGUMENT");
  Json none = get("/api/tasks/no-such-task", &status);
  EXPECT_EQ(status, 404) << none.dump();

  // The workflow, learnt from the bus, with every step's state.
  EXPECT_TRUE(wait_until(
      [&] {
        Json w = get("/api/workflows/" + run.workflow_id);
        if (!w.is_object() || w["state"] != "COMPLETED" || w["steps"].size() != 4) return false;
        for (const auto& s : w["steps"]) {
          if (s["state"] != "COMPLETED") return false;
        }
        return true;
      },
      15'000))
      << get("/api/workflows/" + run.workflow_id).dump();
  Json workflows = get("/api/workflows");
  ASSERT_TRUE(workflows.is_object());
  ASSERT_FALSE(workflows["workflows"].empty());
  EXPECT_EQ(workflows["workflows"][0]["workflow_id"], run.workflow_id);
  EXPECT_EQ(workflows["workflows"][0]["steps"][3]["depends_on"], (Json::array({"clean", "count"})));

  // Replicas and statistics.
  EXPECT_TRUE(wait_until(
      [&] {
        Json c = get("/api/cluster");
        return c.is_object() && c.contains("scheduler") && c["scheduler"].size() == 1;
      },
      10'000))
      << get("/api/cluster").dump();
  EXPECT_TRUE(wait_until(
      [&] {
        Json s = get("/api/stats");
        return s.is_object() && s["scheduler"].is_object() && s["scheduler"].value("total", 0) >= 6;
      },
      10'000))
      << get("/api/stats").dump();
  Json stats = get("/api/stats");
  EXPECT_TRUE(stats["bottlenecks"]["waiting"].is_array());
  EXPECT_FALSE(stats["bottlenecks"]["waiting"].empty()) << "the gpu task waits for a capability no agent has: "
                                                        << stats.dump();
  Json recent = get("/api/events/recent");
  EXPECT_FALSE(recent["events"].empty());
}

TEST_F(DashboardTest, TheEventStreamPushesEachBusEvent) {
  std::string got;
  std::atomic<bool> connected{false};
  std::string id;
  std::atomic<bool> want_id{false};
  std::mutex mu;
  std::thread reader([&] {
    auto c = http();
    c.set_read_timeout(20, 0);
    c.Get("/api/events", [&](const char* data, std::size_t n) {
      std::lock_guard<std::mutex> lock(mu);
      connected = true;
      got.append(data, n);
      return !(want_id && !id.empty() && got.find("\"task.completed\"") != std::string::npos &&
               got.find(id) != std::string::npos);
    });
  });
  ASSERT_TRUE(wait_until([&] { return connected.load(); }, 10'000));
  // The stream may open just before the dashboard's subscription reaches the bus: submit until
  // an event for one of them arrives.
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string next = submit("echo", {"text"}, {{"n", 1}});
        {
          std::lock_guard<std::mutex> lock(mu);
          id = next;
          want_id = true;
        }
        return client().wait(next, 10'000).ok() && wait_until([&] {
                 std::lock_guard<std::mutex> lock(mu);
                 return got.find("\"task.completed\"") != std::string::npos && got.find(next) != std::string::npos;
               }, 3000);
      },
      30'000, 100));
  reader.join();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_NE(got.find("event: orion\ndata: {"), std::string::npos) << got.substr(0, 2000);
}

TEST_F(DashboardTest, AnOperatorCancelsATaskRetriesAWorkflowAndDrainsAnAgent) {
  const std::string stuck = submit("echo", {"gpu"}, {{"never", "runs"}});
  int status = 0;
  Json refused = post("/api/tasks/" + stuck + "/cancel", &status, /*with_header=*/false);
  EXPECT_EQ(status, 403);
  EXPECT_EQ(refused["code"], "PERMISSION_DENIED");
  auto still = client().status(stuck);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->state, TaskState::PENDING) << "a refused action changes nothing";

  Json cancelled = post("/api/tasks/" + stuck + "/cancel", &status);
  EXPECT_EQ(status, 200) << cancelled.dump();
  auto after = client().status(stuck);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, TaskState::CANCELLED);
  EXPECT_TRUE(wait_until([&] { return listed_task(stuck).value("state", "") == "CANCELLED"; }, 10'000));

  Json missing = post("/api/tasks/no-such-task/cancel", &status);
  EXPECT_EQ(status, 404) << missing.dump();
  Json unknown = post("/api/tasks/" + stuck + "/explode", &status);
  EXPECT_EQ(status, 404);

  // A workflow whose step fails, retried from the dashboard.
  WorkflowStep fail;
  fail.name = "boom";
  fail.task.type = "fail";
  fail.task.capabilities = {"text"};
  fail.task.input = {{"error", "on purpose"}};
  auto run = client().coordinate_multi_agent_workflow("dash-failing", {fail});
  ASSERT_TRUE(run.ok()) << run.error().to_string();
  auto ended = client().wait_workflow(run->workflow_id, 20'000);
  ASSERT_TRUE(ended.ok());
  ASSERT_EQ(ended->state, WorkflowState::FAILED);
  Json retried = post("/api/workflows/" + run->workflow_id + "/retry", &status);
  EXPECT_EQ(status, 200) << retried.dump();
  auto again = client().workflow_status(run->workflow_id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->run, 2);

  Json drained = post("/api/agents/dash-a2/drain", &status);
  EXPECT_EQ(status, 200) << drained.dump();
  EXPECT_TRUE(wait_until(
      [&] {
        Json a = get("/api/agents");
        if (!a.is_object()) return false;
        for (const auto& x : a["agents"]) {
          if (x["agent_id"] == "dash-a2") return x.value("draining", false) || x.value("state", "") != "UP";
        }
        return true;  // drained and gone
      },
      10'000))
      << get("/api/agents").dump();
}

TEST_F(DashboardTest, ProposalsAppearWithTheirVotes) {
  cluster.start_consensus();
  // The agents learn of the consensus service and subscribe to proposals; propose until one is
  // decided with votes (a subscription may reach the bus after the first proposal).
  std::string proposal;
  ASSERT_TRUE(wait_until(
      [&] {
        auto d = client().make_distributed_decision("deploy", {{"version", 2}}, ConsensusType::MAJORITY, 5000, "text");
        if (!d) return false;
        auto decided = client().wait_decision(d->proposal_id, 6000);
        if (!decided || decided->votes.empty()) return false;
        proposal = d->proposal_id;
        return true;
      },
      40'000, 200))
      << cluster.logs();
  EXPECT_TRUE(wait_until(
      [&] {
        Json ps = get("/api/proposals");
        if (!ps.is_object()) return false;
        for (const auto& p : ps["proposals"]) {
          if (p["proposal_id"] == proposal) return p["outcome"] == "APPROVED" && !p["votes"].empty();
        }
        return false;
      },
      15'000))
      << get("/api/proposals").dump();
}

TEST(DashboardFlags, ABadFlagIsRefusedNamingItWithExitCode2) {
  TempDir dir("orion-dashboard-flags");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--http-bind", "nonsense"}, {"--http-bind", "127.0.0.1:99999"},
        {"--refresh", "5ms"}, {"--registry", "not-an-endpoint"}, {"--action-token", dir.file("missing")}}) {
    auto r = run_command(bin("orion-dashboard"), args, dir.path(), 10'000);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(args[0]), std::string::npos) << r.err;
  }
}

// With CURVE the dashboard acts as its own principal: the services' policy decides. A dashboard
// whose key has the role reader shows everything and gets PERMISSION_DENIED for an action (which
// changes nothing); one whose key has the role operator cancels.
TEST(DashboardCurveTest, AReaderDashboardIsRefusedAnActionAndAnOperatorDashboardActs) {
  Cluster cluster;
  auto keygen = [&](const std::string& name) {
    const std::string path = cluster.dir().file(name + ".key");
    auto r = run_command(bin("orionctl"), {"keygen", path}, cluster.dir().path(), 10'000);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return path;
  };
  auto public_key = [](const std::string& key_file) { return read_public_key(key_file + ".pub").value(); };
  const std::string services = keygen("services"), client_key = keygen("client"), agent = keygen("agent"),
                    viewer = keygen("viewer"), ops = keygen("ops");
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << public_key(services) << "\", roles: [service]}\n"
                        << "  ci: {key: \"" << public_key(client_key) << "\", roles: [submitter]}\n"
                        << "  worker: {key: \"" << public_key(agent) << "\", roles: [agent], agents: [a1], capabilities: [work]}\n"
                        << "  dashboard-view: {key: \"" << public_key(viewer) << "\", roles: [reader]}\n"
                        << "  dashboard-ops: {key: \"" << public_key(ops) << "\", roles: [operator]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  auto mine = load_transport_security(client_key, services + ".pub");
  ASSERT_TRUE(mine.ok()) << mine.error().to_string();
  set_transport_security(*mine);
  struct Reset {
    ~Reset() { set_transport_security({}); }  // this process's setting, for whatever runs next
  } reset;

  cluster.start_registry(service_flags);
  cluster.start_scheduler(service_flags);
  cluster.start_agent("a1", {"work"}, 1, {"--curve-key", agent, "--curve-server-key", services + ".pub"});
  ASSERT_TRUE(cluster.wait_agents_up(1)) << cluster.logs();
  sdk::Client client(cluster.client_options());
  TaskSpec spec;
  spec.type = "echo";
  spec.capabilities = {"gpu"};  // no agent has it: it stays PENDING
  auto id = client.submit(spec);
  ASSERT_TRUE(id.ok()) << id.error().to_string();

  auto start_dashboard = [&](const std::string& name, const std::string& key) {
    const std::string ready = cluster.dir().file(name + ".ready");
    auto p = std::make_unique<Process>(
        bin("orion-dashboard"),
        std::vector<std::string>{"--registry", cluster.registry_endpoint, "--http-bind", "127.0.0.1:0", "--ready-file",
                                 ready, "--refresh", "300ms", "--curve-key", key, "--curve-server-key",
                                 services + ".pub"},
        cluster.dir().file(name + ".log"));
    auto j = wait_for_json_file(ready, 10'000);
    EXPECT_TRUE(j) << p->log_tail();
    return std::make_pair(std::move(p), j ? j->at("port").get<int>() : 0);
  };
  auto [reader, reader_port] = start_dashboard("dashboard-view", viewer);
  auto [operator_, operator_port] = start_dashboard("dashboard-ops", ops);
  ASSERT_NE(reader_port, 0);
  ASSERT_NE(operator_port, 0);
  auto cancel = [&](int port) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(25, 0);
    auto r = c.Post(("/api/tasks/" + *id + "/cancel").c_str(), httplib::Headers{{"X-Orion-Action", "1"}}, "",
                    "application/json");
    return r ? std::make_pair(r->status, Json::parse(r->body, nullptr, false)) : std::make_pair(0, Json());
  };

  // The reader reads: the task and the agent are shown.
  EXPECT_TRUE(wait_until(
      [&] {
        httplib::Client c("127.0.0.1", reader_port);
        auto r = c.Get("/api/tasks");
        auto a = c.Get("/api/agents");
        return r && a && r->body.find(*id) != std::string::npos && a->body.find("\"a1\"") != std::string::npos;
      },
      15'000))
      << reader->log_tail();
  auto [refused_status, refused] = cancel(reader_port);
  EXPECT_EQ(refused_status, 403) << refused.dump();
  EXPECT_EQ(refused["code"], "PERMISSION_DENIED") << refused.dump();
  auto still = client.status(*id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->state, TaskState::PENDING) << "a refused action changes nothing";

  auto [ok_status, ok] = cancel(operator_port);
  EXPECT_EQ(ok_status, 200) << ok.dump() << operator_->log_tail();
  auto after = client.status(*id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, TaskState::CANCELLED);
  if (::testing::Test::HasFailure()) std::cerr << reader->log_tail() << operator_->log_tail() << cluster.logs();
}

// The page in a real browser: Debian's chromium, headless, driven over the DevTools protocol.
TEST_F(DashboardTest, TheBrowserShowsTheClusterAndAStateChangeWithoutReloading) {
  const char* chromium = std::getenv("ORION_CHROMIUM") ? std::getenv("ORION_CHROMIUM") : "/usr/bin/chromium";
  struct stat st {};
  if (::stat(chromium, &st) != 0) {
    GTEST_SKIP() << "chromium is not installed at " << chromium
                 << " (scripts/bootstrap.sh installs it): the page was not checked in a browser";
  }
  const std::string done = submit("echo", {"text"}, {{"hello", "browser"}});
  const std::string stuck = submit("echo", {"gpu"}, {{"waits", "for a gpu"}});
  const std::string stuck_too = submit("echo", {"gpu"}, {{"waits", "for a gpu, too"}});
  const std::string elsewhere = submit("echo", {"gpu"}, {{"lives", "in tenant-b"}}, "tenant-b");
  auto run = run_pipeline();
  ASSERT_TRUE(client().wait(done, 15'000).ok());
  ASSERT_TRUE(client().wait_workflow(run.workflow_id, 30'000).ok());
  auto r = run_command(ORION_PYTHON,
                       {ORION_SOURCE_DIR "/tests/browser/dashboard_page.py", "--url", url, "--chromium", chromium,
                        "--screenshots", ORION_SCREENSHOT_DIR, "--task", done, "--task", stuck, "--task", stuck_too, "--agent", "dash-a1",
                        "--agent", "dash-a2", "--workflow", run.workflow_id, "--steps", "4", "--cancel-task", stuck,
                        "--ui-cancel-task", stuck_too, "--namespace-task", elsewhere + ":tenant-b",
                        "--orionctl", bin("orionctl"), "--registry", cluster.registry_endpoint},
                       cluster.dir().path(), 90'000);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
}

}  // namespace
}  // namespace orion::testing
