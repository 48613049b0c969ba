// Workflows on real processes: orionctl workflow run/status/wait/cancel/retry against a real
// registry, scheduler and example agents; kill -9 of the scheduler mid-workflow; the C++ and
// Python coordinate_multi_agent_workflow.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

std::string example(const std::string& name) { return std::string(ORION_SOURCE_DIR) + "/examples/workflows/" + name; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class WorkflowTest : public ClusterTest {
 protected:
  void start(const std::vector<std::pair<std::string, std::vector<std::string>>>& agents) {
    cluster.start_registry();
    cluster.start_scheduler();
    for (const auto& [id, caps] : agents) cluster.start_agent(id, caps, 4);
    ASSERT_TRUE(cluster.wait_agents_up(agents.size()));
  }
  CommandResult ctl(std::vector<std::string> args, std::int64_t timeout_ms = 90'000) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path(), timeout_ms);
  }
  // `workflow run FILE --json`: the workflow id, with the step -> task id map in *tasks.
  std::string run_file(const std::string& path, Json* tasks = nullptr) {
    auto r = ctl({"workflow", "run", path, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return "";
    auto j = Json::parse(r.out);
    if (tasks) *tasks = j.at("tasks");
    return j.at("workflow_id").get<std::string>();
  }
  Json status(const std::string& id) {
    auto r = ctl({"workflow", "status", id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? Json::parse(r.out) : Json::object();
  }
  static const Json& step_of(const Json& wf, const std::string& name) {
    for (const auto& s : wf.at("steps")) {
      if (s.at("name") == name) return s;
    }
    throw std::runtime_error("no step " + name);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = cluster.dir().file(name);
    std::ofstream(path) << text;
    return path;
  }
  sdk::Client& client() {
    if (!client_) client_ = std::make_unique<sdk::Client>(cluster.client_options());
    return *client_;
  }

  std::unique_ptr<sdk::Client> client_;
};

TEST_F(WorkflowTest, ADiamondWithAFanOutRunsToCompletionWithOutputsPassedOnAndWorkflowEvents) {
  start({{"data-1", {"data"}}, {"compute-1", {"compute"}}, {"compute-2", {"compute"}}, {"report-1", {"report"}}});
  // Watch workflow events. A warm-up workflow proves the watcher is subscribed (PUB/SUB joins
  // late) before the one under test starts.
  Process watch(bin("orionctl"), {"watch", "--topic", "workflow.", "--json", "--registry", cluster.registry_endpoint},
                cluster.dir().file("watch.log"));
  auto warm = write("warm.yaml", "name: warm\nsteps: [{name: only, type: echo, capabilities: [data]}]\n");
  ASSERT_TRUE(wait_until(
      [&] {
        auto id = run_file(warm);
        auto w = ctl({"workflow", "wait", id, "--timeout", "30"});
        return w.exit_code == 0 && contains(watch.log_tail(100'000), "\"" + id + "\"");
      },
      60'000));

  Json tasks;
  auto id = run_file(example("diamond_fanout.yaml"), &tasks);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(tasks.size(), 7u);
  auto w = ctl({"workflow", "wait", id, "--timeout", "60", "--json"});
  ASSERT_EQ(w.exit_code, 0) << w.err << w.out;
  auto wf = status(id);
  EXPECT_EQ(wf.at("state"), "COMPLETED");
  EXPECT_EQ(wf.at("progress"), 100);
  EXPECT_GT(wf.at("finished_ms").get<std::int64_t>(), 0);
  std::set<std::string> agents;
  for (const auto& s : wf.at("steps")) {
    EXPECT_EQ(s.at("state"), "COMPLETED") << s.dump();
    EXPECT_EQ(s.at("progress"), 100);
    EXPECT_GT(s.at("finished_ms").get<std::int64_t>(), 0);
    agents.insert(s.at("agent").get<std::string>());
  }
  EXPECT_GE(agents.size(), 3u) << "steps run on the agents of their capabilities";
  // echo returns its input: the report's output is what flowed into it from every branch.
  auto report = client().status(tasks.at("report").get<std::string>());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->output, (Json{{"rows", {3, 1, 4, 1, 5}},
                                  {"label", "stats of sensors"},
                                  {"shards", {"a", "b", "c"}},
                                  {"source", "sensors"}}));
  EXPECT_EQ(step_of(wf, "report").at("depends_on").size(), 5u);
  ASSERT_TRUE(wait_until(
      [&] {
        std::string log = watch.log_tail(400'000);
        std::size_t started = 0, completed = 0, steps = 0;
        std::istringstream lines(log);
        for (std::string line; std::getline(lines, line);) {
          if (!contains(line, "\"" + id + "\"")) continue;
          started += contains(line, "\"topic\":\"workflow.started\"");
          completed += contains(line, "\"topic\":\"workflow.completed\"");
          steps += contains(line, "\"topic\":\"workflow.step\"");
        }
        return started == 1 && completed == 1 && steps >= 7;
      },
      10'000))
      << watch.log_tail(20'000);
}

TEST_F(WorkflowTest, AFailingStepFailsItsDependantsAndTheWorkflowWhileIndependentStepsFinish) {
  start({{"a1", {"data"}}});
  auto path = write("fails.yaml", R"(name: fails
steps:
  - {name: fetch, type: echo, capabilities: [data], input: {x: 1}}
  - {name: boom, type: fail, capabilities: [data], depends_on: [fetch], input: {message: "bad rows"}}
  - {name: after, type: echo, capabilities: [data], depends_on: [boom]}
  - {name: last, type: echo, capabilities: [data], depends_on: [after]}
  - {name: aside, type: echo, capabilities: [data], depends_on: [fetch]}
)");
  auto id = run_file(path);
  auto w = ctl({"workflow", "wait", id, "--timeout", "60"});
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_TRUE(contains(w.err, "FAILED")) << w.err;
  auto wf = status(id);
  EXPECT_EQ(wf.at("state"), "FAILED");
  EXPECT_TRUE(contains(wf.at("reason"), "step boom")) << wf.at("reason");
  EXPECT_TRUE(contains(wf.at("reason"), "bad rows")) << wf.at("reason");
  EXPECT_EQ(step_of(wf, "boom").at("state"), "FAILED");
  EXPECT_EQ(step_of(wf, "after").at("state"), "FAILED");
  EXPECT_TRUE(contains(step_of(wf, "after").at("error"), step_of(wf, "boom").at("task_id")));
  EXPECT_EQ(step_of(wf, "last").at("state"), "FAILED");
  EXPECT_EQ(step_of(wf, "aside").at("state"), "COMPLETED");
  EXPECT_EQ(step_of(wf, "fetch").at("state"), "COMPLETED");
  EXPECT_LT(wf.at("progress").get<double>(), 100);
}

TEST_F(WorkflowTest, RetryReRunsTheFailedStepsInPlaceAndCompletesTheWorkflow) {
  start({{"a1", {"data"}}});
  // retry_flaky.json: `parse` is flaky with one failure and no retries, so the first run fails
  // (with `store` after it); the retry runs it as attempt 2, which succeeds.
  Json tasks;
  auto id = run_file(example("retry_flaky.json"), &tasks);
  EXPECT_EQ(ctl({"workflow", "wait", id, "--timeout", "60"}).exit_code, 1);
  auto failed = status(id);
  ASSERT_EQ(failed.at("state"), "FAILED");
  EXPECT_EQ(step_of(failed, "store").at("state"), "FAILED");

  auto again = ctl({"workflow", "retry", id, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto r = Json::parse(again.out);
  EXPECT_EQ(r.at("state"), "RUNNING");
  EXPECT_EQ(r.at("run"), 2);
  EXPECT_EQ(r.at("retried"), (Json{"parse", "store"}));
  auto w = ctl({"workflow", "wait", id, "--timeout", "60"});
  ASSERT_EQ(w.exit_code, 0) << w.err << w.out;
  auto done = status(id);
  EXPECT_EQ(done.at("state"), "COMPLETED");
  EXPECT_EQ(done.at("run"), 2);
  EXPECT_EQ(step_of(done, "fetch").at("attempt"), 1) << "a completed step is kept, not re-run";
  EXPECT_EQ(step_of(done, "parse").at("attempt"), 2) << "re-opened in place as its next attempt";
  EXPECT_EQ(step_of(done, "parse").at("task_id"), tasks.at("parse"));
  auto store = client().status(tasks.at("store").get<std::string>());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->output, (Json{{"parsed_from", "https://example.org/rows"}}));
  // A COMPLETED workflow has nothing to retry.
  auto no = ctl({"workflow", "retry", id});
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_TRUE(contains(no.err, "FAILED_PRECONDITION")) << no.err;
}

TEST_F(WorkflowTest, Kill9OfTheSchedulerMidWorkflowAndARestartCompletesIt) {
  start({{"a1", {"work"}}, {"a2", {"work"}}});
  auto path = write("slow.yaml", R"(name: slow
steps:
  - {name: first, type: sleep, capabilities: [work], input: {ms: 200}}
  - {name: middle, type: sleep, capabilities: [work], depends_on: [first], input: {ms: 3000}}
  - {name: wide, type: echo, capabilities: [work], depends_on: [first], input: {n: 7}}
  - {name: last, type: echo, capabilities: [work], depends_on: [middle, wide],
     input: {slept: "${steps.middle.output.slept_ms}", n: "${steps.wide.output.n}"}}
)");
  Json tasks;
  auto id = run_file(path, &tasks);
  ASSERT_TRUE(wait_until([&] { return step_of(status(id), "middle").at("state") == "RUNNING"; }, 30'000));
  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data directory
  auto resumed = status(id);
  EXPECT_EQ(resumed.at("state"), "RUNNING");
  EXPECT_EQ(step_of(resumed, "first").at("state"), "COMPLETED");
  auto w = ctl({"workflow", "wait", id, "--timeout", "60"});
  ASSERT_EQ(w.exit_code, 0) << w.err << w.out;
  auto done = status(id);
  EXPECT_EQ(done.at("state"), "COMPLETED");
  EXPECT_EQ(step_of(done, "first").at("attempt"), 1);
  // "middle" was running through the crash: its agent keeps that attempt if it re-attaches within
  // the restarted scheduler's grace, else it runs again as attempt 2 (lease_reconcile_test).
  EXPECT_LE(step_of(done, "middle").at("attempt").get<int>(), 2);
  auto last = client().status(tasks.at("last").get<std::string>());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->output, (Json{{"slept", 3000}, {"n", 7}}));
}

TEST_F(WorkflowTest, BadFilesAreRefusedAndChangeNothingAndCancelEndsARunningOne) {
  start({{"a1", {"work"}}});
  auto bad = write("bad.yaml", R"(name: bad
steps:
  - {name: collect, type: echo}
  - {name: use, type: echo, depends_on: [collect], input: {rows: "${steps.colect.output.rows}"}}
)");
  auto r = ctl({"workflow", "run", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "steps[1].input.rows: unknown step \"colect\"")) << r.err;
  auto gated = write("gated.yaml", "name: g\nconsensus: {type: sortition}\nsteps: [{name: a, type: echo}]\n");
  auto g = ctl({"workflow", "run", gated});
  EXPECT_EQ(g.exit_code, 2);
  EXPECT_TRUE(contains(g.err, "consensus: type must be one of majority, unanimous, weighted, pbft")) << g.err;
  ListTasks all;
  auto list = client().list(all);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->tasks.empty()) << "a refused workflow created no task";
  auto missing = ctl({"workflow", "status", "w404"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "NOT_FOUND")) << missing.err;

  auto slow = write("long.yaml", R"(name: long
steps:
  - {name: nap, type: sleep, capabilities: [work], input: {ms: 60000}}
  - {name: after, type: echo, capabilities: [work], depends_on: [nap]}
)");
  auto id = run_file(slow);
  ASSERT_TRUE(wait_until([&] { return step_of(status(id), "nap").at("state") == "RUNNING"; }, 30'000));
  auto c = ctl({"workflow", "cancel", id, "--reason", "not needed", "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(Json::parse(c.out).at("state"), "CANCELLED");
  auto wf = status(id);
  EXPECT_EQ(wf.at("state"), "CANCELLED");
  EXPECT_TRUE(contains(wf.at("reason"), "not needed"));
  EXPECT_EQ(step_of(wf, "nap").at("state"), "CANCELLED");
  EXPECT_NE(step_of(wf, "after").at("state"), "COMPLETED");
}

TEST_F(WorkflowTest, TheCppClientCoordinatesAMultiAgentWorkflow) {
  start({{"data-1", {"data"}}, {"gpu-1", {"gpu"}}});
  auto make = [](const std::string& name, const std::string& cap, std::vector<std::string> deps, Json input) {
    WorkflowStep s;
    s.name = name;
    s.task.type = "echo";
    s.task.capabilities = {cap};
    s.task.depends_on = std::move(deps);
    s.task.input = std::move(input);
    return s;
  };
  std::vector<WorkflowStep> steps = {make("collect", "data", {}, {{"rows", 42}}),
                                     make("train", "gpu", {"collect"}, {{"rows", "${steps.collect.output.rows}"}}),
                                     make("report", "data", {"train"}, {{"text", "trained on ${steps.collect.output.rows} rows"}})};
  auto run = client().coordinate_multi_agent_workflow("cpp-pipeline", steps);
  ASSERT_TRUE(run.ok()) << run.error().to_string();
  auto done = client().wait_workflow(run->workflow_id, 60'000);
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ(done->state, WorkflowState::COMPLETED) << done->reason;
  EXPECT_EQ(done->steps[1].agent, "gpu-1");
  EXPECT_EQ(done->steps[0].agent, "data-1");
  auto report = client().status(run->task_ids.at("report"));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->output, (Json{{"text", "trained on 42 rows"}}));
  // With a gate (and no consensus service here) the steps wait for an approval; cancel ends it.
  auto gated = client().coordinate_multi_agent_workflow("gated", steps, Json{{"type", "majority"}, {"capability", "data"}});
  ASSERT_TRUE(gated.ok()) << gated.error().to_string();
  auto held = client().workflow_status(gated->workflow_id);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->state, WorkflowState::RUNNING);
  EXPECT_EQ(held->gate.at("outcome"), "");
  for (const auto& s : held->steps) EXPECT_EQ(s.state, TaskState::PENDING) << s.name;
  auto stop = client().cancel_workflow(gated->workflow_id, "no approval today");
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->state, WorkflowState::CANCELLED);
  // A bad reference is refused before anything is sent.
  steps[2].task.input = {{"x", "${steps.nowhere.output}"}};
  auto bad = client().coordinate_multi_agent_workflow("bad", steps);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "steps[2].input.x: unknown step \"nowhere\"");
}

TEST_F(WorkflowTest, ThePythonClientRunsTheSixStepMlPipelineOverSeveralAgents) {
  start({{"data-1", {"data"}}, {"feat-1", {"features"}}, {"gpu-1", {"gpu"}}, {"eval-1", {"evaluation"}},
         {"ops-1", {"deploy"}}});
  const std::string script = cluster.dir().file("workflow_client.py");
  std::ofstream(script) << R"PY(
import json, sys
sys.path.insert(0, sys.argv[1])
from orion_sdk import Client, OrionError, WorkflowState

steps = [
    {"name": "data-collection", "type": "echo", "capabilities": ["data"], "priority": "high",
     "input": {"table": "events", "rows": 120000}},
    {"name": "preprocessing", "type": "echo", "capabilities": ["data"], "depends_on": ["data-collection"],
     "input": {"rows": "${steps.data-collection.output.rows}"}},
    {"name": "feature-engineering", "type": "echo", "capabilities": ["features"], "depends_on": ["preprocessing"],
     "input": {"rows": "${steps.preprocessing.output.rows}", "features": ["recency", "frequency"]}},
    {"name": "model-training", "type": "echo", "capabilities": ["gpu"], "depends_on": ["feature-engineering"],
     "input": {"features": "${steps.feature-engineering.output.features}", "model": "gbm"}},
    {"name": "model-evaluation", "type": "echo", "capabilities": ["evaluation"], "depends_on": ["model-training"],
     "input": {"model": "${steps.model-training.output.model}", "auc": 0.91}},
    {"name": "model-deployment", "type": "echo", "capabilities": ["deploy"], "depends_on": ["model-evaluation"],
     "input": {"model": "${steps.model-training.output.model}", "auc": "${steps.model-evaluation.output.auc}"}},
]
out = {}
with Client(sys.argv[2], request_timeout_ms=2000, call_timeout_ms=10_000) as client:
    run = client.coordinate_multi_agent_workflow("ml-pipeline", steps, require_consensus=False)
    view = client.wait_workflow(run["workflow_id"], 60000)
    out["state"] = view["state"].name
    out["agents"] = [s["agent"] for s in view["steps"]]
    out["states"] = [s["state"].name for s in view["steps"]]
    out["deploy_task"] = run["task_ids"]["model-deployment"]
    gated = client.coordinate_multi_agent_workflow("gated", steps, require_consensus=True)
    out["gated"] = client.workflow_status(gated["workflow_id"])["state"].name  # waits for votes
    out["gated_cancel"] = client.cancel_workflow(gated["workflow_id"], "no vote here")["state"].name
    try:
        client.workflow_status("w999")
    except OrionError as e:
        out["missing"] = e.code.name
print(json.dumps(out))
)PY";
  auto run = run_command("/usr/bin/python3", {script, std::string(ORION_SOURCE_DIR) + "/sdk/python", cluster.registry_endpoint},
                         cluster.dir().path(), 120'000);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  Json seen = Json::parse(run.out);
  EXPECT_EQ(seen.at("state"), "COMPLETED") << seen.dump();
  EXPECT_EQ(seen.at("states"), Json(std::vector<std::string>(6, "COMPLETED")));
  std::set<std::string> agents;
  for (const auto& a : seen.at("agents")) agents.insert(a.get<std::string>());
  EXPECT_EQ(agents.size(), 5u) << seen.dump();
  auto deploy = client().status(seen.at("deploy_task").get<std::string>());
  ASSERT_TRUE(deploy.ok());
  EXPECT_EQ(deploy->output, (Json{{"model", "gbm"}, {"auc", 0.91}}));
  EXPECT_EQ(seen.at("gated"), "RUNNING");
  EXPECT_EQ(seen.at("gated_cancel"), "CANCELLED");
  EXPECT_EQ(seen.at("missing"), "NOT_FOUND");
}

// Gated workflows with a real orion-consensus and voting agents: approved, the six-step ML
// pipeline runs over five agents; rejected by vote, it ends CANCELLED without starting a step.
class WorkflowGateTest : public WorkflowTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_consensus();
    cluster.start_scheduler();
    cluster.start_agent("data-1", {"data", "approve"}, 2);
    cluster.start_agent("feat-1", {"features", "approve"}, 2);
    cluster.start_agent("gpu-1", {"gpu"}, 2);
    cluster.start_agent("eval-1", {"evaluation"}, 2);
    cluster.start_agent("ops-1", {"deploy"}, 2);
    ASSERT_TRUE(cluster.wait_agents_up(5));
  }
  // A voter hears proposals once its bus subscription reached the publisher. Ready = a small
  // gated workflow (2 s gate) was approved by both voters and ran.
  bool every_voter_votes() {
    auto warm = write("warm.yaml", "name: warm\nconsensus: {type: unanimous, capability: approve, timeout: 2}\n"
                                   "steps: [{name: only, type: echo, capabilities: [data]}]\n");
    return wait_until(
        [&] {
          auto id = run_file(warm);
          return !id.empty() && ctl({"workflow", "wait", id, "--timeout", "10"}).exit_code == 0;
        },
        60'000);
  }
};

TEST_F(WorkflowGateTest, AnApprovedGateRunsTheSixStepMlPipelineOverFiveAgents) {
  ASSERT_TRUE(every_voter_votes());
  Json tasks;
  auto id = run_file(example("ml_pipeline_gated.yaml"), &tasks);
  auto w = ctl({"workflow", "wait", id, "--timeout", "60"});
  ASSERT_EQ(w.exit_code, 0) << w.err << w.out;
  auto wf = status(id);
  EXPECT_EQ(wf.at("state"), "COMPLETED");
  EXPECT_EQ(wf.at("gate").at("outcome"), "APPROVED");
  EXPECT_FALSE(wf.at("gate").at("proposal_id").get<std::string>().empty());
  std::set<std::string> agents;
  for (const auto& s : wf.at("steps")) agents.insert(s.at("agent").get<std::string>());
  EXPECT_EQ(agents.size(), 5u) << wf.dump();
  auto deploy = client().status(tasks.at("model-deployment").get<std::string>());
  ASSERT_TRUE(deploy.ok());
  EXPECT_EQ(deploy->output.at("model"), "gradient-boosting");
  EXPECT_EQ(deploy->output.at("evaluated_with"), "auc");
}

TEST_F(WorkflowGateTest, AGateRejectedByVoteNeverStartsAStep) {
  ASSERT_TRUE(every_voter_votes());
  auto path = write("rejected.yaml", R"(name: rejected
consensus: {type: unanimous, capability: approve, timeout: 20, data: {votes: {feat-1: "no"}}}
steps:
  - {name: collect, type: echo, capabilities: [data]}
  - {name: train, type: echo, capabilities: [gpu], depends_on: [collect]}
)");
  auto id = run_file(path);
  auto w = ctl({"workflow", "wait", id, "--timeout", "60"});
  EXPECT_EQ(w.exit_code, 1);
  auto wf = status(id);
  EXPECT_EQ(wf.at("state"), "CANCELLED");
  EXPECT_EQ(wf.at("gate").at("outcome"), "REJECTED");
  EXPECT_TRUE(contains(wf.at("reason"), "REJECTED")) << wf.at("reason");
  for (const auto& s : wf.at("steps")) {
    EXPECT_EQ(s.at("attempt"), 0) << s.dump();
    EXPECT_EQ(s.at("agent"), "") << s.dump();
    auto v = client().status(s.at("task_id").get<std::string>());
    ASSERT_TRUE(v.ok());
    for (const auto& h : v->history) EXPECT_NE(h.state, TaskState::ASSIGNED) << s.dump();
  }
  auto r = ctl({"workflow", "retry", id});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "ended REJECTED")) << r.err;
}

}  // namespace
}  // namespace orion::testing
