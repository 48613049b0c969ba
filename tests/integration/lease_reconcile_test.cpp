// Nothing runs twice, on real processes (docs/protocol.md 6.4, reconciliation at ATTACH): kill -9
// and restart of the scheduler while a slow task runs lets its agent keep the attempt and finish
// it once; an agent paused (SIGSTOP) past its liveness and resumed is told to cancel its fenced
// attempt, which holds its slot until gone, so the task's next attempt runs at once and ends
// COMPLETED, not TIMEOUT behind it. A forged agent.down published on the bus fences nothing
// while the scheduler's own liveness holds the agent alive.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>
#include <fstream>
#include <sstream>

#include <zmq.hpp>

#include "common/messages.h"
#include "common/sockets.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::size_t in_history(const TaskView& v, TaskState state) {
  std::size_t n = 0;
  for (const auto& c : v.history) n += c.state == state;
  return n;
}

TaskSpec slow_task(int ms, std::int64_t timeout_ms) {
  TaskSpec s;
  s.type = "sleep";
  s.capabilities = {"work"};
  s.input = {{"ms", ms}};
  s.timeout_ms = timeout_ms;
  return s;
}

class LeaseReconcileTest : public ClusterTest {
 protected:
  bool wait_state(sdk::Client& client, const std::string& id, TaskState state, std::int64_t timeout_ms = 20'000) {
    return wait_until(
        [&] {
          auto v = client.status(id);
          return v.ok() && v->state == state;
        },
        timeout_ms);
  }
};

TEST_F(LeaseReconcileTest, Kill9OfTheSchedulerWhileATaskRunsLetsItsAgentFinishTheSameAttemptOnce) {
  // heartbeat_ms 200 (Cluster) x liveness 10: the restarted scheduler keeps leases for 2 s.
  const std::vector<std::string> flags{"--liveness", "10"};
  cluster.start_registry();
  cluster.start_scheduler(flags);
  cluster.start_agent("a1", {"work"}, 1, {"--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client client(cluster.client_options());
  auto id = client.submit(slow_task(3000, 60'000));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(wait_state(client, *id, TaskState::RUNNING));

  cluster.scheduler().kill9();
  cluster.start_scheduler(flags);  // same ports, same data directory

  auto v = client.wait(*id, 30'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  ASSERT_EQ(v->state, TaskState::COMPLETED) << v->error << " " << v->reason;
  EXPECT_EQ(v->attempt, 1) << "its first attempt: never fenced off";
  EXPECT_EQ(in_history(*v, TaskState::ASSIGNED), 1u);
  EXPECT_EQ(in_history(*v, TaskState::COMPLETED), 1u);
  EXPECT_EQ(v->output, Json({{"slept_ms", 3000}}));
  const std::string log = read_file(cluster.agent("a1").log_path());
  EXPECT_EQ(count_of(log, "event=task_started agent=a1 task=" + *id + " "), 1u) << "executed once";
  EXPECT_EQ(count_of(log, "event=task_cancelled agent=a1 task=" + *id + " "), 0u);
}

TEST_F(LeaseReconcileTest, AnAgentPausedPastItsLivenessIsToldToCancelItsFencedAttemptAndTheTaskCompletesOnce) {
  // heartbeat_ms 200 x liveness 3 (Cluster's defaults): a1 is lost 600 ms into its pause.
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("a1", {"work"}, 1, {"--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client client(cluster.client_options());
  // 4 s of work, 6 s allowed per attempt: the next attempt, if it had to wait for the fenced
  // one to finish its 4 s on a1's only worker, would end TIMEOUT.
  auto id = client.submit(slow_task(4000, 6000));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(wait_state(client, *id, TaskState::RUNNING));

  const pid_t agent = cluster.agent("a1").pid();
  ASSERT_EQ(::kill(agent, SIGSTOP), 0);
  bool fenced = wait_until(
      [&] {
        auto v = client.status(*id);
        return v.ok() && v->state == TaskState::PENDING;
      },
      20'000);
  ASSERT_EQ(::kill(agent, SIGCONT), 0);
  ASSERT_TRUE(fenced) << "the scheduler never fenced the paused agent's attempt";

  auto v = client.wait(*id, 30'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  ASSERT_EQ(v->state, TaskState::COMPLETED) << v->error << " " << v->reason;
  EXPECT_EQ(v->attempt, 2);
  EXPECT_EQ(in_history(*v, TaskState::COMPLETED), 1u) << "completed exactly once";
  EXPECT_EQ(in_history(*v, TaskState::TIMEOUT), 0u);
  const std::string log = read_file(cluster.agent("a1").log_path());
  EXPECT_EQ(count_of(log, "event=task_cancelled agent=a1 task=" + *id + " attempt=1 "), 1u)
      << "the fenced attempt was cancelled on the agent";
  EXPECT_EQ(count_of(log, "event=task_started agent=a1 task=" + *id + " attempt=2 "), 1u);
}

// Before issue 17, an agent.down for an agent unheard for one heartbeat fenced it: anyone who
// could reach the bus could make a briefly paused agent's task run twice.
TEST_F(LeaseReconcileTest, AForgedAgentDownFencesNothingWhileTheSchedulerStillHoldsTheAgentAlive) {
  // heartbeat_ms 200 (Cluster) x liveness 10: the scheduler's own window is 2 s.
  cluster.start_registry();
  cluster.start_scheduler({"--liveness", "10"});
  cluster.start_agent("a1", {"work"}, 1, {"--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client client(cluster.client_options());
  auto id = client.submit(slow_task(1500, 60'000));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(wait_state(client, *id, TaskState::RUNNING));

  // The forger publishes on the bus like any service: an XPUB on the registry's publisher
  // side, which hears the scheduler's subscription to agent.down arrive before it sends.
  zmq::context_t ctx(1);
  auto forger = make_socket(ctx, zmq::socket_type::xpub);
  forger.connect(cluster.events_pub);
  ASSERT_TRUE(wait_until(
      [&] {
        zmq::message_t m;
        bool seen = false;
        while (forger.recv(m, zmq::recv_flags::dontwait)) seen |= m.to_string() == std::string("\x01" "agent.down");
        return seen;
      },
      15'000));

  const pid_t agent = cluster.agent("a1").pid();
  ASSERT_EQ(::kill(agent, SIGSTOP), 0);
  Event down;
  down.topic = "agent.down";
  down.publisher = "registry";
  down.epoch = 77;
  down.seq = 1;
  down.data = {{"agent_id", "a1"}, {"last_seen_ms", 0}};
  // Sent until the scheduler says what it made of it (a PUB drops what it sends before the
  // subscription has crossed the proxy), at least half a second into the pause: past two
  // heartbeats, well within the 2 s window.
  const auto paused_at = std::chrono::steady_clock::now();
  bool judged = wait_until(
      [&] {
        const auto log = cluster.scheduler().log_tail(50'000);
        if (log.find("event=agent_down_ignored agent=a1") != std::string::npos ||
            log.find("event=agent_lost agent=a1") != std::string::npos) {
          return true;
        }
        if (std::chrono::steady_clock::now() - paused_at >= std::chrono::milliseconds(500)) {
          ++down.seq;
          send_event(forger, Envelope{MsgType::EVENT, std::string(), down.to_body()}, down.topic);
        }
        return false;
      },
      1'500);
  ASSERT_EQ(::kill(agent, SIGCONT), 0);
  ASSERT_TRUE(judged) << "the scheduler never heard the forged agent.down\n" << cluster.scheduler().log_tail();
  EXPECT_EQ(cluster.scheduler().log_tail(50'000).find("event=agent_lost agent=a1"), std::string::npos)
      << "the forged event fenced a live agent";

  auto v = client.wait(*id, 30'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  ASSERT_EQ(v->state, TaskState::COMPLETED) << v->error << " " << v->reason;
  EXPECT_EQ(v->attempt, 1) << "its first attempt, never fenced off";
  EXPECT_EQ(in_history(*v, TaskState::ASSIGNED), 1u);
  const std::string log = read_file(cluster.agent("a1").log_path());
  EXPECT_EQ(count_of(log, "event=task_started agent=a1 task=" + *id + " "), 1u) << "executed once";
}

// The seq of "t<seq>".
std::uint64_t seq_of(const std::string& id) { return std::stoull(id.substr(1)); }

// Every (task id, attempt) the agent's log says it started, with how often.
std::map<std::pair<std::string, std::string>, int> started_attempts(const std::string& log) {
  std::map<std::pair<std::string, std::string>, int> out;
  const std::string mark = "event=task_started agent=a1 task=";
  for (auto at = log.find(mark); at != std::string::npos; at = log.find(mark, at + 1)) {
    auto task_end = log.find(' ', at + mark.size());
    auto attempt_at = log.find("attempt=", task_end);
    auto attempt_end = log.find(' ', attempt_at);
    if (task_end == std::string::npos || attempt_at == std::string::npos) break;
    ++out[{log.substr(at + mark.size(), task_end - at - mark.size()),
           log.substr(attempt_at + 8, attempt_end - attempt_at - 8)}];
  }
  return out;
}

// An ASSIGN leaves before its turn is durable (protocol.md 6.4), so a kill -9 while tasks stream
// in can leave the agent running attempts, even tasks, the restarted scheduler never heard of.
// None of them may come back under the same task id or attempt, and no acknowledged task is lost.
TEST_F(LeaseReconcileTest, Kill9WhileTasksStreamLosesNoAcknowledgedTaskAndLeasesNoTaskIdOrAttemptTwice) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("a1", {"work"}, 4, {"--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  std::mutex m;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::thread submitter([&] {
    sdk::Client c(cluster.client_options());
    while (!stop.load()) {
      auto id = c.submit(slow_task(0, 0));
      if (!id) continue;  // the scheduler is down: its outcome is unknown, as for any client
      std::lock_guard<std::mutex> lock(m);
      acked.push_back(*id);
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, submitter};
  auto acked_count = [&] {
    std::lock_guard<std::mutex> lock(m);
    return acked.size();
  };
  ASSERT_TRUE(wait_until([&] { return acked_count() >= 300; }, 30'000));
  cluster.scheduler().kill9();
  const std::size_t before_kill = acked_count();
  std::uint64_t highest_started = 0;
  for (const auto& [key, n] : started_attempts(read_file(cluster.agent("a1").log_path()))) {
    highest_started = std::max(highest_started, seq_of(key.first));
  }
  cluster.start_scheduler();  // same ports, same data directory
  ASSERT_TRUE(wait_until([&] { return acked_count() >= before_kill + 300; }, 60'000));
  stop = true;
  submitter.join();

  sdk::Client client(cluster.client_options());
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(m);
    ids = acked;
  }
  for (const auto& id : ids) {
    auto v = client.wait(id, 30'000);
    ASSERT_TRUE(v.ok()) << id << ": " << v.error().to_string();
    EXPECT_EQ(v->state, TaskState::COMPLETED) << id << " " << v->error << " " << v->reason;
  }
  for (std::size_t i = before_kill + 1; i < ids.size(); ++i) {
    EXPECT_GT(seq_of(ids[i]), highest_started) << ids[i] << ": an id the agent may have run before the crash";
  }
  for (const auto& [key, n] : started_attempts(read_file(cluster.agent("a1").log_path()))) {
    EXPECT_EQ(n, 1) << key.first << " attempt " << key.second << " started " << n << " times";
  }
}

}  // namespace
}  // namespace orion::testing
