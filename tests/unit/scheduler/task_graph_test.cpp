// SchedulerCore's task model beyond one task: dependencies, batches, retries, cancellation,
// priorities and ageing, selection rules, unschedulable tasks. Simulated time throughout.
#include <gtest/gtest.h>

#include "services/scheduler/retry_policy.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {
namespace {

class TaskGraphTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  static TaskSpec spec(const std::string& type, std::vector<std::string> caps = {}, Priority p = Priority::NORMAL) {
    TaskSpec s;
    s.type = type;
    s.capabilities = std::move(caps);
    s.priority = p;
    return s;
  }
  std::string submit(TaskSpec s) {
    auto r = core.submit("r" + std::to_string(++requests), std::move(s));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->task_id : "";
  }
  void attach(const std::string& id, std::vector<std::string> caps = {}, int capacity = 1) {
    AgentSpec a;
    a.agent_id = id;
    a.capabilities = std::move(caps);
    a.capacity = capacity;
    core.attach("ident-" + id, a);
  }
  // Ticks and returns the ASSIGN messages sent, in order.
  std::vector<Assign> tick() {
    core.tick();
    std::vector<Assign> out;
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type == MsgType::ASSIGN) out.push_back(*Assign::from_body(body_of(m.envelope)));
    }
    cancels.clear();
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type == MsgType::CANCEL_TASK) cancels.push_back(*CancelTask::from_body(body_of(m.envelope)));
    }
    core.outbox().clear();
    return out;
  }
  void complete(const Assign& a, Json output = Json("ok")) {
    ASSERT_TRUE(core.result(TaskResult{a.task_id, a.attempt, true, std::move(output), ""}).accepted);
  }
  void fail(const Assign& a, const std::string& why = "boom") {
    ASSERT_TRUE(core.result(TaskResult{a.task_id, a.attempt, false, Json(), why}).accepted);
  }
  TaskView view(const std::string& id) { return *core.get(id); }
  std::map<std::string, std::string> batch(std::vector<BatchEntry> entries) {
    auto r = core.submit_batch("b" + std::to_string(++requests), std::move(entries));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->task_ids : std::map<std::string, std::string>{};
  }
  static BatchEntry entry(const std::string& key, std::vector<std::string> deps, const std::string& type = "echo") {
    BatchEntry e{key, spec(type)};
    e.spec.depends_on = std::move(deps);
    return e;
  }

  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100'000, 3, 100, 10'000, 0}};  // heartbeats far apart: agents never expire here
  int requests = 0;
  std::vector<CancelTask> cancels;
};

TEST_F(TaskGraphTest, ADependantRunsOnlyAfterItsDependencyCompletedAndReceivesItsOutput) {
  attach("a", {}, 4);
  auto first = submit(spec("echo"));
  auto s = spec("echo");
  s.depends_on = {first};
  auto second = submit(s);
  auto a = tick();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].task_id, first);
  EXPECT_EQ(view(second).waiting_on, std::vector<std::string>{first});
  EXPECT_NE(view(second).reason.find("waiting on dependencies: " + first), std::string::npos);
  complete(a[0], Json{{"rows", 3}});
  a = tick();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].task_id, second);
  EXPECT_EQ(a[0].deps, (Json{{first, {{"rows", 3}}}}));
}

TEST_F(TaskGraphTest, AnUnknownDependencyIsRefusedAndNamed) {
  auto s = spec("echo");
  s.depends_on = {"t404"};
  auto r = core.submit("x", s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(r.error().message.find("t404"), std::string::npos);
  EXPECT_EQ(core.task_count(), 0u);
}

TEST_F(TaskGraphTest, IndependentReadyTasksRunInParallel) {
  attach("a", {}, 2);
  attach("b", {}, 2);
  for (int i = 0; i < 4; ++i) submit(spec("echo"));
  EXPECT_EQ(tick().size(), 4u);
}

TEST_F(TaskGraphTest, AFailedDependencyFailsItsDependantsTransitivelyNamingTheCause) {
  attach("a", {}, 4);
  auto ids = batch({entry("collect", {}), entry("process", {"collect"}), entry("train", {"process"})});
  auto a = tick();
  ASSERT_EQ(a.size(), 1u);
  fail(a[0], "disk full");
  EXPECT_EQ(view(ids["collect"]).state, TaskState::FAILED);
  auto p = view(ids["process"]);
  EXPECT_EQ(p.state, TaskState::FAILED);
  EXPECT_NE(p.error.find("dependency " + ids["collect"] + " ended FAILED"), std::string::npos) << p.error;
  auto t = view(ids["train"]);
  EXPECT_EQ(t.state, TaskState::FAILED);
  EXPECT_NE(t.error.find(ids["process"]), std::string::npos) << t.error;
  EXPECT_NE(t.error.find("root cause " + ids["collect"]), std::string::npos) << t.error;
}

TEST_F(TaskGraphTest, DependingOnATaskThatAlreadyFailedFailsAtOnce) {
  attach("a");
  auto root = submit(spec("fail"));
  fail(tick().at(0));
  auto s = spec("echo");
  s.depends_on = {root};
  auto late = submit(s);
  EXPECT_EQ(view(late).state, TaskState::FAILED);
  EXPECT_NE(view(late).error.find(root), std::string::npos);
}

TEST_F(TaskGraphTest, ABatchWithACycleIsRefusedWholeNamingTheKeysOnTheCycle) {
  std::vector<BatchEntry> entries = {entry("ok", {}), entry("a", {"c"}), entry("b", {"a"}), entry("c", {"b"}),
                                     entry("after", {"c"})};
  auto r = core.submit_batch("cyc", entries);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  for (const char* k : {"a", "b", "c"}) EXPECT_NE(r.error().message.find(k), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("dependency cycle"), std::string::npos);
  EXPECT_EQ(r.error().message.find("ok"), std::string::npos) << "keys off the cycle are not named";
  EXPECT_EQ(core.task_count(), 0u);
}

TEST_F(TaskGraphTest, ABatchNamesDependenciesByKeyOrByExistingIdAndIsAnsweredAgainOnRetry) {
  attach("a", {}, 8);
  auto old = submit(spec("echo"));
  auto ids = core.submit_batch("same", {entry("x", {old}), entry("y", {"x"})});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(view(ids->task_ids["y"]).spec.depends_on, std::vector<std::string>{ids->task_ids["x"]});
  auto again = core.submit_batch("same", {entry("x", {old}), entry("y", {"x"})});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->task_ids, ids->task_ids);
  EXPECT_EQ(core.task_count(), 3u);
}

TEST_F(TaskGraphTest, DuplicateKeysAndUnknownDependenciesRefuseTheWholeBatch) {
  auto dup = core.submit_batch("d", {entry("a", {}), entry("a", {})});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("'a' is used twice"), std::string::npos);
  auto unknown = core.submit_batch("u", {entry("a", {}), entry("b", {"nope"})});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown dependency 'nope'"), std::string::npos);
  EXPECT_EQ(core.task_count(), 0u);
}

TEST_F(TaskGraphTest, FailuresAreRetriedAfterExactlyTheFixedDelayUntilTheRetriesAreSpent) {
  attach("a");
  auto s = spec("flaky");
  s.retries = 2;
  s.retry.kind = BackoffKind::FIXED;
  s.retry.initial_ms = 500;
  auto id = submit(s);
  fail(tick().at(0));
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  EXPECT_EQ(view(id).failures, 1);
  clock.advance(499);
  EXPECT_TRUE(tick().empty()) << "retried before its delay";
  clock.advance(1);
  auto a = tick();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].attempt, 2);
  fail(a[0]);
  clock.advance(500);
  a = tick();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].attempt, 3);
  fail(a[0]);
  EXPECT_EQ(view(id).state, TaskState::FAILED);
  EXPECT_EQ(view(id).failures, 3);
}

TEST_F(TaskGraphTest, ExponentialBackoffDoublesUpToItsCap) {
  RetryPolicy p;
  p.kind = BackoffKind::EXPONENTIAL;
  p.initial_ms = 100;
  p.max_ms = 1000;
  p.multiplier = 2;
  EXPECT_EQ(retry_delay_ms(p, 1, 1), 100);
  EXPECT_EQ(retry_delay_ms(p, 1, 2), 200);
  EXPECT_EQ(retry_delay_ms(p, 1, 3), 400);
  EXPECT_EQ(retry_delay_ms(p, 1, 4), 800);
  EXPECT_EQ(retry_delay_ms(p, 1, 5), 1000);
  EXPECT_EQ(retry_delay_ms(p, 1, 60), 1000);
}

TEST_F(TaskGraphTest, JitterShortensTheDelayWithinItsBoundAndIsTheSameForTheSameTaskAndRetry) {
  RetryPolicy p;
  p.kind = BackoffKind::FIXED;
  p.initial_ms = 1000;
  p.jitter = 0.5;
  bool varied = false;
  for (std::uint64_t seq = 1; seq < 200; ++seq) {
    auto d = retry_delay_ms(p, seq, 1);
    EXPECT_GE(d, 500);  // (500, 1000] before rounding down to whole ms
    EXPECT_LE(d, 1000);
    EXPECT_EQ(d, retry_delay_ms(p, seq, 1));
    varied |= d != retry_delay_ms(p, 1, 1);
  }
  EXPECT_TRUE(varied);
}

TEST_F(TaskGraphTest, TheRetryDelayInTheSchedulerFollowsTheExponentialPolicy) {
  attach("a");
  auto s = spec("flaky");
  s.retries = 3;
  s.retry.kind = BackoffKind::EXPONENTIAL;
  s.retry.initial_ms = 100;
  s.retry.max_ms = 10'000;
  submit(s);
  fail(tick().at(0));
  for (std::int64_t expected : {100, 200, 400}) {
    clock.advance(expected - 1);
    ASSERT_TRUE(tick().empty()) << "early at " << expected - 1;
    clock.advance(1);
    auto a = tick();
    ASSERT_EQ(a.size(), 1u) << "not retried at " << expected;
    if (expected != 400) fail(a[0]);
  }
}

TEST_F(TaskGraphTest, CancellingAPendingTaskEndsItAtOnceAndFailsItsDependants) {
  auto ids = batch({entry("a", {}), entry("b", {"a"})});
  auto r = core.cancel(Cancel{ids["a"], "not needed"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, TaskState::CANCELLED);
  EXPECT_EQ(r->also_ended, std::vector<std::string>{ids["b"]});
  EXPECT_EQ(view(ids["b"]).state, TaskState::FAILED);
  EXPECT_NE(view(ids["b"]).error.find(ids["a"] + " ended CANCELLED"), std::string::npos);
  attach("x");
  EXPECT_TRUE(tick().empty()) << "a cancelled task is never assigned";
}

TEST_F(TaskGraphTest, CancellingARunningTaskTellsItsAgentAndRejectsItsLateResult) {
  attach("a");
  auto id = submit(spec("sleep"));
  auto a = tick().at(0);
  core.progress(TaskProgress{id, 1, 10, ""});
  auto r = core.cancel(Cancel{id, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, TaskState::CANCELLED);
  ASSERT_EQ(core.outbox().to_agents.size(), 1u);
  EXPECT_EQ(core.outbox().to_agents[0].envelope.type, MsgType::CANCEL_TASK);
  core.outbox().clear();
  EXPECT_FALSE(core.result(TaskResult{id, a.attempt, true, Json(1), ""}).accepted);
  EXPECT_EQ(view(id).state, TaskState::CANCELLED);
}

TEST_F(TaskGraphTest, CancellingAFinishedTaskChangesNothing) {
  attach("a");
  auto id = submit(spec("echo"));
  complete(tick().at(0));
  auto r = core.cancel(Cancel{id, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, TaskState::COMPLETED);
  EXPECT_EQ(core.cancel(Cancel{"t999", ""}).error().code, ErrorCode::NOT_FOUND);
}

TEST_F(TaskGraphTest, ALowTaskWaitingLongEnoughIsServedUnderASteadyUrgentLoad) {
  attach("a");
  auto low = submit(spec("echo", {}, Priority::LOW));
  // One URGENT task arrives every second, one slot serves one task a second. With ageing_ms =
  // 10 s, LOW overtakes fresh URGENT work after 4 levels * 10 s.
  bool served = false;
  int seconds = 0;
  for (; seconds < 60 && !served; ++seconds) {
    submit(spec("echo", {}, Priority::URGENT));
    for (auto& a : tick()) {
      served |= a.task_id == low;
      complete(a);
    }
    clock.advance(1000);
  }
  EXPECT_TRUE(served);
  EXPECT_GE(seconds, 40) << "LOW was served before it had aged past URGENT";
  EXPECT_LE(seconds, 42);
}

TEST_F(TaskGraphTest, ATaskInheritsTheHighestPriorityOfTheTasksWaitingOnIt) {
  auto low = submit(spec("echo", {}, Priority::LOW));
  auto other = submit(spec("echo", {}, Priority::HIGH));
  auto s = spec("echo", {}, Priority::URGENT);
  s.depends_on = {low};
  auto urgent = submit(s);
  EXPECT_EQ(view(low).effective_priority, Priority::URGENT);
  attach("a");
  EXPECT_EQ(tick().at(0).task_id, low) << "the inherited URGENT beats HIGH";
  EXPECT_EQ(view(other).state, TaskState::PENDING);
  EXPECT_EQ(view(urgent).state, TaskState::PENDING);
}

TEST_F(TaskGraphTest, ReprioritizingAQueuedTaskChangesItsPlace) {
  auto a = submit(spec("echo", {}, Priority::NORMAL));
  auto b = submit(spec("echo", {}, Priority::NORMAL));
  auto r = core.reprioritize(Reprioritize{b, Priority::CRITICAL});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->effective_priority, Priority::CRITICAL);
  attach("x");
  EXPECT_EQ(tick().at(0).task_id, b);
  EXPECT_EQ(view(a).state, TaskState::PENDING);
  EXPECT_EQ(core.reprioritize(Reprioritize{"t999", Priority::LOW}).error().code, ErrorCode::NOT_FOUND);
  auto assigned = core.reprioritize(Reprioritize{b, Priority::LOW});
  ASSERT_FALSE(assigned.ok());
  EXPECT_EQ(assigned.error().code, ErrorCode::FAILED_PRECONDITION);
}

TEST_F(TaskGraphTest, LoweringADependantsPriorityLowersWhatItHadLentItsDependency) {
  auto dep = submit(spec("echo", {}, Priority::LOW));
  auto s = spec("echo", {}, Priority::URGENT);
  s.depends_on = {dep};
  auto top = submit(s);
  ASSERT_EQ(view(dep).effective_priority, Priority::URGENT);
  ASSERT_TRUE(core.reprioritize(Reprioritize{top, Priority::HIGH}).ok());
  EXPECT_EQ(view(dep).effective_priority, Priority::HIGH);
}

TEST_F(TaskGraphTest, AnExcludedAgentIsNeverChosenAndAPreferredOneIsChosenFirst) {
  attach("a", {"x"}, 4);
  attach("b", {"x"}, 4);
  attach("c", {"x"}, 4);
  auto s = spec("echo", {"x"});
  s.excluded_agents = {"a", "b"};
  auto excl = submit(s);
  auto p = spec("echo", {"x"});
  p.preferred_agents = {"b"};
  auto pref = submit(p);
  std::map<std::string, std::string> where;
  for (auto& a : tick()) where[a.task_id] = view(a.task_id).assigned_agent;
  EXPECT_EQ(where[excl], "c");
  EXPECT_EQ(where[pref], "b");
  EXPECT_NE(view(pref).reason.find("preferred"), std::string::npos);
}

TEST_F(TaskGraphTest, ATaskWhoseOnlyCapableAgentIsExcludedSaysSo) {
  attach("a", {"x"});
  auto s = spec("echo", {"x"});
  s.excluded_agents = {"a"};
  auto id = submit(s);
  EXPECT_TRUE(tick().empty());
  EXPECT_NE(view(id).reason.find("no live agent has capabilities [x] (excluding a)"), std::string::npos)
      << view(id).reason;
}

TEST_F(TaskGraphTest, AmongEquallyLoadedAgentsTheBetterPerformerWins) {
  attach("good", {}, 1);
  attach("bad", {}, 1);
  // Teach the pool: "bad" failed, "good" succeeded.
  core.pool().record_outcome("bad", false, false, 100);
  core.pool().record_outcome("good", true, false, 100);
  auto id = submit(spec("echo"));
  ASSERT_EQ(tick().size(), 1u);
  EXPECT_EQ(view(id).assigned_agent, "good");
}

TEST_F(TaskGraphTest, ATaskNoAgentCanServeFailsAfterItsUnschedulableTimeoutNotBefore) {
  auto s = spec("echo", {"gpu"});
  s.unschedulable_timeout_ms = 5000;
  auto id = submit(s);
  auto patient = submit(spec("echo", {"gpu"}));  // scheduler default: never
  tick();
  clock.advance(4999);
  tick();
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  clock.advance(1001);  // sweeps run once a second
  tick();
  EXPECT_EQ(view(id).state, TaskState::FAILED);
  EXPECT_NE(view(id).error.find("unschedulable: no live agent has capabilities [gpu]"), std::string::npos);
  EXPECT_EQ(view(patient).state, TaskState::PENDING);
}

TEST_F(TaskGraphTest, TasksOfOneClassWithDifferentUnschedulableLimitsEachFailAtTheirOwn) {
  auto long_limit = spec("echo", {"gpu"});
  long_limit.unschedulable_timeout_ms = 10'000;
  auto slow = submit(long_limit);
  tick();  // the class has had no capable agent since now
  clock.advance(2000);
  tick();
  auto short_limit = spec("echo", {"gpu"});
  short_limit.unschedulable_timeout_ms = 3000;
  auto quick = submit(short_limit);  // a shorter limit than the class's bound so far
  clock.advance(1000);
  tick();
  EXPECT_EQ(view(quick).state, TaskState::FAILED) << "3 s without a capable agent";
  EXPECT_EQ(view(slow).state, TaskState::PENDING);
  clock.advance(6999);
  tick();
  EXPECT_EQ(view(slow).state, TaskState::PENDING);
  clock.advance(1001);
  tick();
  EXPECT_EQ(view(slow).state, TaskState::FAILED) << "10 s without a capable agent";
}

TEST_F(TaskGraphTest, TheSameIdempotencyKeyReturnsTheFirstTask) {
  auto s = spec("echo");
  s.idempotency_key = "order-17";
  auto first = core.submit("r1", s);
  auto second = core.submit("r2", s);
  EXPECT_EQ(first->task_id, second->task_id);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(core.task_count(), 1u);
}

TEST_F(TaskGraphTest, ListFiltersByStateTypeAndPriorityAndPages) {
  attach("a");
  for (int i = 0; i < 5; ++i) submit(spec(i % 2 ? "odd" : "even", {}, i < 2 ? Priority::HIGH : Priority::LOW));
  complete(tick().at(0));
  ListTasks q;
  q.types = {"even"};
  EXPECT_EQ(core.list(q)->tasks.size(), 3u);
  q = ListTasks{};
  q.states = {TaskState::COMPLETED};
  EXPECT_EQ(core.list(q)->tasks.size(), 1u);
  q = ListTasks{};
  q.priorities = {Priority::LOW};
  EXPECT_EQ(core.list(q)->tasks.size(), 3u);
  q = ListTasks{};
  q.limit = 2;
  auto page = core.list(q);
  ASSERT_EQ(page->tasks.size(), 2u);
  q.after = page->next;
  auto rest = core.list(q);
  EXPECT_EQ(rest->tasks.front().task_id, "t3");
}

TEST_F(TaskGraphTest, HistoryRecordsEveryStateChangeWithItsAttempt) {
  attach("a");
  auto s = spec("flaky");
  s.retries = 1;
  s.retry.initial_ms = 10;
  auto id = submit(s);
  auto a = tick().at(0);
  core.progress(TaskProgress{id, a.attempt, 0, ""});
  fail(a);
  clock.advance(10);
  complete(tick().at(0));
  std::vector<TaskState> states;
  for (const auto& c : view(id).history) states.push_back(c.state);
  EXPECT_EQ(states, (std::vector<TaskState>{TaskState::PENDING, TaskState::ASSIGNED, TaskState::RUNNING,
                                            TaskState::PENDING, TaskState::ASSIGNED, TaskState::COMPLETED}));
  EXPECT_EQ(view(id).history.back().attempt, 2);
}

}  // namespace
}  // namespace orion::scheduler
