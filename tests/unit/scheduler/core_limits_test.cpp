// Limits in the scheduler core (core_limits.cpp; protocol.md section 18) in simulated time: a
// concurrency limit is never exceeded, also across retries, agent loss, lease expiry and cancel;
// a held task does not block other work and says why it waits; a rate limit spaces the starts;
// a rule change releases the waits; a new term counts the leased tasks again.
#include <gtest/gtest.h>

#include <map>

#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {
namespace {

class CoreLimitsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  static TaskSpec spec(std::vector<std::string> keys, std::int64_t retries = 0, std::int64_t timeout_ms = 0) {
    TaskSpec s;
    s.type = "echo";
    s.limit_keys = std::move(keys);
    s.retries = retries;
    s.retry.initial_ms = 100;
    s.timeout_ms = timeout_ms;
    return s;
  }
  std::string submit(SchedulerCore& c, TaskSpec s) {
    auto r = c.submit("r" + std::to_string(++n_), std::move(s));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? r->task_id : "";
  }
  static void attach(SchedulerCore& c, const std::string& id, std::int64_t capacity = 4) {
    AgentSpec a;
    a.agent_id = id;
    a.capacity = capacity;
    c.attach("ident-" + id, a);
  }
  // Task ids assigned since the last call.
  static std::vector<std::string> assigned(SchedulerCore& c) {
    std::vector<std::string> out;
    for (auto& m : c.outbox().to_agents) {
      if (m.envelope.type == MsgType::ASSIGN) out.push_back(Assign::from_body(body_of(m.envelope))->task_id);
    }
    c.outbox().clear();
    return out;
  }
  // Tasks holding key now (ASSIGNED or RUNNING), counted from the tasks themselves.
  static std::int64_t holding(const SchedulerCore& c, const std::string& key) {
    std::int64_t n = 0;
    for (const auto& [seq, t] : c.tasks()) {
      if (!is_leased(t.state)) continue;
      for (const auto& k : t.spec.limit_keys) n += k == key;
    }
    return n;
  }
  void finish(SchedulerCore& c, const std::string& id, bool ok = true) {
    auto v = c.get(id);
    ASSERT_TRUE(v.ok());
    TaskResult r;
    r.task_id = id;
    r.attempt = v->attempt;
    r.ok = ok;
    r.error = ok ? "" : "boom";
    EXPECT_TRUE(c.result(r).accepted);
  }
  void check(SchedulerCore& c) {
    auto s = c.check_invariants();
    ASSERT_TRUE(s.ok()) << s.error().to_string();
  }

  int n_ = 0;
  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100, 1000, 10}};
};

TEST_F(CoreLimitsTest, AConcurrencyLimitIsNeverExceededAcrossAgentsAndEveryTaskRuns) {
  ASSERT_TRUE(core.set_limit({"customer-42", 2, 0, 0}).ok());
  for (const char* a : {"a1", "a2", "a3"}) attach(core, a);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(submit(core, spec({"customer-42"})));
  std::vector<std::string> running;
  std::size_t done = 0;
  for (int round = 0; round < 100 && done < ids.size(); ++round) {
    core.tick();
    for (auto& id : assigned(core)) running.push_back(id);
    EXPECT_LE(holding(core, "customer-42"), 2);
    EXPECT_EQ(core.limits().running("customer-42"), holding(core, "customer-42"));
    check(core);
    if (!running.empty()) {
      finish(core, running.front());
      running.erase(running.begin());
      ++done;
    }
    clock.advance(10);
  }
  EXPECT_EQ(done, ids.size());
  for (auto& id : ids) EXPECT_EQ(core.get(id)->state, TaskState::COMPLETED) << id;
}

TEST_F(CoreLimitsTest, AHeldTaskLeavesTheQueueSaysWhyAndDoesNotBlockOtherWork) {
  ASSERT_TRUE(core.set_limit({"customer-42", 1, 0, 0}).ok());
  attach(core, "a1");
  auto first = submit(core, spec({"customer-42"}));
  auto held = submit(core, spec({"customer-42"}));
  auto other = submit(core, spec({}));
  auto other_key = submit(core, spec({"customer-7"}));
  core.tick();
  auto got = assigned(core);
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(core.get(held)->state, TaskState::PENDING);
  EXPECT_EQ(core.get(held)->reason, "limit customer-42: 1 of 1 running");
  EXPECT_EQ(core.get(other)->state, TaskState::ASSIGNED);
  EXPECT_EQ(core.get(other_key)->state, TaskState::ASSIGNED);
  EXPECT_EQ(core.limit_waiting(), 1u);
  // The held task is not in a ready queue: the stats count it PENDING, dispatch passes it by.
  EXPECT_EQ(core.ready_count(), 0u);
  // A release takes it back: assigned in the next dispatch.
  finish(core, first);
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{held});
  EXPECT_EQ(core.limit_waiting(), 0u);
}

TEST_F(CoreLimitsTest, RetriesAgentLossLeaseExpiryAndCancelEachReleaseTheKey) {
  ASSERT_TRUE(core.set_limit({"k", 1, 0, 0}).ok());
  attach(core, "a1");
  attach(core, "a2");
  auto a = submit(core, spec({"k"}, /*retries=*/1));
  auto b = submit(core, spec({"k"}, 0, /*timeout_ms=*/500));
  auto c = submit(core, spec({"k"}));
  auto d = submit(core, spec({"k"}));
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{a});
  EXPECT_EQ(core.limit_waiting(), 3u);

  // A failed attempt that will be retried: the key is free for the next waiter at once.
  finish(core, a, /*ok=*/false);
  EXPECT_EQ(core.limits().running("k"), 0);
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{b});
  EXPECT_LE(holding(core, "k"), 1);

  // Lease expiry (the attempt's timeout): TIMEOUT, and the key goes to the next one.
  clock.advance(500);
  core.tick();
  EXPECT_EQ(core.get(b)->state, TaskState::TIMEOUT);
  auto next = assigned(core);
  ASSERT_EQ(next.size(), 1u);  // the retry of a is due too (after 100 ms): one of them, never both
  EXPECT_EQ(holding(core, "k"), 1);
  check(core);

  // The agent holding it is lost: re-queued, and the key is free again.
  const std::string agent = core.get(next[0])->assigned_agent;
  core.agent_unreachable(agent);
  EXPECT_EQ(core.limits().running("k"), 0);
  core.tick();
  auto after_loss = assigned(core);
  ASSERT_EQ(after_loss.size(), 1u);
  EXPECT_EQ(holding(core, "k"), 1);
  attach(core, agent);

  // Cancel the running one: the next gets it.
  ASSERT_TRUE(core.cancel(Cancel{after_loss[0], "no"}).ok());
  EXPECT_EQ(core.limits().running("k"), 0);
  core.tick();
  auto after_cancel = assigned(core);
  ASSERT_EQ(after_cancel.size(), 1u);
  // Cancel a waiting one: out of the wait, nothing else changes.
  for (const auto& id : {a, c, d}) {
    if (core.get(id)->state == TaskState::PENDING) {
      ASSERT_TRUE(core.cancel(Cancel{id, "no"}).ok());
    }
  }
  EXPECT_EQ(core.limit_waiting(), 0u);
  EXPECT_EQ(holding(core, "k"), 1);
  finish(core, after_cancel[0]);
  EXPECT_EQ(core.limits().running("k"), 0);
}

TEST_F(CoreLimitsTest, AnAdoptedLeaseThatNoAgentClaimsReleasesItsKey) {
  ASSERT_TRUE(core.set_limit({"k", 1, 0, 0}).ok());
  attach(core, "a1");
  auto a = submit(core, spec({"k"}));
  core.tick();
  ASSERT_EQ(assigned(core), std::vector<std::string>{a});
  std::vector<std::string> stored;
  core.drain_dirty([&](TaskRecord& t) { stored.push_back(encode_task_record(t)); });
  // A restart: the lease is adopted (counted) until its grace ends, then fenced off.
  SchedulerCore again{clock, CoreOptions{100, 1000, 10}};
  ASSERT_TRUE(again.set_limit({"k", 1, 0, 0}).ok());
  for (auto& bytes : stored) again.restore(*decode_task_record(1, bytes));
  again.finish_restore();
  EXPECT_EQ(again.limits().running("k"), 1);
  auto b = submit(again, spec({"k"}));
  attach(again, "a2");
  again.tick();
  EXPECT_TRUE(assigned(again).empty());
  EXPECT_EQ(again.get(b)->reason, "limit k: 1 of 1 running");
  clock.advance(100 * 1000 + 1);  // the grace: heartbeat_ms * liveness (a2 is lost too: unheard as long)
  again.tick();
  EXPECT_EQ(again.limits().running("k"), 0);
  attach(again, "a3");
  again.tick();
  EXPECT_EQ(holding(again, "k"), 1);  // a fenced and re-queued, b (or a again) started: one at a time
  EXPECT_EQ(again.limits().running("k"), 1);
  check(again);
}

TEST_F(CoreLimitsTest, ARateLimitSpacesTheStartsAndSaysWhenTheNextComes) {
  ASSERT_TRUE(core.set_limit({"api", 0, 2, 1000}).ok());
  attach(core, "a1", 100);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(submit(core, spec({"api"})));
  core.tick();
  auto burst = assigned(core);
  EXPECT_EQ(burst.size(), 2u);  // the bucket starts full: a burst of `rate`
  EXPECT_EQ(core.get(ids[2])->reason, "rate limit api: 2 per 1000 ms, next in 500 ms");
  for (auto& id : burst) finish(core, id);
  std::vector<std::int64_t> starts;
  for (int ms = 0; ms < 2000; ms += 10) {
    clock.advance(10);
    core.tick();
    for (auto& id : assigned(core)) {
      starts.push_back(clock.now_ms());
      finish(core, id);
    }
  }
  ASSERT_EQ(starts.size(), 4u);
  for (std::size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 1], 500);
  EXPECT_LE(starts[0] - 1000, 510);  // the first token after the burst comes 500 ms in
}

TEST_F(CoreLimitsTest, RaisingOrDeletingARuleReleasesTheTasksItHeld) {
  ASSERT_TRUE(core.set_limit({"customer-*", 1, 0, 0}).ok());
  attach(core, "a1", 100);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(submit(core, spec({"customer-1"})));
  for (int i = 0; i < 3; ++i) ids.push_back(submit(core, spec({"customer-2"})));
  core.tick();
  EXPECT_EQ(assigned(core).size(), 2u);  // one per customer: a prefix rule limits each key
  EXPECT_EQ(core.limit_waiting(), 5u);
  auto view = core.limit_view(core.limits().rules()[0]);
  EXPECT_EQ(view.running, 2);
  EXPECT_EQ(view.keys_held, 2);
  EXPECT_EQ(view.waiting, 5);
  ASSERT_TRUE(core.set_limit({"customer-*", 3, 0, 0}).ok());
  core.tick();
  EXPECT_EQ(assigned(core).size(), 4u);  // two more each
  EXPECT_EQ(holding(core, "customer-1"), 3);
  EXPECT_EQ(core.limit_waiting(), 1u);
  check(core);
  EXPECT_TRUE(core.delete_limit("customer-*"));
  EXPECT_FALSE(core.delete_limit("customer-*"));
  core.tick();
  EXPECT_EQ(assigned(core).size(), 1u);
  EXPECT_EQ(core.limit_waiting(), 0u);
  // Counts are kept for keys without a rule: a rule set now sees what runs.
  EXPECT_EQ(core.limits().running("customer-1"), 4);
  ASSERT_TRUE(core.set_limit({"customer-1", 4, 0, 0}).ok());
  auto more = submit(core, spec({"customer-1"}));
  core.tick();
  EXPECT_TRUE(assigned(core).empty());
  EXPECT_EQ(core.get(more)->reason, "limit customer-1: 4 of 4 running");
}

TEST_F(CoreLimitsTest, ATaskWithTwoKeysWaitsForBoth) {
  ASSERT_TRUE(core.set_limit({"a", 1, 0, 0}).ok());
  ASSERT_TRUE(core.set_limit({"b", 1, 0, 0}).ok());
  attach(core, "a1", 100);
  auto x = submit(core, spec({"a"}));
  auto y = submit(core, spec({"b"}));
  auto both = submit(core, spec({"a", "b"}));
  core.tick();
  EXPECT_EQ(assigned(core).size(), 2u);
  finish(core, x);
  core.tick();
  EXPECT_TRUE(assigned(core).empty());  // a is free now, b is not
  EXPECT_EQ(core.get(both)->reason, "limit b: 1 of 1 running");
  finish(core, y);
  core.tick();
  EXPECT_EQ(assigned(core), std::vector<std::string>{both});
}

TEST_F(CoreLimitsTest, ANewLeaderCountsTheLeasedTasksAndStartsEveryBucketEmpty) {
  ASSERT_TRUE(core.set_limit({"k", 2, 0, 0}).ok());
  ASSERT_TRUE(core.set_limit({"r", 0, 1, 1000}).ok());
  attach(core, "a1");
  auto a = submit(core, spec({"k"}));
  auto b = submit(core, spec({"k"}));
  core.tick();
  EXPECT_EQ(assigned(core).size(), 2u);
  // A follower became the leader: it applies the leader's records, then promote().
  SchedulerCore standby{clock, CoreOptions{100, 1000, 10}};
  ASSERT_TRUE(standby.set_limit({"k", 2, 0, 0}).ok());
  ASSERT_TRUE(standby.set_limit({"r", 0, 1, 1000}).ok());
  core.drain_dirty([&](TaskRecord& t) { standby.apply_record(*decode_task_record(t.seq, encode_task_record(t))); });
  check(standby);
  clock.advance(5'000);
  standby.promote();
  EXPECT_EQ(standby.limits().running("k"), 2);
  attach(standby, "a1");  // its attempts are claimed again in its report: here not, so fenced at once
  auto c = submit(standby, spec({"k"}));
  auto d = submit(standby, spec({"r"}));
  standby.tick();
  for (auto& id : assigned(standby)) EXPECT_NE(id, d) << "a rate limit waits a period after a new term";
  EXPECT_LE(holding(standby, "k"), 2);
  EXPECT_EQ(standby.get(d)->state, TaskState::PENDING);
  clock.advance(1000);
  standby.tick();
  EXPECT_EQ(standby.get(d)->state, TaskState::ASSIGNED);
  check(standby);
  (void)a, (void)b, (void)c;
  // Demoted again: nothing held back, nothing counted.
  standby.demote();
  EXPECT_EQ(standby.limit_waiting(), 0u);
  EXPECT_EQ(standby.limits().running("k"), 0);
  check(standby);
}

TEST_F(CoreLimitsTest, BadLimitKeysAreRefusedAndChangeNothing) {
  for (const Json& keys : {Json{"has space"}, Json{""}, Json{std::string(129, 'x')}, Json{"k", "k"},
                           Json{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, Json{"c-*"}}) {
    auto s = TaskSpec::from_json(Json{{"type", "echo"}, {"limit_keys", keys}});
    ASSERT_FALSE(s.ok()) << keys.dump();
    EXPECT_EQ(s.error().code, ErrorCode::INVALID_ARGUMENT) << keys.dump();
    EXPECT_NE(s.error().message.find("limit_keys"), std::string::npos) << s.error().message;
  }
  auto good = TaskSpec::from_json(Json{{"type", "echo"}, {"limit_keys", {"customer-42", "api.example.com:443", "a_b"}}});
  ASSERT_TRUE(good.ok()) << good.error().to_string();
  EXPECT_EQ(good->limit_keys.size(), 3u);
  EXPECT_EQ(TaskSpec::from_json(good->to_json())->limit_keys, good->limit_keys);
  // A rule that limits nothing, or a bad pattern, is refused.
  EXPECT_FALSE(core.set_limit({"k", 0, 0, 0}).ok());
  EXPECT_FALSE(core.set_limit({"a*b", 1, 0, 0}).ok());
  EXPECT_TRUE(core.limits().rules().empty());
}

}  // namespace
}  // namespace orion::scheduler
