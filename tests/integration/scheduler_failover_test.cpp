// orion-scheduler on 3 Raft replicas: a follower names the leader, the leader's SIGKILL loses
// no acknowledged task and creates none twice, a paused leader serves nothing stale, and every
// replica ends with the same state.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/ids.h"
#include "tests/integration/scheduler_replicas.h"

namespace orion::testing {
namespace {

class SchedulerFailoverTest : public ClusterTest {
 protected:
  void SetUp() override { cluster.start_registry(); }
  std::string extra_logs() const override { return replicas ? replicas->logs() : ""; }
  TaskSpec echo(int i) {
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {"text"};
    s.input = {{"i", i}};
    return s;
  }
  // Every running replica holds the same tasks and workflows (once no task runs).
  void expect_equal_digests() {
    std::set<std::string> digests;
    ASSERT_TRUE(wait_until(
        [&] {
          digests.clear();
          for (int id = 1; id <= replicas->size(); ++id) {
            auto i = replicas->info(id, /*digest=*/true, 2000);
            if (!i) return false;
            digests.insert(i->digest);
          }
          return digests.size() == 1;
        },
        10'000))
        << digests.size() << " different states";
  }
  std::unique_ptr<SchedulerReplicas> replicas;
};

TEST_F(SchedulerFailoverTest, FollowersNameTheLeaderAndHoldItsStateAsItCommits) {
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  auto leader = replicas->wait_leader(10'000);
  ASSERT_TRUE(leader);
  const int follower = *leader == 1 ? 2 : 1;

  // A follower answers every request but GET_REPLICA with NOT_LEADER naming the leader's
  // endpoint on the same socket kind ("" until it has applied the new leader's first entry).
  std::string named;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = ask(replicas->client(follower), Envelope{MsgType::SUBMIT, "r1", SubmitTask{echo(0)}.to_body()}, 2000);
        if (!r.ok() || r->type != MsgType::ERROR) return false;
        EXPECT_EQ(error_from_body(r->body).code, ErrorCode::NOT_LEADER);
        named = r->body.value("leader", "");
        return !named.empty();
      },
      5'000));
  EXPECT_EQ(named, replicas->client(*leader));

  // Submitted to the leader, the task is held by both followers once committed (hot standby).
  auto ok = replicas->ask_leader(Envelope{MsgType::SUBMIT, "r1", SubmitTask{echo(0)}.to_body()}, 10'000);
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->type, MsgType::SUBMIT_OK) << ok->body.dump();
  for (int id = 1; id <= 3; ++id) {
    ASSERT_TRUE(wait_until([&] { auto i = replicas->info(id); return i && i->tasks == 1; }, 5'000)) << "replica " << id;
  }
  expect_equal_digests();
}

TEST_F(SchedulerFailoverTest, KillingTheLeaderFiveTimesLosesNoAcknowledgedTaskAndMakesNoneTwice) {
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  ASSERT_TRUE(replicas->wait_leader(10'000));
  cluster.start_agent("a1", {"text"}, 4);
  cluster.start_agent("a2", {"text"}, 4);
  cluster.start_agent("a3", {"text"}, 4);
  ASSERT_TRUE(cluster.wait_agents_up(3));

  constexpr int kTasks = 5000;
  std::vector<std::string> ids;
  std::atomic<int> acknowledged{0};
  std::string submit_error;
  std::thread submitter([&] {
    auto options = cluster.client_options();
    options.call_timeout_ms = 30'000;
    options.request_timeout_ms = 250;
    sdk::Client client(options);
    for (int i = 0; i < kTasks; ++i) {
      auto id = client.submit(echo(i));  // one request id for every try of this submit
      if (!id) {
        submit_error = id.error().to_string();
        return;
      }
      ids.push_back(*id);
      ++acknowledged;
    }
  });
  std::int64_t longest_without_leader = 0;
  for (int kill = 1; kill <= 5; ++kill) {
    ASSERT_TRUE(wait_until([&] { return acknowledged >= kill * kTasks / 6 || !submit_error.empty(); }, 120'000));
    auto leader = replicas->wait_leader(10'000);
    ASSERT_TRUE(leader);
    const auto killed_at = now_ms();
    replicas->kill9(*leader);
    auto next = replicas->wait_leader(10'000, *leader);
    ASSERT_TRUE(next) << "no new leader after kill " << kill;
    longest_without_leader = std::max(longest_without_leader, now_ms() - killed_at);
    replicas->start(*leader);  // back as a follower, with its data
  }
  submitter.join();
  ASSERT_TRUE(submit_error.empty()) << submit_error;
  std::cout << "longest_without_leader_ms=" << longest_without_leader << "\n";
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "a request id made two tasks";

  auto options = cluster.client_options();
  options.request_timeout_ms = 1000;
  options.call_timeout_ms = 30'000;
  sdk::Client client(options);
  auto views = client.wait_all(ids, 60'000);
  ASSERT_TRUE(views.ok()) << views.error().to_string();
  for (const auto& v : *views) {
    ASSERT_EQ(v.state, TaskState::COMPLETED) << v.task_id << " " << v.error << " " << v.reason;
    int completions = 0;
    for (const auto& c : v.history) completions += c.state == TaskState::COMPLETED;
    EXPECT_EQ(completions, 1) << v.task_id;
  }
  ListTasks all;
  all.limit = 10'000;
  auto list = client.list(all);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->tasks.size(), static_cast<std::size_t>(kTasks)) << "nothing beyond what was acknowledged";
  expect_equal_digests();
}

TEST_F(SchedulerFailoverTest, APausedLeaderServesNothingStaleAndCatchesUp) {
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  auto old = replicas->wait_leader(10'000);
  ASSERT_TRUE(old);
  ::kill(replicas->process(*old).pid(), SIGSTOP);
  auto next = replicas->wait_leader(10'000, *old);
  ASSERT_TRUE(next);
  // A write the majority acknowledges while the old leader sleeps.
  auto ok = replicas->ask_leader(Envelope{MsgType::SUBMIT, "after", SubmitTask{echo(1)}.to_body()}, 10'000);
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->type, MsgType::SUBMIT_OK) << ok->body.dump();
  const std::string id = SubmitOk::from_body(ok->body)->task_id;
  ::kill(replicas->process(*old).pid(), SIGCONT);
  // Until the old leader holds that task as a follower, every answer it gives to a read of it
  // is a refusal (UNAVAILABLE: its lease lapsed while it slept; NOT_LEADER), never an answer
  // from its old state (NOT_FOUND) and never a read served while it does not lead.
  int stale = 0;
  bool caught_up = wait_until(
      [&] {
        auto r = ask(replicas->client(*old), Envelope{MsgType::GET_TASK, random_hex(8), GetTask{id}.to_body()}, 300);
        if (r && r->type != MsgType::ERROR) ++stale;
        if (r && r->type == MsgType::ERROR) {
          auto code = error_from_body(r->body).code;
          if (code != ErrorCode::UNAVAILABLE && code != ErrorCode::NOT_LEADER) ++stale;
        }
        auto j = replicas->info(*old);
        return j && j->role == "follower" && j->tasks == 1;
      },
      15'000);
  EXPECT_EQ(stale, 0) << "reads served by the deposed leader";
  ASSERT_TRUE(caught_up);
  expect_equal_digests();
}

TEST_F(SchedulerFailoverTest, AReplicaIsAddedAndAnotherRemovedWhileTheClusterServes) {
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  auto leader = replicas->wait_leader(10'000);
  ASSERT_TRUE(leader);
  for (int i = 0; i < 20; ++i) {
    auto ok = replicas->ask_leader(Envelope{MsgType::SUBMIT, random_hex(8), SubmitTask{echo(i)}.to_body()}, 10'000);
    ASSERT_TRUE(ok.ok() && ok->type == MsgType::SUBMIT_OK);
  }
  // Replica 4 starts empty, is added through orionctl, and catches up.
  const std::string raft4 = replicas->start_joining(4);
  auto add = run_command(bin("orionctl"), {"replica", "add", "--service", "scheduler", "--id", "4", "--raft", raft4,
                                           "--registry", cluster.registry_endpoint, "--json"},
                         cluster.dir().path(), 60'000);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  ASSERT_TRUE(wait_until([&] { auto i = replicas->info(4); return i && i->tasks == 20; }, 20'000));
  // A follower is removed, then stopped; the leader is killed: the two left (one of them the
  // new replica) elect a leader and serve.
  leader = replicas->wait_leader(10'000);  // the one leading now (an election may have moved it)
  ASSERT_TRUE(leader);
  const int removed = *leader == 1 ? 2 : 1;
  auto remove = run_command(bin("orionctl"), {"replica", "remove", "--service", "scheduler", "--id",
                                              std::to_string(removed), "--registry", cluster.registry_endpoint},
                            cluster.dir().path(), 60'000);
  ASSERT_EQ(remove.exit_code, 0) << remove.out << remove.err;
  replicas->kill9(removed);
  replicas->kill9(*leader);
  auto next = replicas->wait_leader(10'000, *leader);
  ASSERT_TRUE(next) << "the new replica votes";
  auto ok = replicas->ask_leader(Envelope{MsgType::SUBMIT, "after", SubmitTask{echo(99)}.to_body()}, 10'000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->type, MsgType::SUBMIT_OK) << ok->body.dump();
  for (int id = 1; id <= 4; ++id) {
    if (id == removed || id == *leader) continue;
    EXPECT_TRUE(wait_until([&] { auto i = replicas->info(id); return i && i->tasks == 21; }, 5'000)) << id;
  }
}

TEST_F(SchedulerFailoverTest, ARetriedBatchGetsItsFirstAnswerEntryForEntryFromTheNextLeader) {
  replicas = std::make_unique<SchedulerReplicas>(cluster, 3);
  auto leader = replicas->wait_leader(10'000);
  ASSERT_TRUE(leader);
  auto held = [](const std::string& key) {
    TaskSpec s;
    s.type = "echo";
    s.capabilities = {"nobody"};  // no agent: every task stays PENDING
    s.idempotency_key = key;
    return s;
  };
  auto older = replicas->ask_leader(Envelope{MsgType::SUBMIT, "older", SubmitTask{held("nightly")}.to_body()}, 10'000);
  ASSERT_TRUE(older.ok() && older->type == MsgType::SUBMIT_OK);
  SubmitBatch batch;
  batch.tasks = {BatchEntry{"hit", held("nightly")}, BatchEntry{"fresh", held("fresh-key")},
                 BatchEntry{"twin", held("fresh-key")}, BatchEntry{"plain", held("")}};
  auto send = [&](int id) {
    auto r = ask(replicas->client(id), Envelope{MsgType::SUBMIT_BATCH, "batch-1", batch.to_body()}, 5000);
    EXPECT_TRUE(r.ok() && r->type == MsgType::SUBMIT_BATCH_OK) << (r.ok() ? r->body.dump() : r.error().to_string());
    return r.ok() ? SubmitBatchOk::from_body(r->body) : Result<SubmitBatchOk>(r.error());
  };
  leader = replicas->wait_leader(10'000);  // the one leading now (an election may have moved it)
  ASSERT_TRUE(leader);
  auto first = send(*leader);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->task_ids.size(), 4u);
  // Every follower holds the batch before the leader dies (the answer came after the commit).
  for (int id = 1; id <= 3; ++id) {
    ASSERT_TRUE(wait_until([&] { auto i = replicas->info(id); return i && i->tasks == 3; }, 5'000)) << id;
  }
  replicas->kill9(*leader);
  auto next = replicas->wait_leader(10'000, *leader);
  ASSERT_TRUE(next);
  auto again = send(*next);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, first->task_ids) << "every entry, the idempotent hits too";
  auto i = replicas->info(*next);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->tasks, 3) << "the retry made no task (older, fresh, plain)";
}

}  // namespace
}  // namespace orion::testing
