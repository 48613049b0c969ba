// Dead letters (PARKED; scheduler_core.h "Dead letters", docs/protocol.md section 8.2) in
// simulated time: a task whose retries are spent and whose spec says on_exhausted "park" is
// PARKED with its last error, holds no slot and keeps its dependants waiting; RETRY_PARKED runs
// it again with a fresh retry budget; DISCARD_PARKED ends it CANCELLED; a reload keeps it PARKED.
#include <gtest/gtest.h>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {
namespace {

class ParkedTaskTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  static TaskSpec spec(bool park = true, std::int64_t retries = 1, const std::string& type = "flaky") {
    TaskSpec s;
    s.type = type;
    s.retries = retries;
    s.retry.initial_ms = 100;
    s.on_exhausted = park ? "park" : "fail";
    return s;
  }
  std::string submit(TaskSpec s) {
    auto r = core.submit("r" + std::to_string(++n_), std::move(s));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? r->task_id : "";
  }
  void attach(const std::string& id, int capacity = 4) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = capacity;
    core.attach("ident-" + id, a);
  }
  // (task id, attempt) of each ASSIGN since the last call.
  std::vector<std::pair<std::string, std::int64_t>> assigned() {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      out.emplace_back(a->task_id, a->attempt);
    }
    core.outbox().clear();
    return out;
  }
  // Runs every assigned attempt to a failure, ticking past each retry's backoff, until nothing is assigned.
  void fail_until_settled(const std::string& error) {
    for (int round = 0; round < 10; ++round) {
      core.tick();
      auto a = assigned();
      if (a.empty()) return;
      for (const auto& [id, attempt] : a) core.result(TaskResult{id, attempt, false, nullptr, error + " " + std::to_string(attempt)});
      clock.advance(1000);
    }
  }
  std::vector<std::string> events() {
    std::vector<std::string> out;
    for (const auto& e : core.outbox().events) out.push_back(e.topic);
    return out;
  }

  int n_ = 0;
  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100, 1000, 10}};
};

TEST_F(ParkedTaskTest, RetriesSpentParkTheTaskWithItsLastErrorInsteadOfFailingIt) {
  attach("a1");
  auto parked = submit(spec(/*park=*/true));
  auto failed = submit(spec(/*park=*/false));
  fail_until_settled("disk full");
  auto v = *core.get(parked);
  EXPECT_EQ(v.state, TaskState::PARKED);
  EXPECT_EQ(v.error, "disk full 2");  // the last attempt's
  EXPECT_EQ(v.failures, 2);
  EXPECT_EQ(v.attempt, 2);
  EXPECT_EQ(v.history.back().state, TaskState::PARKED);
  EXPECT_EQ(core.get(failed)->state, TaskState::FAILED);
  EXPECT_EQ(core.parked_count(), 1u);
  EXPECT_EQ(core.agent("a1")->running.size(), 0u);  // it holds no slot
  auto stats = core.stats(clock.wall_ms());
  EXPECT_EQ(stats.by_state["PARKED"], 1);
  EXPECT_EQ(stats.by_state["FAILED"], 1);
  ListTasks q;
  q.states = {TaskState::PARKED};
  auto list = core.list(q);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->tasks.size(), 1u);
  EXPECT_EQ(list->tasks[0].task_id, parked);
}

TEST_F(ParkedTaskTest, TheParkIsPublishedAsAStateChange) {
  attach("a1");
  submit(spec(true, /*retries=*/0));
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  core.outbox().clear();
  core.result(TaskResult{a[0].first, a[0].second, false, nullptr, "boom"});
  EXPECT_EQ(events(), std::vector<std::string>{"task.parked"});
}

TEST_F(ParkedTaskTest, DependantsOfAParkedTaskKeepWaiting) {
  attach("a1");
  auto root = submit(spec(true, 0));
  TaskSpec child = spec(false, 0, "after");
  child.depends_on = {root};
  auto dependant = submit(child);
  fail_until_settled("boom");
  EXPECT_EQ(core.get(root)->state, TaskState::PARKED);
  EXPECT_EQ(core.get(dependant)->state, TaskState::PENDING);
  EXPECT_EQ(core.get(dependant)->waiting_on, std::vector<std::string>{root});
}

TEST_F(ParkedTaskTest, ARetriedTaskRunsAgainWithAFreshRetryBudgetAndCanComplete) {
  attach("a1");
  auto id = submit(spec(true, /*retries=*/1));
  TaskSpec child = spec(false, 0, "after");
  child.depends_on = {id};
  auto dependant = submit(child);
  fail_until_settled("boom");
  ASSERT_EQ(core.get(id)->state, TaskState::PARKED);
  core.outbox().clear();
  auto ok = core.retry_parked(RetryParked{{id}, ""});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->count, 1);
  EXPECT_EQ(ok->task_ids, std::vector<std::string>{id});
  EXPECT_EQ(events(), std::vector<std::string>{"task.unparked"});
  auto v = *core.get(id);
  EXPECT_EQ(v.state, TaskState::PENDING);
  EXPECT_EQ(v.failures, 0);
  EXPECT_TRUE(v.error.empty());
  EXPECT_EQ(core.parked_count(), 0u);
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], std::make_pair(id, std::int64_t{3}));  // the attempt count goes on
  // A late result of an attempt from before the park is stale.
  EXPECT_FALSE(core.result(TaskResult{id, 2, true, Json(0), ""}).accepted);
  // One failure is retried again (the budget is whole), then it completes.
  core.result(TaskResult{id, 3, false, nullptr, "again"});
  EXPECT_EQ(core.get(id)->state, TaskState::PENDING);
  clock.advance(1000);
  core.tick();
  a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(core.result(TaskResult{id, 4, true, Json("done"), ""}).accepted);
  EXPECT_EQ(core.get(id)->state, TaskState::COMPLETED);
  core.tick();
  a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].first, dependant);  // no longer waiting
}

TEST_F(ParkedTaskTest, ADiscardedTaskIsCancelledAndItsDependantsFail) {
  attach("a1");
  auto id = submit(spec(true, 0));
  TaskSpec child = spec(false, 0, "after");
  child.depends_on = {id};
  auto dependant = submit(child);
  fail_until_settled("boom");
  auto ok = core.discard_parked(DiscardParked{{id}, "", "not worth it"});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->count, 1);
  EXPECT_EQ(ok->also_ended, std::vector<std::string>{dependant});
  auto v = *core.get(id);
  EXPECT_EQ(v.state, TaskState::CANCELLED);
  EXPECT_NE(v.error.find("discarded: not worth it"), std::string::npos) << v.error;
  EXPECT_NE(v.error.find("boom"), std::string::npos) << v.error;  // the last error is kept
  EXPECT_EQ(core.get(dependant)->state, TaskState::FAILED);
  EXPECT_EQ(core.parked_count(), 0u);
}

TEST_F(ParkedTaskTest, ATaskNotParkedIsRefusedAndNothingChanges) {
  attach("a1");
  auto parked = submit(spec(true, 0));
  fail_until_settled("boom");
  auto pending = submit(spec(true, 0, "nobody-runs-it"));
  auto r = core.retry_parked(RetryParked{{parked, pending}, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_EQ(core.get(parked)->state, TaskState::PARKED);  // all or none
  auto d = core.discard_parked(DiscardParked{{"t999"}, "", ""});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::NOT_FOUND);
  auto both = core.retry_parked(RetryParked{{parked}, "flaky"});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code, ErrorCode::INVALID_ARGUMENT);
  auto neither = core.discard_parked(DiscardParked{{}, "", ""});
  ASSERT_FALSE(neither.ok());
  EXPECT_EQ(neither.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(core.get(parked)->state, TaskState::PARKED);
}

TEST_F(ParkedTaskTest, ByTypeEveryParkedTaskOfThatTypeIsRetried) {
  attach("a1", 8);
  auto a = submit(spec(true, 0, "flaky"));
  auto b = submit(spec(true, 0, "flaky"));
  auto other = submit(spec(true, 0, "other"));
  fail_until_settled("boom");
  auto ok = core.retry_parked(RetryParked{{}, "flaky"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->task_ids, (std::vector<std::string>{a, b}));
  EXPECT_FALSE(ok->more);
  EXPECT_EQ(core.get(other)->state, TaskState::PARKED);
}

TEST_F(ParkedTaskTest, ACancelOfAParkedTaskIsItsDiscard) {
  attach("a1");
  auto id = submit(spec(true, 0));
  fail_until_settled("boom");
  auto ok = core.cancel(Cancel{id, "by hand"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->state, TaskState::CANCELLED);
}

TEST_F(ParkedTaskTest, AReloadFromTheStoreKeepsTheTaskParkedAndRetryable) {
  attach("a1");
  auto id = submit(spec(true, 0));
  fail_until_settled("boom");
  std::map<std::uint64_t, std::string> stored;
  core.drain_dirty([&](TaskRecord& t) { stored[t.seq] = encode_task_record(t); });
  SchedulerCore again{clock, CoreOptions{100, 1000, 10}};
  for (const auto& [seq, bytes] : stored) {
    auto record = decode_task_record(seq, bytes);
    ASSERT_TRUE(record.ok());
    again.restore(std::move(*record));
  }
  again.finish_restore();
  ASSERT_TRUE(again.check_invariants().ok()) << again.check_invariants().error().to_string();
  EXPECT_EQ(again.get(id)->state, TaskState::PARKED);
  EXPECT_EQ(again.get(id)->error, "boom 1");
  EXPECT_EQ(again.parked_count(), 1u);
  AgentSpec agent;
  agent.agent_id = "a2";
  agent.capacity = 1;
  again.attach("ident-a2", agent);
  again.tick();
  bool assigned_any = false;
  for (auto& m : again.outbox().to_agents) assigned_any = assigned_any || m.envelope.type == MsgType::ASSIGN;
  EXPECT_FALSE(assigned_any);  // a parked task waits for RETRY_PARKED
  ASSERT_TRUE(again.retry_parked(RetryParked{{id}, ""}).ok());
  again.outbox().clear();
  again.tick();
  for (auto& m : again.outbox().to_agents) assigned_any = assigned_any || m.envelope.type == MsgType::ASSIGN;
  EXPECT_TRUE(assigned_any);
  EXPECT_TRUE(again.check_invariants().ok());
}

}  // namespace
}  // namespace orion::scheduler
