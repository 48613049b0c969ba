// orionctl's contract, run as a real process against a real stack: JSON fields, exit codes,
// one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class OrionctlTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
    cluster.start_agent("cli-agent", {"text"}, 2);
  }
};

// Needs no stack: every binary answers --version on stdout with its name and exits 0.
TEST(Binaries, EveryBinaryPrintsItsVersion) {
  TempDir dir("orion-version");
  for (const char* b : {"orion-registry", "orion-scheduler", "orion-consensus", "orion-example-agent", "orionctl",
                        "orion-dashboard"}) {
    auto r = run_command(bin(b), {"--version"}, dir.path(), 10'000);
    EXPECT_EQ(r.exit_code, 0) << b << " " << r.err;
    EXPECT_EQ(r.out, std::string(b) + " " + ORION_VERSION + "\n") << b;
  }
}

TEST_F(OrionctlTest, SubmitThenWaitThenStatusPrintTheContractedJson) {
  auto sub = ctl({"submit", "--name", "greet", "--type", "echo", "--cap", "text", "--priority", "high", "--timeout",
                  "2.5", "--input", R"({"hello":"world"})", "--metadata", R"({"team":"x"})", "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  auto id = Json::parse(sub.out).at("task_id").get<std::string>();
  auto w = ctl({"wait", id, "--timeout", "20", "--json"});
  ASSERT_EQ(w.exit_code, 0) << w.err << w.out;
  auto st = ctl({"status", id, "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  auto j = Json::parse(st.out);
  EXPECT_EQ(j.at("task_id"), id);
  EXPECT_EQ(j.at("state"), "COMPLETED");
  EXPECT_EQ(j.at("assigned_agent"), "cli-agent");
  EXPECT_EQ(j.at("attempt"), 1);
  EXPECT_EQ(j.at("output"), (Json{{"hello", "world"}}));
  EXPECT_EQ(j.at("error"), "");
  EXPECT_EQ(j.at("priority"), "HIGH");
  EXPECT_EQ(j.at("timeout_ms"), 2500);
  EXPECT_EQ(j.at("metadata"), (Json{{"team", "x"}}));
}

TEST_F(OrionctlTest, AgentsJsonListsTheRegisteredAgent) {
  ASSERT_TRUE(cluster.wait_agents_up(1));
  auto r = ctl({"agents", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = Json::parse(r.out);
  ASSERT_EQ(j.at("agents").size(), 1u);
  EXPECT_EQ(j["agents"][0].at("agent_id"), "cli-agent");
  EXPECT_EQ(j["agents"][0].at("state"), "UP");
}

TEST_F(OrionctlTest, WatchPrintsTheEventsOfATask) {
  Process watch(bin("orionctl"),
                {"watch", "--registry", cluster.registry_endpoint, "--json", "--topic", "task.completed", "--count",
                 "1", "--timeout", "30"},
                cluster.dir().file("watch.out"), cluster.dir().file("watch.err"));
  // The subscription takes a moment to reach the bus: keep submitting until one is seen.
  std::string seen;
  bool got = wait_until(
      [&] {
        ctl({"submit", "--type", "echo", "--cap", "text", "--input", "1"});
        std::ifstream in(cluster.dir().file("watch.out"));
        std::getline(in, seen);
        return !seen.empty();
      },
      20'000);
  ASSERT_TRUE(got);
  auto ev = Json::parse(seen);
  EXPECT_EQ(ev.at("topic"), "task.completed");
  EXPECT_EQ(ev.at("publisher"), "scheduler");
  EXPECT_EQ(ev.at("data").at("state"), "COMPLETED");
  EXPECT_EQ(watch.wait_exit(10'000), 0);
}

TEST_F(OrionctlTest, DurationsTakeUnitsAndAnythingElseIsRefused) {
  auto sub = ctl({"submit", "--type", "echo", "--cap", "text", "--timeout", "5m", "--backoff-initial", "500ms",
                  "--retries", "1", "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  auto id = Json::parse(sub.out).at("task_id").get<std::string>();
  auto st = ctl({"status", id, "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_EQ(Json::parse(st.out).at("timeout_ms"), 300'000) << "5m is five minutes, not five seconds";
  EXPECT_EQ(ctl({"wait", id, "--timeout", "20s"}).exit_code, 0);
  for (const char* bad : {"5x", "5 minutes", "-1s", "m"}) {
    auto r = ctl({"submit", "--type", "echo", "--timeout", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--timeout"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ms, s, m, h, d"), std::string::npos) << r.err;
  }
  auto bad_wait = ctl({"wait", id, "--timeout", "1y"});
  EXPECT_EQ(bad_wait.exit_code, 2) << bad_wait.err;
  auto bad_call = ctl({"agents", "--call-timeout", "soon"});
  EXPECT_EQ(bad_call.exit_code, 2) << bad_call.err;
  auto extra = ctl({"status", id, "t999", "--json"});
  EXPECT_EQ(extra.exit_code, 2) << "a second id is refused, not ignored";
  EXPECT_NE(extra.err.find("unexpected argument 't999'"), std::string::npos) << extra.err;
}

TEST_F(OrionctlTest, BadInputGivesAOneLineErrorAndANonZeroExit) {
  auto no_type = ctl({"submit", "--cap", "text"});
  EXPECT_EQ(no_type.exit_code, 2);
  EXPECT_NE(no_type.err.find("--type"), std::string::npos);
  auto bad_json = ctl({"submit", "--type", "echo", "--input", "{nope"});
  EXPECT_EQ(bad_json.exit_code, 2);
  auto bad_priority = ctl({"submit", "--type", "echo", "--priority", "mega"});
  EXPECT_EQ(bad_priority.exit_code, 2);
  auto missing = ctl({"status", "t999999", "--json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NOT_FOUND"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  auto failing = ctl({"submit", "--type", "fail", "--cap", "text", "--json"});
  ASSERT_EQ(failing.exit_code, 0);
  auto id = Json::parse(failing.out).at("task_id").get<std::string>();
  auto w = ctl({"wait", id, "--timeout", "20"});
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_NE(w.err.find("FAILED"), std::string::npos) << w.err;
}

TEST_F(OrionctlTest, ARegistryListFailsOverAndAnUnreachableOneIsGivenUpOnWithinCallTimeout) {
  const std::string dead = "tcp://127.0.0.1:1";  // nothing listens there: no reply, ever
  ASSERT_TRUE(cluster.wait_agents_up(1));
  auto listed = run_command(bin("orionctl"), {"agents", "--json", "--registry", dead + "," + cluster.registry_endpoint,
                                               "--call-timeout", "20"},
                            cluster.dir().path());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(Json::parse(listed.out).at("agents").size(), 1u);

  auto start = now_ms();
  auto gone = run_command(bin("orionctl"), {"status", "t1", "--registry", dead, "--call-timeout", "0.5"},
                          cluster.dir().path());
  auto took = now_ms() - start;
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("UNAVAILABLE"), std::string::npos) << gone.err;
  EXPECT_NE(gone.err.find("gave up after"), std::string::npos) << gone.err;
  EXPECT_NE(gone.err.find(dead), std::string::npos) << gone.err;
  EXPECT_EQ(std::count(gone.err.begin(), gone.err.end(), '\n'), 1) << gone.err;
  EXPECT_LT(took, 5'000) << "the call is bounded by --call-timeout 0.5 s (plus the process's start)";

  auto bad = run_command(bin("orionctl"), {"status", "t1", "--registry", dead, "--call-timeout", "0"},
                         cluster.dir().path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--call-timeout"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace orion::testing

namespace orion::testing {
namespace {

// Dead letters with real processes: the example agent's `flaky` handler fails while the attempt
// is at most input.failures, so a task with failures 2 and one retry is PARKED after attempt 2;
// `orionctl parked retry` runs it again (attempt 3), which the agent now completes.
TEST_F(OrionctlTest, AParkedTaskIsListedRetriedWithOrionctlAndThenCompletes) {
  auto sub = ctl({"submit", "--type", "flaky", "--cap", "text", "--input", R"({"failures":2})", "--retries", "1",
                  "--backoff-initial", "100ms", "--on-exhausted", "park", "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  auto id = Json::parse(sub.out).at("task_id").get<std::string>();
  Json st;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = ctl({"status", id, "--json"});
        if (r.exit_code != 0) return false;
        st = Json::parse(r.out);
        return st.at("state") == "PARKED";
      },
      20'000))
      << st.dump();
  EXPECT_EQ(st.at("error"), "flaky failure 2");
  EXPECT_EQ(st.at("attempt"), 2);
  EXPECT_EQ(st.at("on_exhausted"), "park");
  auto list = ctl({"parked", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto tasks = Json::parse(list.out).at("tasks");
  ASSERT_EQ(tasks.size(), 1u) << list.out;
  EXPECT_EQ(tasks[0].at("task_id"), id);
  auto human = ctl({"parked", "list"});
  EXPECT_NE(human.out.find("flaky failure 2"), std::string::npos) << human.out;
  // Waiting does not end on PARKED: it is not terminal.
  auto still = ctl({"wait", id, "--timeout", "200ms", "--json"});
  EXPECT_NE((still.out + still.err).find("PARKED"), std::string::npos) << still.out << still.err;

  auto retry = ctl({"parked", "retry", id, "--json"});
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_EQ(Json::parse(retry.out).at("count"), 1);
  auto done = ctl({"wait", id, "--timeout", "20", "--json"});
  ASSERT_EQ(done.exit_code, 0) << done.err << done.out;
  auto end = Json::parse(ctl({"status", id, "--json"}).out);
  EXPECT_EQ(end.at("state"), "COMPLETED");
  EXPECT_EQ(end.at("attempt"), 3);
  EXPECT_EQ(end.at("failures"), 0);
  // Only a parked task can be retried so: exit 1, one line naming the state.
  auto again = ctl({"parked", "retry", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("FAILED_PRECONDITION"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("COMPLETED, not PARKED"), std::string::npos) << again.err;
}

// A delayed task waits with its reason, then runs.
TEST_F(OrionctlTest, ADelayedTaskIsScheduledThenRuns) {
  auto sub = ctl({"submit", "--type", "echo", "--cap", "text", "--input", "7", "--delay", "1500ms", "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  auto id = Json::parse(sub.out).at("task_id").get<std::string>();
  auto st = Json::parse(ctl({"status", id, "--json"}).out);
  EXPECT_EQ(st.at("state"), "PENDING");
  EXPECT_GT(st.at("not_before_ms").get<std::int64_t>(), st.at("created_ms").get<std::int64_t>());
  EXPECT_EQ(st.at("reason").get<std::string>().rfind("scheduled for ", 0), 0u) << st.dump();
  auto done = ctl({"wait", id, "--timeout", "20", "--json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  auto end = Json::parse(ctl({"status", id, "--json"}).out);
  EXPECT_EQ(end.at("state"), "COMPLETED");
  EXPECT_GE(end.at("assigned_ms").get<std::int64_t>(), end.at("not_before_ms").get<std::int64_t>());
  auto both = ctl({"submit", "--type", "echo", "--delay", "1m", "--not-before", "2030-01-01T00:00:00Z"});
  EXPECT_EQ(both.exit_code, 2);
  auto zoneless = ctl({"submit", "--type", "echo", "--not-before", "2030-01-01T00:00:00"});
  EXPECT_EQ(zoneless.exit_code, 2);
}

}  // namespace
}  // namespace orion::testing
