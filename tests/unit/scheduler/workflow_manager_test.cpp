// WorkflowManager over a real SchedulerCore in simulated time (ManualClock): no sockets, no
// disk. Each test plays the agent by hand (ASSIGN in, TASK_RESULT out) and checks both the
// core's and the manager's invariants at the end.
#include "services/scheduler/workflow_manager.h"

#include <gtest/gtest.h>

#include <memory>

#include "services/scheduler/store_load.h"
#include "services/scheduler/task_codec.h"
#include "tests/unit/scheduler/memory_log_store.h"

namespace orion::scheduler {
namespace {

Json step(const std::string& name, std::vector<std::string> deps = {}, Json input = nullptr,
          const std::string& type = "echo") {
  Json s{{"name", name}, {"type", type}};
  if (!deps.empty()) s["depends_on"] = deps;
  if (!input.is_null()) s["input"] = input;
  return s;
}

// collect -> {left, right, fan1, fan2} -> join: a diamond with a fan-out.
Json diamond_fan_out() {
  return Json{{"name", "diamond"},
              {"steps",
               {step("collect", {}, {{"rows", {1, 2, 3}}}), step("left", {"collect"}, {{"rows", "${steps.collect.output.rows}"}}),
                step("right", {"collect"}, {{"n", "${steps.collect.output.rows.2}"}}), step("fan1", {"collect"}),
                step("fan2", {"collect"}),
                step("join", {"left", "right", "fan1", "fan2"},
                     {{"left", "${steps.left.output.rows}"}, {"first", "${steps.collect.output.rows.0}"}})}}};
}

struct Assigned {
  std::string task_id;
  std::int64_t attempt;
  Json input;
};

class WorkflowManagerTest : public ::testing::Test {
 protected:
  WorkflowManagerTest() { boot(); }

  void TearDown() override {
    turn();
    auto s = core->check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    auto w = wf->check_invariants();
    EXPECT_TRUE(w.ok()) << w.error().to_string();
  }

  // A fresh core and manager from what was stored: a scheduler restart, loaded as
  // SchedulerService::start loads it.
  void boot() {
    wf.reset();
    core = std::make_unique<SchedulerCore>(clock, CoreOptions{100, 3, 10});
    wf = std::make_unique<WorkflowManager>(*core, clock);
    auto loaded = load_store(log, *core, *wf, nullptr);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    AgentSpec a;
    a.agent_id = "a1";
    a.capacity = 10;
    core->attach("ident-a1", a);
    turn();
  }

  // One turn of the service loop: timers and dispatch, then persist what changed and let the
  // manager see it. Collects what was sent.
  void turn() {
    core->tick();
    core->drain_dirty([&](const TaskRecord& r) {
      store[r.seq] = encode_task_record(r);
      wf->on_task(r);
    });
    wf->drain_dirty([&](std::uint64_t key, std::string rec) { store[key] = std::move(rec); });
    for (auto& m : core->outbox().to_agents) {
      if (m.envelope.type != MsgType::ASSIGN) continue;
      auto a = Assign::from_body(body_of(m.envelope));
      sent.push_back({a->task_id, a->attempt, a->input});
    }
    for (auto& e : core->outbox().events) topics.push_back(e.topic);
    core->outbox().clear();
  }

  WorkflowRunOk run(const Json& j, const std::string& rid = "run-1") {
    auto spec = WorkflowSpec::from_json(j);
    EXPECT_TRUE(spec.ok()) << spec.error().to_string();
    auto ok = wf->run(rid, *spec);
    EXPECT_TRUE(ok.ok()) << ok.error().to_string();
    turn();
    return *ok;
  }

  // Plays the agent: answers every ASSIGN sent so far, echoing its input, except the tasks in
  // `fail`. Returns the number answered.
  std::size_t answer_all(const std::set<std::string>& fail = {}) {
    auto batch = std::move(sent);
    sent.clear();
    for (const auto& a : batch) {
      TaskResult r{a.task_id, a.attempt, !fail.count(a.task_id), a.input, fail.count(a.task_id) ? "boom" : ""};
      EXPECT_TRUE(core->result(r).accepted);
    }
    turn();
    return batch.size();
  }

  const Assigned* sent_to(const std::string& task_id) const {
    for (const auto& a : sent) {
      if (a.task_id == task_id) return &a;
    }
    return nullptr;
  }

  // Simulated time passes with the agent heartbeating, so only task timers fire.
  void advance(std::int64_t ms) {
    for (std::int64_t step_ms; ms > 0; ms -= step_ms) {
      step_ms = std::min<std::int64_t>(ms, 50);
      clock.advance(step_ms);
      ASSERT_TRUE(core->heartbeat("ident-a1", AgentHeartbeat{"a1", {}, false}).ok());
      turn();
    }
  }

  WorkflowView view(const std::string& id) { return *wf->get(id); }
  std::size_t count(const std::string& topic) const { return std::count(topics.begin(), topics.end(), topic); }

  ManualClock clock{1000};
  MemoryLogStore log;
  std::map<std::uint64_t, std::string>& store = log.records;  // the Log, by key
  std::unique_ptr<SchedulerCore> core;
  std::unique_ptr<WorkflowManager> wf;
  std::vector<Assigned> sent;
  std::vector<std::string> topics;
};

TEST_F(WorkflowManagerTest, ADiamondWithAFanOutRunsToCompletionWithOutputsPassedOn) {
  auto ok = run(diamond_fan_out());
  EXPECT_EQ(ok.workflow_id, "w1");
  ASSERT_EQ(ok.task_ids.size(), 6u);
  EXPECT_EQ(view("w1").state, WorkflowState::RUNNING);
  ASSERT_EQ(sent.size(), 1u);  // only collect is ready
  EXPECT_EQ(sent[0].task_id, ok.task_ids["collect"]);
  EXPECT_EQ(answer_all(), 1u);
  ASSERT_EQ(sent.size(), 4u);  // the fan-out runs in parallel
  ASSERT_NE(sent_to(ok.task_ids["left"]), nullptr);
  EXPECT_EQ(sent_to(ok.task_ids["left"])->input, Json({{"rows", {1, 2, 3}}}));
  EXPECT_EQ(sent_to(ok.task_ids["right"])->input, Json({{"n", 3}}));
  auto mid = view("w1");
  EXPECT_NEAR(mid.progress, 100.0 / 6, 0.01);
  EXPECT_EQ(answer_all(), 4u);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].input, Json({{"left", {1, 2, 3}}, {"first", 1}}));  // transitive ancestor too
  answer_all();
  auto done = view("w1");
  EXPECT_EQ(done.state, WorkflowState::COMPLETED);
  EXPECT_EQ(done.progress, 100);
  EXPECT_GT(done.finished_ms, 0);
  EXPECT_GT(done.started_ms, 0);
  for (const auto& s : done.steps) EXPECT_EQ(s.state, TaskState::COMPLETED) << s.name;
  EXPECT_EQ(count("workflow.started"), 1u);
  EXPECT_EQ(count("workflow.completed"), 1u);
  EXPECT_GE(count("workflow.step"), 6u);
  // The task keeps its template; only the ASSIGN carried the resolved input.
  EXPECT_EQ(core->get(ok.task_ids["left"])->spec.input, Json({{"rows", "${steps.collect.output.rows}"}}));
  EXPECT_EQ(core->get(ok.task_ids["left"])->spec.metadata["workflow_id"], "w1");
}

TEST_F(WorkflowManagerTest, AFailingStepFailsItsDependantsAndTheWorkflowAndRetryCompletesItInPlace) {
  auto ok = run(diamond_fan_out());
  answer_all();
  const auto left = ok.task_ids["left"];
  // left fails; right and the fans finish: join can never run.
  answer_all({left});
  auto failed = view("w1");
  EXPECT_EQ(failed.state, WorkflowState::FAILED);
  EXPECT_EQ(failed.reason.rfind("step left (" + left + ") ended FAILED: boom", 0), 0u) << failed.reason;
  EXPECT_EQ(failed.steps[5].state, TaskState::FAILED);
  EXPECT_NE(failed.steps[5].error.find("dependency " + left), std::string::npos);
  EXPECT_EQ(count("workflow.failed"), 1u);

  auto again = wf->retry("retry-1", RetryWorkflow{"w1"});
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->retried, (std::vector<std::string>{"left", "join"}));
  EXPECT_EQ(again->run, 2);
  // A retried request gets the same answer and changes nothing more.
  auto dup = wf->retry("retry-1", RetryWorkflow{"w1"});
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->retried, again->retried);
  turn();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].task_id, left);  // the same task, re-opened
  EXPECT_EQ(sent[0].attempt, 2);     // its next attempt
  EXPECT_EQ(view("w1").steps[0].attempt, 1);  // completed steps are kept, not re-run
  answer_all();
  answer_all();
  auto done = view("w1");
  EXPECT_EQ(done.state, WorkflowState::COMPLETED);
  EXPECT_EQ(done.run, 2);
  EXPECT_EQ(count("workflow.retried"), 1u);
}

TEST_F(WorkflowManagerTest, OnlyAFailedOrCancelledWorkflowCanBeRetried) {
  run(diamond_fan_out());
  auto r = wf->retry("x", RetryWorkflow{"w1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_EQ(r.error().message, "workflow w1 is RUNNING; only a FAILED or CANCELLED workflow can be retried");
  EXPECT_EQ(wf->retry("y", RetryWorkflow{"w9"}).error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(wf->get("nope").error().code, ErrorCode::NOT_FOUND);
}

TEST_F(WorkflowManagerTest, CancelEndsEveryUnfinishedStepAndTheWorkflowAndRetryResumesIt) {
  auto ok = run(diamond_fan_out());
  answer_all();  // collect done; four steps assigned
  auto c = wf->cancel(CancelWorkflow{"w1", "changed my mind"});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->state, WorkflowState::CANCELLED);
  EXPECT_EQ(c->ended.size(), 5u);
  turn();
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::CANCELLED);
  EXPECT_EQ(v.reason, "workflow w1 cancelled: changed my mind");
  EXPECT_EQ(v.steps[0].state, TaskState::COMPLETED);
  EXPECT_EQ(v.steps[1].state, TaskState::CANCELLED);
  EXPECT_EQ(count("workflow.cancelled"), 1u);
  // A second cancel changes nothing.
  auto c2 = wf->cancel(CancelWorkflow{"w1", ""});
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->ended.empty());
  // Late results of the cancelled attempts are fenced off.
  for (const auto& a : sent) EXPECT_FALSE(core->result(TaskResult{a.task_id, a.attempt, true, {}, ""}).accepted);
  sent.clear();
  ASSERT_TRUE(wf->retry("r", RetryWorkflow{"w1"}).ok());
  turn();
  EXPECT_EQ(sent.size(), 4u);
  answer_all();
  answer_all();
  EXPECT_EQ(view("w1").state, WorkflowState::COMPLETED);
}

TEST_F(WorkflowManagerTest, AGatedWorkflowRunsNoStepUntilItsProposalIsApproved) {
  Json j = diamond_fan_out();
  j["consensus"] = {{"type", "unanimous"}, {"capability", "approve"}};
  auto ok = run(j);
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::RUNNING);
  EXPECT_EQ(v.consensus.at("type"), "unanimous");
  ASSERT_TRUE(v.gate.is_object());
  const std::string gate = v.gate.at("id").get<std::string>();
  EXPECT_EQ(gate, ok.task_ids["collect"]);  // one gate for the whole batch
  EXPECT_TRUE(sent.empty());
  for (const auto& s : v.steps) EXPECT_EQ(s.state, TaskState::PENDING) << s.name;
  core->gate_proposed(gate, "p1");
  turn();
  EXPECT_TRUE(sent.empty()) << "proposed is not approved";
  EXPECT_EQ(view("w1").gate.at("proposal_id"), "p1");
  core->gate_decided("p1", "APPROVED");
  turn();
  ASSERT_EQ(sent.size(), 1u);
  answer_all();
  answer_all();
  answer_all();
  EXPECT_EQ(view("w1").state, WorkflowState::COMPLETED);
  EXPECT_EQ(view("w1").gate.at("outcome"), "APPROVED");
}

TEST_F(WorkflowManagerTest, ARejectedGateCancelsTheWorkflowBeforeAnyStepRunsAndCannotBeRetried) {
  Json j = diamond_fan_out();
  j["consensus"] = {{"type", "majority"}, {"capability", "approve"}};
  auto ok = run(j);
  core->gate_proposed(ok.task_ids["collect"], "p9");
  core->gate_decided("p9", "REJECTED");
  turn();
  EXPECT_TRUE(sent.empty()) << "no step ever ran";
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::CANCELLED);
  EXPECT_NE(v.reason.find("REJECTED"), std::string::npos) << v.reason;
  for (const auto& s : v.steps) {
    EXPECT_EQ(s.attempt, 0) << s.name;
    EXPECT_TRUE(s.state == TaskState::CANCELLED || s.state == TaskState::FAILED) << s.name;
  }
  EXPECT_EQ(count("workflow.cancelled"), 1u);
  auto r = wf->retry("r", RetryWorkflow{"w1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_NE(r.error().message.find("ended REJECTED"), std::string::npos) << r.error().message;
}

TEST_F(WorkflowManagerTest, ABadGateIsRefusedAndChangesNothing) {
  Json j = diamond_fan_out();  // its steps need no capability, so the gate must name one
  j["consensus"] = {{"type", "majority"}};
  auto spec = WorkflowSpec::from_json(j);
  ASSERT_TRUE(spec.ok());
  auto r = wf->run("gated", *spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(r.error().message.find("consensus.capability"), std::string::npos) << r.error().message;
  EXPECT_EQ(core->task_count(), 0u);
  EXPECT_EQ(wf->workflow_count(), 0u);
  turn();
  EXPECT_TRUE(store.empty());
}

TEST_F(WorkflowManagerTest, ARetriedRunRequestReturnsTheFirstWorkflow) {
  auto first = run(diamond_fan_out(), "same");
  auto spec = WorkflowSpec::from_json(diamond_fan_out());
  auto again = wf->run("same", *spec);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->workflow_id, first.workflow_id);
  EXPECT_EQ(again->task_ids, first.task_ids);
  EXPECT_EQ(core->task_count(), 6u);
  EXPECT_EQ(run(diamond_fan_out(), "other").workflow_id, "w2");
}

TEST_F(WorkflowManagerTest, AReferenceThatDoesNotResolveFailsItsStepAtAssignment) {
  Json j{{"name", "bad-path"},
         {"steps", {step("collect", {}, {{"cols", 1}}), step("use", {"collect"}, {{"rows", "${steps.collect.output.rows}"}})}}};
  auto ok = run(j);
  answer_all();
  EXPECT_TRUE(sent.empty());
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::FAILED);
  EXPECT_EQ(v.steps[1].error,
            "workflow w1 step use: input.rows: ${steps.collect.output.rows}: the output of step \"collect\" has no "
            "\"rows\"");
}

TEST_F(WorkflowManagerTest, ATimedOutStepFailsTheWorkflowInSimulatedTimeAndRetryRunsItAgain) {
  Json j{{"name", "slow"}, {"steps", {step("only")}}};
  j["steps"][0]["timeout_ms"] = 1000;
  run(j);
  ASSERT_EQ(sent.size(), 1u);
  sent.clear();
  advance(999);
  EXPECT_EQ(view("w1").state, WorkflowState::RUNNING);
  advance(2);
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::FAILED);
  EXPECT_EQ(v.steps[0].state, TaskState::TIMEOUT);
  ASSERT_TRUE(wf->retry("r", RetryWorkflow{"w1"}).ok());
  turn();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attempt, 2);
  answer_all();
  EXPECT_EQ(view("w1").state, WorkflowState::COMPLETED);
}

TEST_F(WorkflowManagerTest, AWorkflowResumesWhereItWasAfterARestart) {
  auto ok = run(diamond_fan_out());
  answer_all();  // collect done, four steps assigned to a1
  ASSERT_EQ(sent.size(), 4u);
  auto old_attempts = sent;
  sent.clear();
  boot();  // the scheduler restarts from its store: workflows and tasks alike
  EXPECT_EQ(wf->workflow_count(), 1u);
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::RUNNING);
  EXPECT_EQ(v.steps[0].state, TaskState::COMPLETED);
  // The four leased steps were re-queued and are assigned again, skipping one attempt number
  // (attempt 2 may have been sent before the crash: scheduler_core.h, "Attempt numbers").
  ASSERT_EQ(sent.size(), 4u);
  for (const auto& a : sent) EXPECT_EQ(a.attempt, 3) << a.task_id;
  EXPECT_EQ(sent_to(ok.task_ids["left"])->input, Json({{"rows", {1, 2, 3}}}));
  answer_all();
  answer_all();
  EXPECT_EQ(view("w1").state, WorkflowState::COMPLETED);
  // New workflows continue after the restored ones.
  EXPECT_EQ(run(diamond_fan_out(), "next").workflow_id, "w2");
}

}  // namespace
}  // namespace orion::scheduler

namespace orion::scheduler {
namespace {

// A step with on_exhausted "park" that fails leaves its workflow RUNNING with the step PARKED and
// its dependant waiting, also across a restart loaded from the store; a delayed step waits for its
// time; RETRY_PARKED then lets the workflow complete.
TEST_F(WorkflowManagerTest, AParkedStepKeepsItsWorkflowRunningAndADelayedStepWaitsForItsTime) {
  Json parked = step("flaky");
  parked["on_exhausted"] = "park";
  Json later = step("later");
  later["delay_ms"] = 5'000;
  auto ok = run(Json{{"name", "dead-letters"}, {"steps", {parked, step("after", {"flaky"}), later}}});
  const std::string flaky = ok.task_ids["flaky"], after = ok.task_ids["after"], delayed = ok.task_ids["later"];
  ASSERT_EQ(sent.size(), 1u);  // the delayed step is not dispatched yet
  EXPECT_EQ(sent[0].task_id, flaky);
  answer_all({flaky});
  auto v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::RUNNING);
  EXPECT_EQ(v.steps[0].state, TaskState::PARKED);
  EXPECT_EQ(v.steps[1].state, TaskState::PENDING);
  EXPECT_EQ(core->get(delayed)->reason.rfind("scheduled for ", 0), 0u);
  boot();  // a restart: everything comes back from the store
  v = view("w1");
  EXPECT_EQ(v.state, WorkflowState::RUNNING);
  EXPECT_EQ(v.steps[0].state, TaskState::PARKED);
  EXPECT_EQ(core->get(flaky)->error, "boom");
  advance(4'900);
  EXPECT_EQ(sent_to(delayed), nullptr);
  advance(200);
  ASSERT_NE(sent_to(delayed), nullptr);
  answer_all();
  ASSERT_TRUE(core->retry_parked(RetryParked{{flaky}, ""}).ok());
  turn();
  ASSERT_NE(sent_to(flaky), nullptr);
  answer_all();  // flaky completes
  ASSERT_NE(sent_to(after), nullptr);
  answer_all();
  EXPECT_EQ(view("w1").state, WorkflowState::COMPLETED);
}

}  // namespace
}  // namespace orion::scheduler
