// The dashboard's view: events and query replies in, the API's JSON out.
#include "services/dashboard/dashboard_view.h"

#include <gtest/gtest.h>

namespace orion::dashboard {
namespace {

Event event(const std::string& topic, Json data, std::int64_t ts_ms = 1000) {
  Event e;
  e.topic = topic;
  e.publisher = "scheduler";
  e.epoch = 1;
  e.seq = 1;
  e.ts_ms = ts_ms;
  e.data = std::move(data);
  return e;
}

TaskView task(const std::string& id, TaskState state, const std::string& type = "echo") {
  TaskView t;
  t.task_id = id;
  t.spec.type = type;
  t.state = state;
  return t;
}

std::vector<std::string> ids(const Json& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks["tasks"]) out.push_back(t["task_id"]);
  return out;
}

TEST(DashboardViewTest, ATaskEventChangesTheTaskShownAndIsListedAmongTheEvents) {
  DashboardView view;
  view.set_task(task("t1", TaskState::PENDING));
  EXPECT_EQ(view.task("t1")["state"], "PENDING");
  Json line = view.apply(event("task.running", {{"task_id", "t1"}, {"state", "RUNNING"}, {"agent", "a1"}, {"attempt", 1}}));
  EXPECT_EQ(line["topic"], "task.running");
  EXPECT_EQ(line["data"]["agent"], "a1");
  EXPECT_EQ(view.task("t1")["state"], "RUNNING");
  EXPECT_EQ(view.task("t1")["agent"], "a1");
  EXPECT_EQ(view.task("t1")["type"], "echo") << "fields the event does not carry are kept";
  EXPECT_EQ(view.events()["events"].size(), 1u);
}

TEST(DashboardViewTest, ATaskHeardOfOnlyOnTheBusIsShown) {
  DashboardView view;
  view.apply(event("task.submitted", {{"task_id", "t7"}, {"state", "PENDING"}, {"type", "sleep"}}));
  ASSERT_TRUE(view.task("t7").is_object());
  EXPECT_EQ(view.task("t7")["type"], "sleep");
}

TEST(DashboardViewTest, TasksFilterByStateTypeAndAgentNewestFirst) {
  DashboardView view;
  view.set_task(task("t1", TaskState::PENDING, "echo"));
  view.set_task(task("t2", TaskState::COMPLETED, "echo"));
  view.set_task(task("t3", TaskState::PENDING, "sleep"));
  view.apply(event("task.assigned", {{"task_id", "t1"}, {"state", "ASSIGNED"}, {"agent", "a1"}}));
  auto all = task_filter_from_query("");
  ASSERT_TRUE(all);
  EXPECT_EQ(ids(view.tasks(*all)), (std::vector<std::string>{"t1", "t3", "t2"}));
  auto pending = task_filter_from_query("state=PENDING,ASSIGNED&type=echo");
  ASSERT_TRUE(pending);
  EXPECT_EQ(ids(view.tasks(*pending)), (std::vector<std::string>{"t1"}));
  auto by_agent = task_filter_from_query("agent=a1");
  EXPECT_EQ(ids(view.tasks(*by_agent)), (std::vector<std::string>{"t1"}));
  auto one = task_filter_from_query("limit=1");
  Json page = view.tasks(*one);
  EXPECT_EQ(page["tasks"].size(), 1u);
  EXPECT_EQ(page["matched"], 3);
}

TEST(DashboardViewTest, ABadFilterIsRefusedNamingTheParameter) {
  auto state = task_filter_from_query("state=SLEEPING");
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(state.error().message.find("state"), std::string::npos);
  EXPECT_FALSE(task_filter_from_query("limit=0"));
  EXPECT_FALSE(task_filter_from_query("limit=abc"));
  EXPECT_FALSE(task_filter_from_query("color=red"));
  EXPECT_FALSE(task_filter_from_query(std::string(3000, 'a')));
  std::string many = "type=";
  for (int i = 0; i < 17; ++i) many += "t" + std::to_string(i) + ",";
  EXPECT_FALSE(task_filter_from_query(many));
  auto decoded = task_filter_from_query("type=a%20b");
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->types.count("a b"));
}

TEST(DashboardViewTest, EventsOfTheWrongShapeChangeNothingButAreListed) {
  DashboardView view;
  view.set_task(task("t1", TaskState::PENDING));
  view.apply(event("task.running", Json::array({1, 2})));
  view.apply(event("task.running", {{"task_id", 5}, {"state", "RUNNING"}}));
  view.apply(event("task.running", {{"task_id", "t1"}, {"state", 3}, {"attempt", "x"}}));
  view.apply(event("workflow.step", {{"workflow_id", Json::object()}}));
  view.apply(event("agent.down", {{"agent_id", "nobody"}}));
  view.apply(event("no.such.topic", {{"x", 1}}));
  EXPECT_EQ(view.task("t1")["state"], "PENDING");
  EXPECT_EQ(view.task_count(), 1u);
  EXPECT_EQ(view.workflows()["workflows"].size(), 0u);
  EXPECT_EQ(view.agents()["agents"].size(), 0u);
  EXPECT_EQ(view.event_count(), 6u);
}

TEST(DashboardViewTest, TheEventsKeptAreTheLastOnesAndBounded) {
  DashboardView view;
  for (std::size_t i = 0; i < DashboardView::kMaxEvents + 50; ++i) {
    view.apply(event("task.progress", {{"task_id", "t" + std::to_string(i % 3)}}, static_cast<std::int64_t>(i)));
  }
  Json events = view.events()["events"];
  ASSERT_EQ(events.size(), DashboardView::kMaxEvents);
  EXPECT_EQ(events.back()["ts_ms"], static_cast<std::int64_t>(DashboardView::kMaxEvents + 49));
}

TEST(DashboardViewTest, TasksHeldAreBoundedHoweverManyTheBusNames) {
  DashboardView view;
  for (std::size_t i = 0; i < DashboardView::kMaxTasks + 100; ++i) {
    view.apply(event("task.submitted", {{"task_id", "t" + std::to_string(i)}, {"state", "PENDING"}}));
  }
  EXPECT_EQ(view.task_count(), DashboardView::kMaxTasks);
  EXPECT_TRUE(view.task("t0").is_null()) << "the oldest is forgotten";
}

WorkflowView two_steps() {
  WorkflowView w;
  w.workflow_id = "w1";
  w.name = "etl";
  w.state = WorkflowState::RUNNING;
  StepView a, b;
  a.name = "extract";
  a.task_id = "t1";
  a.state = TaskState::RUNNING;
  b.name = "load";
  b.task_id = "t2";
  b.depends_on = {"extract"};
  b.state = TaskState::PENDING;
  w.steps = {a, b};
  return w;
}

TEST(DashboardViewTest, AWorkflowSeenOnTheBusIsReadThenItsStepsFollowTheEvents) {
  DashboardView view;
  view.apply(event("workflow.started", {{"workflow_id", "w1"}, {"name", "etl"}, {"state", "RUNNING"}}));
  EXPECT_EQ(view.take_stale_workflows(10), (std::vector<std::string>{"w1"}));
  EXPECT_TRUE(view.take_stale_workflows(10).empty()) << "taken once";
  view.set_workflow(two_steps());
  Json w = view.workflow("w1");
  EXPECT_EQ(w["state"], "RUNNING");
  EXPECT_EQ(w["steps"][1]["state"], "PENDING") << "states by name, not wire number";
  EXPECT_EQ(w["steps"][1]["depends_on"], Json::array({"extract"}));
  view.apply(event("workflow.step", {{"workflow_id", "w1"}, {"step", "extract"}, {"task_id", "t1"}, {"state", "COMPLETED"}, {"agent", "a1"}}));
  EXPECT_EQ(view.workflow("w1")["steps"][0]["state"], "COMPLETED");
  EXPECT_EQ(view.workflow("w1")["steps"][0]["agent"], "a1");
  EXPECT_TRUE(view.take_stale_workflows(10).empty()) << "a known step needs no re-read";
  view.apply(event("workflow.step", {{"workflow_id", "w1"}, {"step", "unknown"}, {"state", "RUNNING"}}));
  EXPECT_EQ(view.take_stale_workflows(10), (std::vector<std::string>{"w1"}));
  view.apply(event("workflow.completed", {{"workflow_id", "w1"}, {"state", "COMPLETED"}}));
  EXPECT_EQ(view.workflow("w1")["state"], "COMPLETED");
  EXPECT_EQ(view.take_stale_workflows(10), (std::vector<std::string>{"w1"}));
}

TEST(DashboardViewTest, ProposalsNamedByEventsAreReadWithTheirVotes) {
  DashboardView view;
  view.apply(event("proposal.created.deploy", {{"proposal_id", "p1"}}));
  view.apply(event("task.gate", {{"task_id", "t1"}, {"proposal_id", "p2"}}));
  EXPECT_EQ(view.take_stale_proposals(1), (std::vector<std::string>{"p1"}));
  EXPECT_EQ(view.take_stale_proposals(10), (std::vector<std::string>{"p2"}));
  ProposalView p;
  p.proposal_id = "p1";
  p.type = "deploy";
  p.consensus_type = ConsensusType::MAJORITY;
  p.outcome = Outcome::APPROVED;
  VoteRecord v;
  v.agent_id = "a1";
  v.yes = true;
  v.weight = 1;
  p.votes = {v};
  view.set_proposal(p);
  Json list = view.proposals()["proposals"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["proposal_id"], "p1");
  EXPECT_EQ(list[0]["outcome"], "APPROVED");
  EXPECT_EQ(list[0]["consensus_type"], "MAJORITY");
  EXPECT_EQ(list[0]["votes"][0]["agent_id"], "a1");
  EXPECT_EQ(list[0]["votes"][0]["yes"], true);
}

TEST(DashboardViewTest, AfterAGapEveryWorkflowAndProposalHeldIsReadAgain) {
  DashboardView view;
  view.set_workflow(two_steps());
  view.apply(event("proposal.decided", {{"proposal_id", "p1"}}));
  view.take_stale_proposals(10);
  EXPECT_TRUE(view.take_stale_workflows(10).empty());
  view.mark_all_stale();
  EXPECT_EQ(view.take_stale_workflows(10), (std::vector<std::string>{"w1"}));
  EXPECT_EQ(view.take_stale_proposals(10), (std::vector<std::string>{"p1"}));
  EXPECT_FALSE(view.has_stale_proposals());
}

TEST(DashboardViewTest, AnExpiredWorkflowIsMarkedNotDropped) {
  DashboardView view;
  view.set_workflow(two_steps());
  view.forget_workflow("w1");
  EXPECT_EQ(view.workflow("w1")["expired"], true);
  EXPECT_TRUE(view.workflow("w9").is_null());
}

TEST(DashboardViewTest, AGatedTasksProposalIsRead) {
  TaskView t = task("t1", TaskState::PENDING);
  t.gate.id = "t1";
  t.gate.proposal_id = "p7";
  DashboardView gated;
  gated.set_task(t);
  EXPECT_EQ(gated.take_stale_proposals(10), (std::vector<std::string>{"p7"}));
}

TEST(DashboardViewTest, AgentsComeFromTheDirectoryWithPerformanceAndFollowEvents) {
  DashboardView view;
  AgentView a;
  a.spec.agent_id = "a1";
  a.spec.capabilities = {"echo"};
  a.spec.capacity = 2;
  a.state = "UP";
  a.load = 2;
  view.set_agents({a});
  AgentPerf perf;
  perf.agent_id = "a1";
  perf.done = 5;
  perf.draining = false;
  view.set_agent_perf({perf});
  Json agents = view.agents()["agents"];
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0]["agent_id"], "a1");
  EXPECT_EQ(agents[0]["capabilities"], Json::array({"echo"}));
  EXPECT_EQ(agents[0]["perf"]["done"], 5);
  EXPECT_EQ(view.stats()["bottlenecks"]["saturated_agents"][0]["agent_id"], "a1") << "load 2 of capacity 2";
  view.apply(event("agent.draining", {{"agent_id", "a1"}}));
  EXPECT_EQ(view.agents()["agents"][0]["draining"], true);
  view.apply(event("agent.down", {{"agent_id", "a1"}}));
  EXPECT_EQ(view.agents()["agents"][0]["state"], "DOWN");
  view.apply(event("agent.registered", {{"agent_id", "a2"}, {"capabilities", {"sleep"}}, {"capacity", 1}}));
  EXPECT_EQ(view.agents()["agents"].size(), 2u);
  view.apply(event("agent.deregistered", {{"agent_id", "a2"}}));
  EXPECT_EQ(view.agents()["agents"].size(), 1u);
}

TEST(DashboardViewTest, AFailedQueryIsShownUntilOneSucceeds) {
  DashboardView view;
  view.set_source_status("agents", make_error(ErrorCode::UNAVAILABLE, "no registry answered"));
  EXPECT_EQ(view.agents()["errors"]["agents"], "UNAVAILABLE: no registry answered");
  view.set_source_status("agents", Status());
  EXPECT_TRUE(view.agents()["errors"].empty());
}

TEST(DashboardViewTest, ATaskDetailSaysWhyItWaits) {
  TaskView t = task("t2", TaskState::PENDING);
  t.waiting_on = {"t1"};
  t.history.push_back(StateChange{TaskState::PENDING, 5, 0, "", "submitted"});
  Json d = task_detail_json(t);
  EXPECT_EQ(d["why"], "waits for 1 dependencies");
  EXPECT_EQ(d["history"][0]["state"], "PENDING");
  t.reason = "no agent has capability gpu";
  EXPECT_EQ(task_detail_json(t)["why"], "no agent has capability gpu");
}

}  // namespace
}  // namespace orion::dashboard
