// The scheduler's task model on real processes (issue 3): priority order, dependency chains
// and their failure cascade, retries, cancel of a running task, batch refusal of a cycle,
// idempotency keys, and orionctl's batch and list commands. Tasks run on the example agent
// (echo, sleep {"ms"}, fail {"message"}, flaky {"failures": N}). Every wait has a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

constexpr std::int64_t kWaitMs = 30'000;  // generous: a loaded 2-core machine must not fail these

TaskSpec task(const std::string& type, Json input, const std::string& name = "") {
  TaskSpec s;
  s.name = name.empty() ? type : name;
  s.type = type;
  s.capabilities = {"text"};
  s.input = std::move(input);
  return s;
}

BatchEntry entry(const std::string& key, TaskSpec spec, std::vector<std::string> depends_on = {}) {
  spec.depends_on = std::move(depends_on);
  if (spec.name == spec.type) spec.name = key;
  return BatchEntry{key, std::move(spec)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class SchedulerModelTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
  }

  sdk::Client& client() {
    if (!client_) client_ = std::make_unique<sdk::Client>(cluster.client_options());
    return *client_;
  }

  // Waits until the task is terminal; fails the test (and returns its last view) otherwise.
  TaskView finish(const std::string& id) {
    auto v = client().wait(id, kWaitMs);
    EXPECT_TRUE(v.ok()) << id << ": " << v.error().to_string();
    if (!v.ok()) return TaskView{};
    EXPECT_TRUE(is_terminal(v->state)) << id << " is still " << to_string(v->state) << ": " << v->reason;
    return *v;
  }


  // Every task the scheduler lists, following `next` page by page.
  std::vector<TaskView> all_tasks() {
    std::vector<TaskView> out;
    ListTasks q;
    q.limit = 10'000;
    while (true) {
      auto page = client().list(q);
      EXPECT_TRUE(page.ok()) << page.error().to_string();
      if (!page.ok()) return out;
      out.insert(out.end(), page->tasks.begin(), page->tasks.end());
      if (page->next.empty() || page->tasks.empty()) return out;
      q.after = page->next;
    }
  }

  std::unique_ptr<sdk::Client> client_;
};

TEST_F(SchedulerModelTest, ASingleAgentOfCapacityOneServesQueuedTasksInPriorityOrder) {
  // Queued before any agent exists, so all five wait together; each sleeps 20 ms so their start
  // times are distinct milliseconds on one agent that runs one at a time.
  const std::vector<Priority> submitted = {Priority::LOW, Priority::NORMAL, Priority::HIGH, Priority::URGENT,
                                           Priority::CRITICAL};
  std::map<std::string, Priority> priority_of;
  for (Priority p : submitted) {
    TaskSpec s = task("sleep", Json{{"ms", 20}}, std::string(to_string(p)));
    s.priority = p;
    auto id = client().submit(s);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    priority_of[*id] = p;
  }
  cluster.start_agent("solo", {"text"}, 1);

  std::vector<TaskView> done;
  for (const auto& [id, p] : priority_of) {
    done.push_back(finish(id));
    ASSERT_EQ(done.back().state, TaskState::COMPLETED) << id << " " << done.back().error;
  }
  std::sort(done.begin(), done.end(), [](const TaskView& a, const TaskView& b) {
    return std::make_pair(a.started_ms, a.assigned_ms) < std::make_pair(b.started_ms, b.assigned_ms);
  });
  std::vector<Priority> order;
  for (const auto& v : done) order.push_back(v.spec.priority);
  EXPECT_EQ(order, (std::vector<Priority>{Priority::URGENT, Priority::CRITICAL, Priority::HIGH, Priority::NORMAL,
                                          Priority::LOW}));
  for (std::size_t i = 1; i < done.size(); ++i) {
    EXPECT_GE(done[i].assigned_ms, done[i - 1].finished_ms) << "capacity 1: one at a time";
  }
}

TEST_F(SchedulerModelTest, AFourStepChainRunsEachStepOnlyAfterItsDependencyCompleted) {
  cluster.start_agent("worker", {"text"}, 4);
  const std::vector<std::string> steps = {"collect", "process", "train", "report"};
  std::vector<BatchEntry> batch;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::vector<std::string> deps;
    if (i > 0) deps.push_back(steps[i - 1]);
    batch.push_back(entry(steps[i], task("echo", Json{{"step", steps[i]}}), deps));
  }
  // Submitted out of order: the scheduler orders by the DAG, not by the list.
  std::reverse(batch.begin(), batch.end());
  auto ids = client().submit_batch(batch);
  ASSERT_TRUE(ids.ok()) << ids.error().to_string();
  ASSERT_EQ(ids->size(), steps.size());

  std::map<std::string, TaskView> view;
  for (const auto& s : steps) {
    ASSERT_TRUE(ids->count(s)) << "no id for key " << s;
    view[s] = finish(ids->at(s));
    ASSERT_EQ(view[s].state, TaskState::COMPLETED) << s << " " << view[s].error;
    EXPECT_EQ(view[s].output, (Json{{"step", s}})) << "the output is its own input, deps are beside it";
    EXPECT_TRUE(view[s].waiting_on.empty());
  }
  for (std::size_t i = 1; i < steps.size(); ++i) {
    const TaskView& dep = view[steps[i - 1]];
    const TaskView& next = view[steps[i]];
    EXPECT_EQ(next.spec.depends_on, (std::vector<std::string>{dep.task_id})) << "keys resolved to task ids";
    EXPECT_GE(next.assigned_ms, dep.finished_ms) << steps[i] << " was assigned before " << steps[i - 1] << " ended";
  }
}

TEST_F(SchedulerModelTest, AFailingDependencyFailsItsDependantsTransitivelyNamingTheCause) {
  cluster.start_agent("worker", {"text"}, 2);
  auto ids = client().submit_batch({entry("a", task("fail", Json{{"message", "bad data"}})),
                                    entry("b", task("echo", Json{{"n", 2}}), {"a"}),
                                    entry("c", task("echo", Json{{"n", 3}}), {"b"})});
  ASSERT_TRUE(ids.ok()) << ids.error().to_string();
  const std::string a = ids->at("a"), b = ids->at("b"), c = ids->at("c");

  TaskView va = finish(a), vb = finish(b), vc = finish(c);
  EXPECT_EQ(va.state, TaskState::FAILED);
  EXPECT_TRUE(contains(va.error, "bad data")) << va.error;
  EXPECT_EQ(vb.state, TaskState::FAILED);
  EXPECT_TRUE(contains(vb.error, a)) << "b's error must name a (" << a << "): " << vb.error;
  EXPECT_EQ(vc.state, TaskState::FAILED);
  EXPECT_TRUE(contains(vc.error, b) || contains(vc.error, a)) << "c's error must name its cause: " << vc.error;
  EXPECT_EQ(vb.attempt, 0) << "a dependant of a failed task never runs";
  EXPECT_EQ(vc.attempt, 0);
}

TEST_F(SchedulerModelTest, AFlakyTaskIsRetriedPerItsPolicyUntilItCompletes) {
  cluster.start_agent("worker", {"text"}, 1);
  TaskSpec s = task("flaky", Json{{"failures", 2}});
  s.retries = 3;
  s.retry.kind = BackoffKind::FIXED;
  s.retry.initial_ms = 50;
  s.retry.max_ms = 50;
  auto id = client().submit(s);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  TaskView v = finish(*id);
  ASSERT_EQ(v.state, TaskState::COMPLETED) << v.error;
  EXPECT_EQ(v.attempt, 3);
  EXPECT_EQ(v.failures, 2);
  EXPECT_EQ(v.output, (Json{{"failures", 2}}));
  EXPECT_EQ(v.retry_at_ms, 0) << "no retry is pending once it completed";
}

TEST_F(SchedulerModelTest, CancellingARunningTaskEndsItQuicklyAndFailsItsDependant) {
  cluster.start_agent("worker", {"text"}, 2);
  auto id = client().submit(task("sleep", Json{{"ms", 30'000}}));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  // The dependant, through orionctl's --depends-on.
  auto sub = ctl({"submit", "--type", "echo", "--cap", "text", "--depends-on", *id, "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  const std::string dependant = Json::parse(sub.out).at("task_id").get<std::string>();

  ASSERT_TRUE(wait_until(
      [&] {
        auto v = client().status(*id);
        return v.ok() && v->state == TaskState::RUNNING;
      },
      kWaitMs))
      << "the sleep never started";
  const auto cancelled_at = now_ms();
  auto ok = client().cancel(*id, "no longer needed");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->task_id, *id);

  TaskView v = finish(*id);
  EXPECT_EQ(v.state, TaskState::CANCELLED);
  EXPECT_LT(now_ms() - cancelled_at, 10'000) << "the agent was told to stop, not left to sleep 30 s";
  TaskView d = finish(dependant);
  EXPECT_EQ(d.state, TaskState::FAILED);
  EXPECT_TRUE(contains(d.error, *id)) << "the dependant's error must name " << *id << ": " << d.error;
}

TEST_F(SchedulerModelTest, ABatchWithACycleIsRefusedWholeNamingTheKeysOnTheCycle) {
  const auto before = all_tasks().size();
  auto ids = client().submit_batch({entry("free", task("echo", Json(1))),
                                    entry("alpha", task("echo", Json(2)), {"gamma"}),
                                    entry("beta", task("echo", Json(3)), {"alpha"}),
                                    entry("gamma", task("echo", Json(4)), {"beta", "free"})});
  ASSERT_FALSE(ids.ok()) << "a cycle was accepted";
  EXPECT_EQ(ids.error().code, ErrorCode::INVALID_ARGUMENT) << ids.error().to_string();
  for (const char* key : {"alpha", "beta", "gamma"}) {
    EXPECT_TRUE(contains(ids.error().message, key)) << "the error must name " << key << ": " << ids.error().message;
  }
  EXPECT_FALSE(contains(ids.error().message, "free")) << "free is not on the cycle: " << ids.error().message;
  EXPECT_EQ(all_tasks().size(), before) << "nothing of a refused batch exists";
}

TEST_F(SchedulerModelTest, TwoSubmitsWithTheSameIdempotencyKeyReturnTheSameTask) {
  TaskSpec s = task("echo", Json{{"x", 1}});
  s.idempotency_key = "nightly-report-2024-06-01";
  auto first = client().submit(s);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  s.input = Json{{"x", 2}};  // a second submit, not a retry of the first request
  auto second = client().submit(s);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(*second, *first);
  s.idempotency_key = "nightly-report-2024-06-02";
  auto other = client().submit(s);
  ASSERT_TRUE(other.ok()) << other.error().to_string();
  EXPECT_NE(*other, *first);

  // The same through orionctl.
  auto c1 = ctl({"submit", "--type", "echo", "--idempotency-key", "cli-key", "--json"});
  auto c2 = ctl({"submit", "--type", "echo", "--idempotency-key", "cli-key", "--json"});
  ASSERT_EQ(c1.exit_code, 0) << c1.err;
  ASSERT_EQ(c2.exit_code, 0) << c2.err;
  EXPECT_EQ(Json::parse(c1.out).at("task_id"), Json::parse(c2.out).at("task_id"));
}

TEST_F(SchedulerModelTest, OrionctlSubmitsABatchFileAndListsItsTasksOnceCompleted) {
  cluster.start_agent("worker", {"text"}, 4);
  const std::string file = cluster.dir().file("batch.json");
  std::ofstream(file) << R"([
    {"key": "fetch", "name": "fetch", "type": "echo", "capabilities": ["text"], "priority": "high",
     "timeout": 20, "input": {"url": "x"}},
    {"key": "parse", "type": "echo", "capabilities": ["text"], "priority": 2, "depends_on": ["fetch"],
     "retries": 1, "metadata": {"team": "data"}},
    {"key": "store", "type": "echo", "capabilities": ["text"], "depends_on": ["parse", "fetch"]}
  ])";
  auto sub = ctl({"submit", "--batch", file, "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  Json ids = Json::parse(sub.out);
  ASSERT_TRUE(ids.is_object()) << sub.out;
  ASSERT_EQ(ids.size(), 3u) << sub.out;
  for (const char* key : {"fetch", "parse", "store"}) {
    ASSERT_TRUE(ids.contains(key)) << sub.out;
    EXPECT_EQ(finish(ids[key].get<std::string>()).state, TaskState::COMPLETED) << key;
  }

  auto list = ctl({"list", "--state", "COMPLETED", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  Json j = Json::parse(list.out);
  ASSERT_TRUE(j.contains("tasks") && j.contains("next")) << list.out;
  std::multiset<std::string> listed;
  for (const auto& t : j["tasks"]) {
    listed.insert(t.at("task_id").get<std::string>());
    EXPECT_EQ(t.at("state"), "COMPLETED");
  }
  for (const char* key : {"fetch", "parse", "store"}) {
    EXPECT_EQ(listed.count(ids[key].get<std::string>()), 1u) << key << " listed once: " << list.out;
  }
  // The objects are those of `status --json`, with the new fields.
  const Json* parse = nullptr;
  for (const auto& t : j["tasks"]) {
    if (t["task_id"] == ids["parse"]) parse = &t;
  }
  ASSERT_NE(parse, nullptr);
  EXPECT_EQ(parse->at("retries"), 1);
  EXPECT_EQ(parse->at("depends_on"), Json::array({ids["fetch"]}));
  EXPECT_EQ(parse->at("metadata"), (Json{{"team", "data"}}));
  EXPECT_TRUE(parse->at("history").is_array());
  EXPECT_FALSE(parse->at("history").empty());

  auto bad = ctl({"list", "--state", "DONE"});
  EXPECT_EQ(bad.exit_code, 2);
  const std::string malformed = cluster.dir().file("bad.json");
  std::ofstream(malformed) << R"([{"key": "ok", "type": "echo"}, {"key": "late", "type": "echo", "timeout": -3}])";
  auto refused = ctl({"submit", "--batch", malformed, "--json"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(contains(refused.err, "entry 1 (key 'late')") && contains(refused.err, "timeout")) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
}

TEST_F(SchedulerModelTest, OrionctlReprioritizesAndCancelsAQueuedTask) {
  // No agent has "gpu": the task stays queued.
  auto sub = ctl({"submit", "--type", "echo", "--cap", "gpu", "--priority", "low", "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  const std::string id = Json::parse(sub.out).at("task_id").get<std::string>();

  auto rp = ctl({"reprioritize", id, "--priority", "urgent", "--json"});
  ASSERT_EQ(rp.exit_code, 0) << rp.err;
  EXPECT_EQ(Json::parse(rp.out).at("priority"), "URGENT");
  auto st = ctl({"status", id, "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_EQ(Json::parse(st.out).at("priority"), "URGENT");

  auto cancel = ctl({"cancel", id, "--reason", "not needed", "--json"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_EQ(Json::parse(cancel.out).at("state"), "CANCELLED") << "a PENDING task is cancelled at once";
  EXPECT_EQ(finish(id).state, TaskState::CANCELLED);

  auto missing = ctl({"cancel", "t999999"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "NOT_FOUND")) << missing.err;
  auto no_priority = ctl({"reprioritize", id});
  EXPECT_EQ(no_priority.exit_code, 2);
}

}  // namespace
}  // namespace orion::testing

namespace orion::testing {
namespace {

// --unschedulable-timeout fails a task no live agent could ever run, and WAIT_TASKS answers
// once for a whole group, in the order asked, with every outcome.
TEST(SchedulerFlagsTest, UnschedulableTimeoutFailsATaskNoAgentCanRunAndWaitAllReportsTheGroup) {
  Cluster cluster;
  cluster.start_registry();
  cluster.start_scheduler({"--unschedulable-timeout", "0.3"});
  cluster.start_agent("a1", {"text"}, 2);
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client client(cluster.client_options());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto id = client.submit(task("echo", Json{{"i", i}}));
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    ids.push_back(*id);
  }
  TaskSpec orphan = task("echo", Json{{"i", 9}});
  orphan.capabilities = {"nobody-has-this"};
  auto orphan_id = client.submit(orphan);
  ASSERT_TRUE(orphan_id.ok()) << orphan_id.error().to_string();
  ids.insert(ids.begin() + 1, *orphan_id);

  auto views = client.wait_all(ids, kWaitMs);
  ASSERT_TRUE(views.ok()) << views.error().to_string() << cluster.logs();
  ASSERT_EQ(views->size(), 4u);
  for (std::size_t i = 0; i < views->size(); ++i) EXPECT_EQ((*views)[i].task_id, ids[i]);
  EXPECT_EQ((*views)[1].state, TaskState::FAILED);
  EXPECT_TRUE(contains((*views)[1].error, "unschedulable")) << (*views)[1].error;
  EXPECT_TRUE(contains((*views)[1].error, "nobody-has-this")) << (*views)[1].error;
  EXPECT_EQ((*views)[0].state, TaskState::COMPLETED);
  EXPECT_EQ((*views)[0].output, Json({{"i", 0}}));
  EXPECT_EQ((*views)[3].output, Json({{"i", 2}}));
  if (HasFailure()) std::cerr << cluster.logs();
}

TEST(SchedulerFlagsTest, AnOutOfRangeFlagIsRefusedWithExitCodeTwo) {
  TempDir dir("orion-flags");
  auto r = run_command(std::string(ORION_BIN_DIR) + "/orion-scheduler", {"--unschedulable-timeout", "-1"}, dir.path(),
                       10'000);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "--unschedulable-timeout")) << r.out << r.err;
}

}  // namespace
}  // namespace orion::testing
