// The scheduler's event history (protocol.md section 16), on real processes: `orionctl watch
// --since` after a forced disconnect prints every event published meanwhile, once and in order;
// the history survives a restart; and what it no longer holds is said.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class EventHistoryTest : public ClusterTest {
 protected:
  void start(const std::vector<std::string>& scheduler_args = {}) {
    cluster.start_registry();
    cluster.start_scheduler(scheduler_args);
    cluster.start_agent("h-agent", {"text"}, 2);
    ASSERT_TRUE(cluster.wait_agents_up(1));
  }
  CommandResult ctl(std::vector<std::string> args, std::int64_t timeout_ms = 30'000) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path(), timeout_ms);
  }
  // Submits n echo tasks and waits for each to complete.
  void run_tasks(int n) {
    for (int i = 0; i < n; ++i) {
      auto sub = ctl({"submit", "--type", "echo", "--cap", "text", "--input", std::to_string(i), "--json"});
      ASSERT_EQ(sub.exit_code, 0) << sub.err;
      auto id = Json::parse(sub.out).at("task_id").get<std::string>();
      ASSERT_EQ(ctl({"wait", id, "--timeout", "20"}).exit_code, 0);
    }
  }
  static std::vector<Json> events(const std::string& text) {
    std::vector<Json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(Json::parse(line));
    }
    return out;
  }
  static std::string since(const Json& ev) {
    return ev.at("publisher").get<std::string>() + ":" + std::to_string(ev.at("epoch").get<std::uint64_t>()) + ":" +
           std::to_string(ev.at("seq").get<std::uint64_t>());
  }
};

TEST_F(EventHistoryTest, WatchSinceAfterAForcedDisconnectPrintsEveryEventMissedOnceInOrder) {
  start();
  run_tasks(3);
  // A watcher that replays everything held, then follows the bus; killed (no goodbye) mid-run.
  Process watcher(bin("orionctl"),
                  {"watch", "--registry", cluster.registry_endpoint, "--json", "--since", "scheduler"},
                  cluster.dir().file("watch1.out"), cluster.dir().file("watch1.err"));
  auto read_watch1 = [&] {
    std::ifstream in(cluster.dir().file("watch1.out"));
    std::stringstream s;
    s << in.rdbuf();
    return events(s.str());
  };
  // 3 tasks: submitted, assigned, running, completed each (at least 3 x 3 events).
  ASSERT_TRUE(wait_until([&] { return read_watch1().size() >= 9; }, 20'000));
  watcher.kill9();
  auto before = read_watch1();
  ASSERT_FALSE(before.empty());
  const Json last = before.back();
  // Meanwhile, with nobody watching:
  run_tasks(4);
  auto r = ctl({"watch", "--json", "--since", since(last), "--timeout", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("missed"), std::string::npos) << r.err;
  auto after = events(r.out);
  ASSERT_FALSE(after.empty());
  // Every event after the last one seen, with no gap and no duplicate: seqs run on by one.
  std::uint64_t expect = last.at("seq").get<std::uint64_t>() + 1;
  int completed = 0;
  for (const auto& ev : after) {
    EXPECT_EQ(ev.at("publisher"), "scheduler");
    EXPECT_EQ(ev.at("epoch"), last.at("epoch"));
    EXPECT_EQ(ev.at("seq").get<std::uint64_t>(), expect) << ev.dump();
    expect = ev.at("seq").get<std::uint64_t>() + 1;
    completed += ev.at("topic") == "task.completed";
  }
  EXPECT_GE(completed, 4) << "the four tasks run while no one watched";
}

TEST_F(EventHistoryTest, TheHistorySurvivesARestartAndGoesOnIntoTheNewEpoch) {
  start();
  run_tasks(2);
  auto first = ctl({"watch", "--json", "--since", "scheduler", "--count", "1", "--timeout", "10"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto oldest = events(first.out);
  ASSERT_EQ(oldest.size(), 1u);
  EXPECT_EQ(oldest[0].at("seq"), 1) << "the first event ever is still held";
  cluster.scheduler().stop();
  cluster.start_scheduler();
  run_tasks(1);
  auto r = ctl({"watch", "--json", "--since", since(oldest[0]), "--timeout", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto all = events(r.out);
  ASSERT_GE(all.size(), 4u);
  EXPECT_EQ(all.front().at("epoch"), oldest[0].at("epoch")) << "the old process' events come first";
  EXPECT_EQ(all.front().at("seq"), 2);
  EXPECT_NE(all.back().at("epoch"), oldest[0].at("epoch")) << "then the restarted process' events";
  EXPECT_EQ(all.back().at("topic"), "task.completed");
  EXPECT_EQ(r.err.find("missed"), std::string::npos) << r.err;
}

TEST_F(EventHistoryTest, WhatTheHistoryNoLongerHoldsIsSaidPlainly) {
  start({"--event-history", "5"});
  run_tasks(3);
  auto first = ctl({"watch", "--json", "--since", "scheduler", "--count", "1", "--timeout", "10"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto oldest = events(first.out);
  ASSERT_EQ(oldest.size(), 1u);
  EXPECT_GT(oldest[0].at("seq").get<std::uint64_t>(), 1u) << "the first events were dropped";
  auto r = ctl({"watch", "--since", "scheduler:" + std::to_string(oldest[0].at("epoch").get<std::uint64_t>()) + ":0",
                "--timeout", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("# missed: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("are no longer held"), std::string::npos) << r.out;
  auto bad = ctl({"watch", "--since", "scheduler:12:x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--since"), std::string::npos) << bad.err;
}

// Consensus numbers its events from its replicated state: a proposal's created and decided
// events are held, and `watch --since consensus` gives them back after the fact.
TEST_F(EventHistoryTest, ConsensusKeepsItsEventsForWatchSince) {
  cluster.start_registry();
  cluster.start_consensus();
  cluster.start_agent("voter", {"deploy"}, 1, {"--vote", "yes"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  auto proposed = ctl({"propose", "--type", "deploy", "--consensus", "majority", "--cap", "deploy", "--data",
                       "{\"v\": 1}", "--timeout", "2", "--json"});
  ASSERT_EQ(proposed.exit_code, 0) << proposed.err;
  const std::string id = Json::parse(proposed.out).at("proposal_id").get<std::string>();
  // Decided by the vote, or expired after 2 s unvoted (the voter's subscription may be late).
  ASSERT_EQ(ctl({"decision", id, "--wait", "10", "--json"}).exit_code, 0);
  std::vector<Json> got;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = ctl({"watch", "--json", "--since", "consensus", "--timeout", "1"});
        got = events(r.out);
        return r.exit_code == 0 && got.size() >= 2;
      },
      15'000));
  EXPECT_EQ(got[0].at("publisher"), "consensus");
  EXPECT_EQ(got[0].at("seq"), 1);
  EXPECT_EQ(got[0].at("topic"), "proposal.created.deploy");
  EXPECT_EQ(got[0].at("data").at("proposal_id"), id);
  EXPECT_EQ(got[1].at("seq"), 2);
  EXPECT_EQ(got[1].at("topic"), "proposal.decided.deploy");
  // After the first: only the second.
  auto after = ctl({"watch", "--json", "--since", since(got[0]), "--timeout", "1"});
  auto rest = events(after.out);
  ASSERT_FALSE(rest.empty()) << after.err;
  EXPECT_EQ(rest[0].at("seq"), 2);
}

}  // namespace
}  // namespace orion::testing
