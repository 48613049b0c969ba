// SchedulerCore in simulated time: every timeout and lease here is driven by a ManualClock.
#include "services/scheduler/scheduler_core.h"

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

class SchedulerCoreTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = core.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }

  TaskSpec spec(const std::string& type, std::vector<std::string> caps = {}, Priority p = Priority::NORMAL) {
    TaskSpec s;
    s.type = type;
    s.capabilities = std::move(caps);
    s.priority = p;
    s.input = {{"n", 1}};
    return s;
  }
  std::string submit(TaskSpec s, const std::string& rid = "") {
    static int n = 0;
    auto r = core.submit(rid.empty() ? "r" + std::to_string(++n) : rid, std::move(s));
    EXPECT_TRUE(r.ok());
    return r->task_id;
  }
  void attach(const std::string& id, std::vector<std::string> caps, int capacity = 1) {
    AgentSpec a;
    a.agent_id = id;
    a.capabilities = std::move(caps);
    a.capacity = capacity;
    core.attach("ident-" + id, a);
  }
  // The ASSIGN messages sent since the last call, as (agent, task id, attempt).
  std::vector<std::tuple<std::string, std::string, std::int64_t>> assigned() {
    std::vector<std::tuple<std::string, std::string, std::int64_t>> out;
    for (auto& m : core.outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      out.emplace_back(m.agent_id, a->task_id, a->attempt);
    }
    core.outbox().clear();
    return out;
  }
  TaskView view(const std::string& id) { return *core.get(id); }
  void heartbeat(const std::string& id) { ASSERT_TRUE(core.heartbeat("ident-" + id, AgentHeartbeat{id, {}}).ok()); }

  ManualClock clock{1000};
  SchedulerCore core{clock, CoreOptions{100, 3, 10}};
};

TEST_F(SchedulerCoreTest, ASubmittedTaskIsPendingUntilACapableAgentAttaches) {
  auto id = submit(spec("echo", {"text"}));
  core.tick();
  EXPECT_TRUE(assigned().empty());
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  EXPECT_NE(view(id).reason.find("no live agent has capabilities [text]"), std::string::npos);
  attach("a1", {"text"});
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], std::make_tuple(std::string("a1"), id, std::int64_t{1}));
  EXPECT_EQ(view(id).state, TaskState::ASSIGNED);
}

// Memory per queued task (bench/README.md): the fields a task fills only once it is gated, runs
// or ends are allocated by the first of those, not at submit, nor by reading or listing it.
TEST_F(SchedulerCoreTest, AQueuedTaskHoldsNoColdPartUntilItIsAssigned) {
  auto id = submit(spec("echo", {"text"}));
  core.tick();
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  ASSERT_TRUE(core.list(ListTasks{}).ok());
  const std::uint64_t seq = std::stoull(id.substr(1));
  EXPECT_FALSE(core.task(seq)->has_cold());
  attach("a1", {"text"});
  core.tick();
  ASSERT_EQ(assigned().size(), 1u);
  ASSERT_TRUE(core.task(seq)->has_cold());
  EXPECT_EQ(core.task(seq)->cold().assigned_agent, "a1");
  EXPECT_EQ(view(id).assigned_agent, "a1");
}

TEST_F(SchedulerCoreTest, AnAgentIsChosenOnlyIfItHasEveryRequiredCapability) {
  attach("only-a", {"a"});
  attach("a-and-b", {"a", "b"});
  auto id = submit(spec("echo", {"a", "b"}));
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(std::get<0>(a[0]), "a-and-b");
  EXPECT_EQ(view(id).assigned_agent, "a-and-b");
}

TEST_F(SchedulerCoreTest, HigherPriorityIsServedFirstThenSubmissionOrder) {
  auto low = submit(spec("echo", {}, Priority::LOW));
  auto n1 = submit(spec("echo", {}, Priority::NORMAL));
  auto urgent = submit(spec("echo", {}, Priority::URGENT));
  auto n2 = submit(spec("echo", {}, Priority::NORMAL));
  attach("a1", {}, 1);
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    core.tick();
    auto a = assigned();
    ASSERT_EQ(a.size(), 1u);
    order.push_back(std::get<1>(a[0]));
    heartbeat("a1");
    core.result(TaskResult{std::get<1>(a[0]), 1, true, Json(1), ""});
  }
  EXPECT_EQ(order, (std::vector<std::string>{urgent, n1, n2, low}));
}

TEST_F(SchedulerCoreTest, CapacityBoundsConcurrentAssignmentsAndTheLeastLoadedAgentWins) {
  attach("big", {}, 3);
  attach("small", {}, 1);
  for (int i = 0; i < 6; ++i) submit(spec("echo"));
  core.tick();
  std::map<std::string, int> per_agent;
  for (auto& a : assigned()) per_agent[std::get<0>(a)]++;
  EXPECT_EQ(per_agent["big"], 3);
  EXPECT_EQ(per_agent["small"], 1);
  EXPECT_EQ(core.ready_count(), 2u);
}

TEST_F(SchedulerCoreTest, AmongEquallyLoadedAgentsTheLeastRecentlyAssignedGetsTheNextTask) {
  attach("a", {}, 4);
  attach("b", {}, 4);
  // One task at a time, each finished before the next: loads are always equal (zero).
  std::vector<std::string> agents;
  for (int i = 0; i < 4; ++i) {
    auto id = submit(spec("echo"));
    core.tick();
    for (auto& a : assigned()) agents.push_back(std::get<0>(a));
    core.result(TaskResult{id, 1, true, Json(1), ""});
  }
  EXPECT_EQ(agents, (std::vector<std::string>{"a", "b", "a", "b"}));
}

TEST_F(SchedulerCoreTest, ResultsCompleteOrFailTheTaskAndFreeTheSlot) {
  attach("a1", {}, 1);
  auto ok = submit(spec("echo"));
  auto bad = submit(spec("fail"));
  core.tick();
  ASSERT_EQ(assigned().size(), 1u);
  core.progress(TaskProgress{ok, 1, 0, "started"});
  EXPECT_EQ(view(ok).state, TaskState::RUNNING);
  EXPECT_TRUE(core.result(TaskResult{ok, 1, true, Json{{"x", 2}}, ""}).accepted);
  EXPECT_EQ(view(ok).state, TaskState::COMPLETED);
  EXPECT_EQ(view(ok).output, (Json{{"x", 2}}));
  EXPECT_EQ(view(ok).progress, 100);
  core.tick();
  ASSERT_EQ(assigned().size(), 1u);
  EXPECT_TRUE(core.result(TaskResult{bad, 1, false, Json(), "boom"}).accepted);
  EXPECT_EQ(view(bad).state, TaskState::FAILED);
  EXPECT_EQ(view(bad).error, "boom");
}

TEST_F(SchedulerCoreTest, ASecondResultForTheSameAttemptIsRejectedAndChangesNothing) {
  attach("a1", {});
  auto id = submit(spec("echo"));
  core.tick();
  EXPECT_TRUE(core.result(TaskResult{id, 1, true, Json(1), ""}).accepted);
  EXPECT_FALSE(core.result(TaskResult{id, 1, false, Json(), "late"}).accepted);
  EXPECT_EQ(view(id).state, TaskState::COMPLETED);
  EXPECT_EQ(view(id).output, Json(1));
}

TEST_F(SchedulerCoreTest, ALostAgentsTasksAreRequeuedWithTheNextAttemptAndTheOldAttemptIsFenced) {
  attach("a1", {});
  auto id = submit(spec("echo"));
  core.tick();
  ASSERT_EQ(assigned().size(), 1u);
  attach("a2", {});
  // a2 heartbeats, a1 goes silent: lost after heartbeat_ms * liveness = 300 ms, not sooner.
  for (int t = 0; t < 300; t += 50) {
    clock.advance(50);
    heartbeat("a2");
    core.tick();
    ASSERT_EQ(view(id).assigned_agent, "a1") << "lost too early at +" << t + 50 << " ms";
  }
  clock.advance(1);
  heartbeat("a2");
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], std::make_tuple(std::string("a2"), id, std::int64_t{2}));
  EXPECT_FALSE(core.result(TaskResult{id, 1, true, Json("old"), ""}).accepted);
  EXPECT_TRUE(core.result(TaskResult{id, 2, true, Json("new"), ""}).accepted);
  EXPECT_EQ(view(id).output, Json("new"));
}

TEST_F(SchedulerCoreTest, ATaskPastItsTimeoutEndsTimeoutAndItsAgentIsToldToCancel) {
  attach("a1", {});
  auto s = spec("sleep");
  s.timeout_ms = 500;
  auto id = submit(s);
  core.tick();
  assigned();
  clock.advance(250);
  heartbeat("a1");
  core.tick();
  EXPECT_EQ(view(id).state, TaskState::ASSIGNED);
  clock.advance(249);
  heartbeat("a1");
  core.tick();
  EXPECT_EQ(view(id).state, TaskState::ASSIGNED);
  clock.advance(1);
  core.tick();
  EXPECT_EQ(view(id).state, TaskState::TIMEOUT);
  bool cancel_sent = false;
  for (auto& m : core.outbox().to_agents) cancel_sent |= m.envelope.type == MsgType::CANCEL_TASK;
  EXPECT_TRUE(cancel_sent);
  core.outbox().clear();
  EXPECT_FALSE(core.result(TaskResult{id, 1, true, Json(1), ""}).accepted);
}

TEST_F(SchedulerCoreTest, TheSameRequestIdReturnsTheFirstTaskInsteadOfANewOne) {
  auto first = core.submit("same", spec("echo"));
  auto again = core.submit("same", spec("echo"));
  EXPECT_EQ(first->task_id, again->task_id);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(core.task_count(), 1u);
}

TEST_F(SchedulerCoreTest, AWaitIsAnsweredWhenTheTaskEndsOrWhenItsTimeoutPasses) {
  attach("a1", {});
  auto id = submit(spec("echo"));
  auto held = core.wait("c1", "w1", WaitTask{id, 1000});
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->has_value());
  auto other = submit(spec("never", {"nobody-has-this"}));
  ASSERT_FALSE(core.wait("c2", "w2", WaitTask{other, 1000})->has_value());
  core.tick();
  assigned();
  core.result(TaskResult{id, 1, true, Json(1), ""});
  ASSERT_EQ(core.outbox().to_clients.size(), 1u);
  EXPECT_EQ(core.outbox().to_clients[0].envelope.request_id, "w1");
  core.outbox().clear();
  clock.advance(999);
  core.tick();
  EXPECT_TRUE(core.outbox().to_clients.empty());
  clock.advance(1);
  core.tick();
  ASSERT_EQ(core.outbox().to_clients.size(), 1u);
  auto info = TaskInfo::from_body(body_of(core.outbox().to_clients[0].envelope));
  EXPECT_EQ(info->task.state, TaskState::PENDING);
}

TEST_F(SchedulerCoreTest, AWaitForManyIsAnsweredOnceWhenTheLastEndsInTheOrderAsked) {
  attach("a1", {}, 3);
  auto t1 = submit(spec("echo")), t2 = submit(spec("echo")), t3 = submit(spec("echo"));
  core.tick();
  assigned();
  auto held = core.wait_all("c1", "w1", WaitTasks{{t3, t1, t2}, 1000});
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->has_value());
  core.result(TaskResult{t1, 1, true, Json("one"), ""});
  core.result(TaskResult{t3, 1, false, Json(), "boom"});
  EXPECT_TRUE(core.outbox().to_clients.empty());
  core.result(TaskResult{t2, 1, true, Json("two"), ""});
  ASSERT_EQ(core.outbox().to_clients.size(), 1u);
  EXPECT_EQ(core.outbox().to_clients[0].envelope.type, MsgType::TASK_LIST);
  EXPECT_EQ(core.outbox().to_clients[0].envelope.request_id, "w1");
  auto list = TaskList::from_body(body_of(core.outbox().to_clients[0].envelope));
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->tasks.size(), 3u);
  EXPECT_EQ(list->tasks[0].task_id, t3);
  EXPECT_EQ(list->tasks[0].state, TaskState::FAILED);
  EXPECT_EQ(list->tasks[1].output, Json("one"));
  EXPECT_EQ(list->tasks[2].output, Json("two"));
  core.outbox().clear();
  // Answered once: later ticks send nothing more.
  clock.advance(2000);
  core.tick();
  EXPECT_TRUE(core.outbox().to_clients.empty());
  // Every one already terminal: answered at once.
  auto now = core.wait_all("c1", "w2", WaitTasks{{t1, t2}, 1000});
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((**now).size(), 2u);
}

TEST_F(SchedulerCoreTest, AWaitForManyAnswersAtItsTimeoutWithTheStatesThenAndRefusesUnknownIds) {
  attach("a1", {});
  auto done = submit(spec("echo")), stuck = submit(spec("echo", {"nobody-has-this"}));
  core.tick();
  assigned();
  core.result(TaskResult{done, 1, true, Json(1), ""});
  auto unknown = core.wait_all("c1", "w0", WaitTasks{{done, "t999"}, 1000});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NOT_FOUND);
  ASSERT_FALSE(core.wait_all("c1", "w1", WaitTasks{{done, stuck}, 500})->has_value());
  clock.advance(499);
  core.tick();
  EXPECT_TRUE(core.outbox().to_clients.empty());
  clock.advance(1);
  core.tick();
  ASSERT_EQ(core.outbox().to_clients.size(), 1u);
  auto list = TaskList::from_body(body_of(core.outbox().to_clients[0].envelope));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->tasks[0].state, TaskState::COMPLETED);
  EXPECT_EQ(list->tasks[1].state, TaskState::PENDING);
  core.outbox().clear();
  // The expired group is gone: the stuck task ending later answers nobody.
  ASSERT_TRUE(core.cancel(Cancel{stuck, ""}).ok());
  EXPECT_TRUE(core.outbox().to_clients.empty());
}

TEST_F(SchedulerCoreTest, ADrainedAgentKeepsItsRunningTasksGetsNoNewOneAndIsToldToLeave) {
  attach("a1", {}, 2);
  attach("a2", {}, 2);
  auto prefer_a1 = [&] {
    auto s = spec("echo");
    s.preferred_agents = {"a1"};
    return s;
  };
  auto t1 = submit(prefer_a1()), t2 = submit(prefer_a1());
  core.tick();
  EXPECT_EQ(assigned().size(), 2u);
  EXPECT_EQ(view(t1).assigned_agent, "a1");
  EXPECT_EQ(view(t2).assigned_agent, "a1");

  auto ok = core.drain(DrainAgent{"a1"});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->running, 2);
  ASSERT_EQ(core.outbox().to_agents.size(), 1u);
  EXPECT_EQ(core.outbox().to_agents[0].envelope.type, MsgType::DRAIN);
  EXPECT_EQ(core.outbox().to_agents[0].agent_id, "a1");
  core.outbox().clear();

  // Its results still count; new work, even preferring it, goes elsewhere.
  core.result(TaskResult{t1, 1, true, Json(1), ""});
  EXPECT_EQ(view(t1).state, TaskState::COMPLETED);
  auto t3 = submit(prefer_a1());
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(std::get<0>(a[0]), "a2");
  EXPECT_EQ(view(t3).assigned_agent, "a2");
  // Draining again is harmless; an unknown agent is NOT_FOUND.
  EXPECT_TRUE(core.drain(DrainAgent{"a1"}).ok());
  EXPECT_TRUE(core.outbox().to_agents.empty());
  EXPECT_EQ(core.drain(DrainAgent{"nobody"}).error().code, ErrorCode::NOT_FOUND);
}

TEST_F(SchedulerCoreTest, AgentStatsCountOutcomesAndRunTimesAndOutliveTheSession) {
  attach("a1", {});
  for (int i = 1; i <= 20; ++i) {
    auto id = submit(spec("echo"));
    core.tick();
    ASSERT_EQ(assigned().size(), 1u);
    clock.advance(i * 10);  // run times 10, 20, ... 200 ms
    heartbeat("a1");
    core.result(TaskResult{id, 1, i != 20, Json(i), i == 20 ? "boom" : ""});
  }
  auto find = [&](const std::string& id) {
    for (const auto& p : core.agent_stats().agents) {
      if (p.agent_id == id) return p;
    }
    ADD_FAILURE() << id << " not in agent_stats";
    return AgentPerf{};
  };
  auto p = find("a1");
  EXPECT_TRUE(p.attached);
  EXPECT_EQ(p.done, 19);
  EXPECT_EQ(p.failed, 1);
  EXPECT_DOUBLE_EQ(p.success_rate, 0.95);
  EXPECT_DOUBLE_EQ(p.mean_ms, 105.0);
  EXPECT_DOUBLE_EQ(p.p95_ms, 190.0);  // nearest rank: the 19th of 20
  EXPECT_EQ(p.capacity, 1);
  core.detach("a1");
  EXPECT_FALSE(find("a1").attached);
  EXPECT_EQ(find("a1").done, 19);
  attach("a1", {});
  EXPECT_TRUE(find("a1").attached);
  EXPECT_EQ(find("a1").done, 19) << "history outlives a reconnect";
}

// agent.down comes over the bus, where anyone could publish it: it fences nothing the
// scheduler's own liveness (heartbeat 100 ms x liveness 3 here) does not say is lost.
TEST_F(SchedulerCoreTest, TheRegistrysAgentDownFencesOnlyAnAgentTheSchedulerItselfHasLost) {
  attach("a1", {});
  auto id = submit(spec("echo"));
  core.tick();
  ASSERT_EQ(assigned().size(), 1u);
  // Paused past a heartbeat (as a forged agent.down for a briefly stopped agent would find
  // it), but within the liveness window: the lease stands.
  clock.advance(300);
  core.agent_down("a1");
  EXPECT_EQ(view(id).state, TaskState::ASSIGNED);
  // Unheard for longer than its liveness window: lost for the scheduler too, fenced now.
  clock.advance(1);
  core.agent_down("a1");
  EXPECT_EQ(view(id).state, TaskState::PENDING);
  EXPECT_NE(view(id).history.back().note.find("a1 missed its heartbeats"), std::string::npos)
      << view(id).history.back().note;
  attach("a2", {});
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], std::make_tuple(std::string("a2"), id, std::int64_t{2}));
  core.agent_down("nobody");  // unknown: nothing happens
  EXPECT_TRUE(core.check_invariants().ok());
}

TEST_F(SchedulerCoreTest, AnAgentThatSaysItIsDrainingInItsHeartbeatGetsNoNewTask) {
  attach("a1", {});
  AgentHeartbeat hb{"a1", {}};
  hb.draining = true;
  ASSERT_TRUE(core.heartbeat("ident-a1", hb).ok());
  auto id = submit(spec("echo"));
  core.tick();
  EXPECT_TRUE(assigned().empty());
  EXPECT_NE(view(id).reason.find("draining"), std::string::npos) << view(id).reason;
}

TEST_F(SchedulerCoreTest, WaitersBeyondTheBoundAreRefusedAsUnavailable) {
  auto id = submit(spec("echo", {"none"}));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(core.wait("c", "w" + std::to_string(i), WaitTask{id, 1000}).ok());
  auto r = core.wait("c", "w-over", WaitTask{id, 1000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::UNAVAILABLE);
}

TEST_F(SchedulerCoreTest, AnUnknownTaskIsNotFound) {
  for (const char* id : {"t999", "x1", "t", "t12a", ""}) {
    auto r = core.get(id);
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_EQ(r.error().code, ErrorCode::NOT_FOUND);
  }
}

TEST_F(SchedulerCoreTest, AHeartbeatFromAnUnattachedAgentAsksItToAttachAgain) {
  auto s = core.heartbeat("ident-x", AgentHeartbeat{"x", {}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::NOT_FOUND);
}

TEST_F(SchedulerCoreTest, ReattachingFromANewConnectionFencesTheOldLeases) {
  attach("a1", {});
  auto id = submit(spec("echo"));
  core.tick();
  assigned();
  AgentSpec a;
  a.agent_id = "a1";
  core.attach("new-ident", a);
  core.tick();
  auto again = assigned();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(std::get<2>(again[0]), 2);
  EXPECT_EQ(view(id).attempt, 2);
}

TEST_F(SchedulerCoreTest, RestoredLeasesAreKeptForTheGraceThenRequeuedAndTerminalTasksStayAsTheyWere) {
  TaskRecord running;
  running.seq = 7;
  running.request_id = "r7";
  running.spec = spec("echo");
  running.state = TaskState::RUNNING;
  running.attempt = 1;
  running.mutable_cold().assigned_agent = "gone";
  TaskRecord done = running;
  done.seq = 3;
  done.request_id = "r3";
  done.state = TaskState::COMPLETED;
  done.mutable_cold().output = Json("kept");
  core.restore(running);
  core.restore(done);
  core.finish_restore();
  EXPECT_EQ(view("t7").state, TaskState::RUNNING) << "its agent may still run it: kept for heartbeat_ms * liveness";
  clock.advance(300);
  core.tick();
  EXPECT_EQ(view("t7").state, TaskState::PENDING) << "its agent did not come back to claim it";
  EXPECT_EQ(view("t3").output, Json("kept"));
  // New tasks continue after the highest restored seq, and the old request id is remembered.
  EXPECT_EQ(submit(spec("echo")), "t8");
  EXPECT_EQ(core.submit("r3", spec("echo"))->task_id, "t3");
  attach("a1", {});
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  // Attempt 3: the first assignment after a restart skips a number (2 may have been sent before the crash).
  EXPECT_EQ(a[0], std::make_tuple(std::string("a1"), std::string("t7"), std::int64_t{3}));
}

TEST_F(SchedulerCoreTest, ADetachedAgentsTasksGoToAnotherAgent) {
  attach("a1", {});
  auto id = submit(spec("echo"));
  core.tick();
  assigned();
  core.detach("a1");
  attach("a2", {});
  core.tick();
  auto a = assigned();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(std::get<0>(a[0]), "a2");
  EXPECT_EQ(core.agent("a1"), nullptr);
  EXPECT_EQ(view(id).attempt, 2);
}

TEST_F(SchedulerCoreTest, ChangesAreMarkedDirtyOnceEachUntilDrained) {
  auto id = submit(spec("echo"));
  std::vector<std::string> dirty;
  core.drain_dirty([&](const TaskRecord& r) { dirty.push_back(r.task_id()); });
  EXPECT_EQ(dirty, std::vector<std::string>{id});
  dirty.clear();
  core.drain_dirty([&](const TaskRecord& r) { dirty.push_back(r.task_id()); });
  EXPECT_TRUE(dirty.empty());
}

TEST_F(SchedulerCoreTest, EventsAreBuiltOnlyForTopicsSomeoneSubscribesTo) {
  TopicSubscriptions subs;
  core.set_event_subscriptions(&subs);
  auto topics = [&] {
    std::vector<std::string> out;
    for (auto& e : core.outbox().events) out.push_back(e.topic);
    core.outbox().clear();
    return out;
  };
  attach("a1", {}, 2);
  auto first = submit(spec("echo"));
  core.tick();
  core.result(TaskResult{first, 1, true, Json(1), ""});
  EXPECT_TRUE(topics().empty());
  const std::string completed = std::string(1, '\x01') + "task.completed";
  ASSERT_TRUE(subs.apply(completed.data(), completed.size()));
  auto second = submit(spec("echo"));
  core.tick();
  core.result(TaskResult{second, 1, true, Json(1), ""});
  EXPECT_EQ(topics(), (std::vector<std::string>{"task.completed"}));
  // Skipping events changes no state: the task is as durable and as complete as before.
  EXPECT_EQ(view(second).state, TaskState::COMPLETED);
  core.set_event_subscriptions(nullptr);
  auto third = submit(spec("echo"));
  EXPECT_EQ(topics(), (std::vector<std::string>{"task.submitted"}));
  EXPECT_EQ(view(third).state, TaskState::PENDING);
}

}  // namespace
}  // namespace orion::scheduler
