// The Python SDK (sdk/python) on real processes: the protocol is language-neutral. A Python
// agent (sdk/python/examples/agent.py, run with /usr/bin/python3 straight from the source tree)
// runs the example task types with the results orion-example-agent gives; the Python client
// submits to a C++ agent and sees what the C++ client sees; cancel, SIGTERM and a scheduler
// restart behave as with the C++ agent. Every wait has a deadline.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

constexpr std::int64_t kWaitMs = 30'000;  // generous: a loaded 2-core machine must not fail these
const char* const kPython = "/usr/bin/python3";  // Debian's, with python3-zmq and python3-msgpack

std::string sdk_dir() { return std::string(ORION_SOURCE_DIR) + "/sdk/python"; }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// One kind of task both agents run, and what it must end as.
struct Case {
  std::string label;
  std::string type;
  Json input;
  std::int64_t retries = 0;
  TaskState state = TaskState::COMPLETED;
  Json output;          // checked when COMPLETED
  std::string error;    // checked when FAILED
  std::int64_t attempt = 1;
};

// A task submitted for its side effects, not compared to an expectation.
Case simple(const std::string& label, const std::string& type, Json input) {
  Case c;
  c.label = label;
  c.type = type;
  c.input = std::move(input);
  return c;
}

std::vector<Case> example_cases() {
  const Json rich = {{"text", "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x9A\x80"},
                     {"numbers", {1, -2, 3.5, 0.1, -1e300}},
                     {"big", std::numeric_limits<std::uint64_t>::max()},
                     {"small", std::numeric_limits<std::int64_t>::min()},
                     {"nested", {{"list", {nullptr, true, false}}, {"empty", Json::object()}}},
                     {"blob", Json::binary({0x00, 0x01, 0xFE, 0xFF})}};
  std::vector<Case> cases;
  cases.push_back({"echo a rich value", "echo", rich, 0, TaskState::COMPLETED, rich, "", 1});
  cases.push_back({"echo a string", "echo", "just a string", 0, TaskState::COMPLETED, "just a string", "", 1});
  cases.push_back({"echo nothing", "echo", nullptr, 0, TaskState::COMPLETED, nullptr, "", 1});
  cases.push_back({"fail with a message", "fail", {{"message", "disk on fire"}}, 0, TaskState::FAILED, nullptr,
                   "disk on fire", 1});
  cases.push_back({"fail without one", "fail", Json::object(), 0, TaskState::FAILED, nullptr, "failed on purpose", 1});
  cases.push_back({"flaky, retried until it works", "flaky", {{"failures", 2}, {"k", "v"}}, 2, TaskState::COMPLETED,
                   {{"failures", 2}, {"k", "v"}}, "", 3});
  cases.push_back({"flaky, out of retries", "flaky", {{"failures", 3}}, 1, TaskState::FAILED, nullptr,
                   "flaky failure 2", 2});
  cases.push_back({"sleep", "sleep", {{"ms", 200}}, 0, TaskState::COMPLETED, {{"slept_ms", 200}}, "", 1});
  cases.push_back({"sleep a negative time", "sleep", {{"ms", -5}}, 0, TaskState::FAILED, nullptr,
                   "input.ms must be a non-negative integer", 1});
  cases.push_back({"sleep without a number", "sleep", {{"ms", "soon"}}, 0, TaskState::FAILED, nullptr,
                   "input.ms must be a non-negative integer", 1});
  cases.push_back({"a type no handler serves", "transcode", {{"x", 1}}, 0, TaskState::FAILED, nullptr,
                   "no handler for task type 'transcode'", 1});
  return cases;
}

class PythonSdkTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
  }
  std::string extra_logs() const override {
    std::string out;
    for (const auto& [id, p] : python_agents) out += "---- python agent " + id + " ----\n" + p->log_tail(6000) + "\n";
    return out;
  }

  void start_python_agent(const std::string& id, const std::vector<std::string>& caps, int capacity = 1) {
    std::vector<std::string> args{sdk_dir() + "/examples/agent.py", "--registry", cluster.registry_endpoint, "--id", id,
                                  "--capacity", std::to_string(capacity), "--log-level", "debug"};
    for (const auto& c : caps) args.insert(args.end(), {"--cap", c});
    python_agents[id] =
        std::make_unique<Process>(kPython, args, cluster.dir().file("python-agent-" + id + ".log"));
  }
  Process& python_agent(const std::string& id) { return *python_agents.at(id); }

  // The registry's view of agent `id`, once it is UP (nullopt at the deadline).
  std::optional<AgentView> wait_agent_up(const std::string& id) {
    std::optional<AgentView> found;
    wait_until(
        [&] {
          auto list = client().agents();
          if (!list) return false;
          for (const auto& a : *list) {
            if (a.spec.agent_id == id && a.state == "UP") found = a;
          }
          return found.has_value();
        },
        kWaitMs);
    return found;
  }

  sdk::Client& client() {
    if (!client_) client_ = std::make_unique<sdk::Client>(cluster.client_options());
    return *client_;
  }

  // Waits until the task is terminal; fails the test (and returns its last view) otherwise.
  TaskView finish(const std::string& id) {
    auto v = client().wait(id, kWaitMs);
    EXPECT_TRUE(v.ok()) << id << ": " << v.error().to_string();
    if (!v.ok()) return TaskView{};
    EXPECT_TRUE(is_terminal(v->state)) << id << " is still " << to_string(v->state) << ": " << v->reason;
    return *v;
  }

  std::string submit(const Case& c, const std::string& capability) {
    TaskSpec s;
    s.name = c.label;
    s.type = c.type;
    s.capabilities = {capability};
    s.input = c.input;
    s.retries = c.retries;
    s.retry.initial_ms = 50;
    s.retry.max_ms = 50;
    auto id = client().submit(s);
    EXPECT_TRUE(id.ok()) << c.label << ": " << id.error().to_string();
    return id.ok() ? *id : std::string();
  }

  bool wait_running(const std::string& id) {
    return wait_until(
        [&] {
          auto v = client().status(id);
          return v.ok() && v->state == TaskState::RUNNING;
        },
        kWaitMs);
  }

  std::map<std::string, std::unique_ptr<Process>> python_agents;  // declared after cluster: stopped first
  std::unique_ptr<sdk::Client> client_;
};

TEST_F(PythonSdkTest, APythonAgentRunsTheExampleTaskTypesWithTheResultsOfTheCppAgent) {
  cluster.start_agent("cpp", {"cpp"}, 4);
  start_python_agent("py", {"py"}, 4);
  ASSERT_TRUE(wait_agent_up("cpp").has_value());
  auto py = wait_agent_up("py");
  ASSERT_TRUE(py.has_value()) << "the Python agent never registered";
  EXPECT_EQ(py->spec.sdk_version, "python/0.1");
  EXPECT_EQ(py->spec.capabilities, std::vector<std::string>{"py"});
  EXPECT_EQ(py->spec.capacity, 4);

  const auto cases = example_cases();
  std::vector<std::pair<std::string, std::string>> ids;  // (on the C++ agent, on the Python agent)
  for (const auto& c : cases) ids.emplace_back(submit(c, "cpp"), submit(c, "py"));
  ASSERT_FALSE(HasFailure());

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.label);
    TaskView on_cpp = finish(ids[i].first);
    TaskView on_py = finish(ids[i].second);
    EXPECT_EQ(on_cpp.assigned_agent, "cpp");
    EXPECT_EQ(on_py.assigned_agent, "py");
    // What the task must end as ...
    EXPECT_EQ(on_py.state, c.state) << to_string(on_py.state) << " " << on_py.error;
    EXPECT_EQ(on_py.attempt, c.attempt);
    if (c.state == TaskState::COMPLETED) {
      EXPECT_EQ(on_py.output, c.output);
    } else {
      EXPECT_EQ(on_py.error, c.error);
    }
    // ... and exactly what the C++ agent made of it.
    EXPECT_EQ(on_py.state, on_cpp.state);
    EXPECT_EQ(on_py.output, on_cpp.output);
    EXPECT_EQ(on_py.error, on_cpp.error);
    EXPECT_EQ(on_py.attempt, on_cpp.attempt);
    EXPECT_EQ(on_py.failures, on_cpp.failures);
    EXPECT_EQ(on_py.progress, on_cpp.progress);
    if (c.type != "transcode") {
      // The agent said "started" (TASK_PROGRESS): the task went through RUNNING.
      bool ran = false;
      for (const auto& h : on_py.history) ran = ran || h.state == TaskState::RUNNING;
      EXPECT_TRUE(ran) << "no RUNNING in the Python task's history";
    }
  }
}

TEST_F(PythonSdkTest, ThePythonClientSubmitsToACppAgentAndSeesWhatTheCppClientSees) {
  cluster.start_agent("cpp", {"text"}, 4);
  ASSERT_TRUE(wait_agent_up("cpp").has_value());
  // The client script: submits each case, waits for it, prints what it saw as JSON; then
  // cancels a long sleep once it runs, and asks for a task that does not exist.
  const std::string script = cluster.dir().file("client.py");
  std::ofstream(script) << R"PY(
import json, sys, time
sys.path.insert(0, sys.argv[1])
from orion_sdk import Client, OrionError, TaskState

registry, cases = sys.argv[2], json.loads(sys.argv[3])
out = {"results": []}
with Client(registry, request_timeout_ms=2000, call_timeout_ms=10_000) as client:
    ids = [client.submit(c["type"], c["input"], name=c["label"], capabilities=["text"], retries=c["retries"],
                         retry={"kind": "fixed", "initial_ms": 50, "max_ms": 50}) for c in cases]
    for task_id in ids:
        v = client.wait(task_id, 30000)
        out["results"].append({"task_id": v.task_id, "state": v.state.name, "output": v.output, "error": v.error,
                               "attempt": v.attempt, "agent": v.assigned_agent, "type": v.type, "name": v.name})
    long = client.submit("sleep", {"ms": 60000}, capabilities=["text"], priority="high")
    deadline = time.monotonic() + 30
    while client.status(long).state != TaskState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.01)
    cancelled = client.cancel(long, "not needed")
    out["cancel"] = {"task_id": long, "cancel_ok_state": cancelled["state"].name,
                     "final_state": client.wait(long, 30000).state.name}
    try:
        client.status("t-does-not-exist")
        out["missing"] = "found"
    except OrionError as e:
        out["missing"] = e.code.name
print(json.dumps(out))
)PY";
  // The cases, without the binary input (the script prints JSON) and without the unknown type.
  std::vector<Case> cases;
  Json cases_json = Json::array();
  for (auto c : example_cases()) {
    if (c.type == "transcode") continue;
    if (c.input.is_object()) c.input.erase("blob");
    if (c.output.is_object()) c.output.erase("blob");
    cases_json.push_back({{"label", c.label}, {"type", c.type}, {"input", c.input}, {"retries", c.retries}});
    cases.push_back(c);
  }
  auto run = run_command(kPython, {script, sdk_dir(), cluster.registry_endpoint, cases_json.dump()},
                         cluster.dir().path(), 120'000);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  Json seen;
  ASSERT_NO_THROW(seen = Json::parse(run.out)) << run.out << run.err;
  ASSERT_EQ(seen.at("results").size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Json& r = seen["results"][i];
    SCOPED_TRACE(c.label);
    // What the task must end as ...
    EXPECT_EQ(r.at("state"), std::string(to_string(c.state))) << r.dump();
    EXPECT_EQ(r.at("attempt"), c.attempt);
    EXPECT_EQ(r.at("agent"), "cpp");
    EXPECT_EQ(r.at("type"), c.type);
    EXPECT_EQ(r.at("name"), c.label);
    if (c.state == TaskState::COMPLETED) {
      EXPECT_EQ(r.at("output"), c.output);
    } else {
      EXPECT_EQ(r.at("error"), c.error);
    }
    // ... and what the C++ client reads for the same task.
    auto v = client().status(r.at("task_id").get<std::string>());
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    EXPECT_EQ(r.at("state"), std::string(to_string(v->state)));
    EXPECT_EQ(r.at("output"), v->output);
    EXPECT_EQ(r.at("error"), v->error);
    EXPECT_EQ(r.at("attempt"), v->attempt);
    EXPECT_EQ(v->spec.input, c.input) << "the Python client's input arrived unchanged";
    EXPECT_EQ(v->spec.retries, c.retries);
  }
  EXPECT_EQ(seen.at("cancel").at("cancel_ok_state"), "CANCELLED");
  EXPECT_EQ(seen.at("cancel").at("final_state"), "CANCELLED");
  auto cancelled = client().status(seen["cancel"]["task_id"].get<std::string>());
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, TaskState::CANCELLED);
  EXPECT_EQ(cancelled->spec.priority, Priority::HIGH);
  EXPECT_TRUE(contains(cancelled->error, "not needed")) << cancelled->error;
  EXPECT_EQ(seen.at("missing"), "NOT_FOUND");
}

TEST_F(PythonSdkTest, CancellingARunningSleepOnThePythonAgentEndsCancelledAndFreesItsOnlyWorker) {
  start_python_agent("py", {"py"}, /*capacity=*/1);
  ASSERT_TRUE(wait_agent_up("py").has_value());
  const Case sleep = simple("long sleep", "sleep", {{"ms", 60'000}});
  const std::string id = submit(sleep, "py");
  ASSERT_TRUE(wait_running(id)) << "the sleep never started";
  // Its own progress reports arrive while it sleeps.
  ASSERT_TRUE(wait_until(
      [&] {
        auto v = client().status(id);
        return v.ok() && v->progress > 0;
      },
      kWaitMs))
      << "no progress from the Python handler";

  const auto cancelled_at = now_ms();
  auto ok = client().cancel(id, "changed my mind");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->state, TaskState::CANCELLED);
  TaskView v = finish(id);
  EXPECT_EQ(v.state, TaskState::CANCELLED);
  EXPECT_EQ(v.assigned_agent, "py");

  // The agent has one worker: an echo completes only if the sleep's handler saw its cancel
  // token and returned, long before its 60 s.
  const Case echo = simple("after the cancel", "echo", {{"next", 1}});
  const std::string next = submit(echo, "py");
  TaskView n = finish(next);
  EXPECT_EQ(n.state, TaskState::COMPLETED) << n.error;
  EXPECT_EQ(n.output, echo.input);
  EXPECT_LT(now_ms() - cancelled_at, 20'000) << "the handler was left to sleep";
  EXPECT_TRUE(wait_until([&] { return contains(python_agent("py").log_tail(200'000), "event=task_cancelled"); },
                         kWaitMs))
      << "the agent never logged the CANCEL_TASK";
}

TEST_F(PythonSdkTest, SigtermStopsThePythonAgentWhichDetachesAndDeregisters) {
  start_python_agent("py", {"py"});
  ASSERT_TRUE(wait_agent_up("py").has_value());
  const Case echo = simple("attached?", "echo", "yes");
  ASSERT_EQ(finish(submit(echo, "py")).state, TaskState::COMPLETED);

  EXPECT_EQ(python_agent("py").stop(5000), 0) << "SIGTERM must end it cleanly with exit code 0";
  const std::string log = python_agent("py").log_tail(200'000);
  EXPECT_TRUE(contains(log, "event=stopped agent=py")) << log;
  // DEREGISTER removed it from the directory (not merely DOWN later) ...
  EXPECT_TRUE(wait_until(
      [&] {
        auto list = client().agents();
        if (!list) return false;
        for (const auto& a : *list) {
          if (a.spec.agent_id == "py") return false;
        }
        return true;
      },
      kWaitMs));
  // ... and DETACH ended its scheduler session at once.
  EXPECT_TRUE(wait_until([&] { return contains(cluster.scheduler().log_tail(200'000), "agent py detached"); },
                         kWaitMs))
      << cluster.scheduler().log_tail();
}

TEST_F(PythonSdkTest, ThePythonAgentAttachesAgainAfterTheSchedulerIsKilledAndRestarted) {
  start_python_agent("py", {"py"}, 2);
  ASSERT_TRUE(wait_agent_up("py").has_value());
  const Case echo = simple("before", "echo", {{"n", 1}});
  ASSERT_EQ(finish(submit(echo, "py")).state, TaskState::COMPLETED);

  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data directory
  client_.reset();            // a fresh client: the old one's socket waited on the dead scheduler

  const Case after = simple("after", "echo", {{"n", 2}});
  TaskView v = finish(submit(after, "py"));
  EXPECT_EQ(v.state, TaskState::COMPLETED) << v.error << " " << v.reason;
  EXPECT_EQ(v.output, after.input);
  EXPECT_EQ(v.assigned_agent, "py");
  EXPECT_TRUE(contains(python_agent("py").log_tail(200'000), "event=reattached agent=py"));
}

// The SDK as a user gets it: `pip install` of sdk/python into a virtual environment (that sees
// Debian's pyzmq and msgpack), then an agent of a few lines run by that environment's python,
// from a directory outside the source tree and without PYTHONPATH, serving a task.
TEST_F(PythonSdkTest, AnAgentFromAVirtualEnvironmentWithTheSdkInstalledServesATask) {
  if (run_command(kPython, {"-c", "import ensurepip"}, cluster.dir().path()).exit_code != 0) {
    GTEST_SKIP() << "no venv/ensurepip for " << kPython << " (Debian: python3-venv, which scripts/bootstrap.sh installs)";
  }
  const std::string env = cluster.dir().file("venv"), src = cluster.dir().file("sdk-src");
  auto made = run_command(kPython, {"-m", "venv", "--system-site-packages", env}, cluster.dir().path(), 60'000);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  // The build writes into its source (build/, *.egg-info): install from a copy.
  ASSERT_EQ(run_command("/bin/cp", {"-r", sdk_dir(), src}, cluster.dir().path()).exit_code, 0);
  auto pip = run_command(env + "/bin/python", {"-m", "pip", "install", "-q", "--no-deps", "--no-index",
                                               "--no-build-isolation", src},
                         cluster.dir().path(), 120'000);
  ASSERT_EQ(pip.exit_code, 0) << pip.out << pip.err;
  const std::string script = cluster.dir().file("my_agent.py");
  {
    std::ofstream out(script);
    out << "import sys\n"
           "from orion_sdk import Agent\n"
           "\n"
           "agent = Agent(\"venv-agent\", capabilities=[\"venv\"], registry=sys.argv[1])\n"
           "\n"
           "@agent.handler(\"shout\")\n"
           "def shout(ctx):\n"
           "    return {\"text\": ctx.input[\"text\"].upper(), \"from\": __import__(\"orion_sdk\").__file__}\n"
           "\n"
           "agent.run()\n";
  }
  // env -u PYTHONPATH: nothing points the interpreter at the source tree (env execs it: one PID).
  Process venv_agent("/usr/bin/env", {"-u", "PYTHONPATH", env + "/bin/python", script, cluster.registry_endpoint},
                     cluster.dir().file("venv-agent.log"));
  ASSERT_TRUE(wait_agent_up("venv-agent").has_value()) << venv_agent.log_tail(4000);
  TaskSpec s;
  s.type = "shout";
  s.capabilities = {"venv"};
  s.input = {{"text", "from a virtual environment"}};
  auto id = client().submit(s);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  TaskView v = finish(*id);
  ASSERT_EQ(v.state, TaskState::COMPLETED) << v.error << "\n" << venv_agent.log_tail(4000);
  EXPECT_EQ(v.output.at("text"), "FROM A VIRTUAL ENVIRONMENT");
  EXPECT_EQ(v.output.at("from").get<std::string>().rfind(env, 0), 0u)
      << "the SDK the agent ran is the installed one, not the source tree's: " << v.output.at("from");
  EXPECT_EQ(venv_agent.stop(5000), 0) << "SIGTERM ends it cleanly";
}

}  // namespace
}  // namespace orion::testing
