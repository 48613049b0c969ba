// Agent identity on real processes (issue 17, part 3; docs/protocol.md 11.3). With CURVE, an
// agent id belongs to the first key that takes it: another key's REGISTER and ATTACH of it are
// PERMISSION_DENIED while the real agent runs its task to the end as attempt 1, and still after
// that agent is gone and the scheduler restarted. Without keys, a second process with the id
// (another instance token) is refused ALREADY_EXISTS while the first is live, says so in its log
// and keeps trying; the first keeps its task; once the first is killed and its liveness window
// has passed, the second is accepted and given work.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/messages.h"
#include "common/sockets.h"
#include "common/transport_security.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TaskSpec slow_task(int ms) {
  TaskSpec s;
  s.type = "sleep";
  s.capabilities = {"work"};
  s.input = {{"ms", ms}};
  s.timeout_ms = 60'000;
  return s;
}

// One request sent straight to a service, as any process on the network could send it (on
// CURVE with whatever key this process has set): the answer, or UNAVAILABLE after 5 s.
Result<Envelope> ask(const std::string& endpoint, MsgType type, const Json& body) {
  zmq::context_t ctx(1);
  auto s = make_socket(ctx, zmq::socket_type::dealer);
  connect_socket(s, endpoint);
  send_envelope(s, Envelope{type, "identity-test", body});
  zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
  const auto deadline = now_ms() + 5'000;
  while (now_ms() < deadline) {
    zmq::poll(items, 1, std::chrono::milliseconds(100));
    Incoming in;
    if (receive(s, in, /*routed=*/false) && in.envelope) {
      s.set(zmq::sockopt::linger, 0);
      return *in.envelope;
    }
  }
  s.set(zmq::sockopt::linger, 0);
  return make_error(ErrorCode::UNAVAILABLE, "no answer from " + endpoint);
}

AgentSpec spec_of(const std::string& id) {
  AgentSpec a;
  a.agent_id = id;
  a.capabilities = {"work"};
  return a;
}

// The error code an answer carries; OK when it is not an ERROR.
ErrorCode code_of(const Result<Envelope>& answer) {
  if (!answer) return answer.error().code;
  return answer->type == MsgType::ERROR ? error_from_body(answer->body).code : ErrorCode::UNKNOWN;
}

std::size_t assignments_to(const TaskView& v, const std::string& agent) {
  std::size_t n = 0;
  for (const auto& c : v.history) n += c.state == TaskState::ASSIGNED && c.agent == agent;
  return n;
}

class AgentIdentityTest : public ClusterTest {
 protected:
  void TearDown() override {
    set_transport_security({});
    ClusterTest::TearDown();
  }
  std::string extra_logs() const override { return second ? "---- second process\n" + second->log_tail(8000) : ""; }
  bool wait_state(sdk::Client& client, const std::string& id, TaskState state) {
    return wait_until(
        [&] {
          auto v = client.status(id);
          return v.ok() && v->state == state;
        },
        20'000);
  }
  std::unique_ptr<Process> second;
};

TEST_F(AgentIdentityTest, WithCurveAnotherKeyCannotTakeALiveAgentsIdNorOneItsAgentLeft) {
  auto keygen = [&](const std::string& name) {
    const std::string path = cluster.dir().file(name + ".key");
    auto pair = generate_curve_key_pair();
    EXPECT_TRUE(write_key_pair(path, pair).ok());
    return path;
  };
  const std::string services = keygen("services"), client = keygen("client"), fleet_a = keygen("fleet-a"),
                    fleet_b = keygen("fleet-b");
  auto pub = [](const std::string& key_file) { return read_public_key(key_file + ".pub").value(); };
  const std::string policy = cluster.dir().file("policy.yaml");
  // Both fleets may take any id w*: which key holds one is decided by the first to take it.
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << pub(services) << "\", roles: [service]}\n"
                        << "  ci: {key: \"" << pub(client) << "\", roles: [submitter]}\n"
                        << "  fleet-a: {key: \"" << pub(fleet_a) << "\", roles: [agent], agents: [\"w*\"]}\n"
                        << "  fleet-b: {key: \"" << pub(fleet_b) << "\", roles: [agent], agents: [\"w*\"]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  auto as = [&](const std::string& key) {
    auto sec = load_transport_security(key, services + ".pub");
    ASSERT_TRUE(sec.ok()) << sec.error().to_string();
    set_transport_security(*sec);
  };
  as(client);
  cluster.start_registry(service_flags);
  cluster.start_scheduler(service_flags);
  cluster.start_agent("w1", {"work"}, 1,
                      {"--curve-key", fleet_a, "--curve-server-key", services + ".pub", "--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client c(cluster.client_options());
  auto id = c.submit(slow_task(2500));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(wait_state(c, *id, TaskState::RUNNING));

  // fleet-b's agent process with the same id: its REGISTER is refused, it logs that and retries.
  second = std::make_unique<Process>(bin("orion-example-agent"),
                                     std::vector<std::string>{"--registry", cluster.registry_endpoint, "--id", "w1",
                                                              "--cap", "work", "--curve-key", fleet_b,
                                                              "--curve-server-key", services + ".pub"},
                                     cluster.dir().file("impostor.log"));
  EXPECT_TRUE(wait_until(
      [&] {
        const auto log = read_file(second->log_path());
        return log.find("event=agent_id_refused agent=w1 peer=registry request=REGISTER code=PERMISSION_DENIED") !=
               std::string::npos;
      },
      15'000));
  // And straight to the scheduler, with a token and without one (which rule 2 would let through).
  as(fleet_b);
  for (const std::string instance : {"impostor-token", ""}) {
    auto answer = ask(cluster.scheduler_agent, MsgType::ATTACH, Attach{spec_of("w1"), std::vector<TaskRef>{}, instance}.to_body());
    EXPECT_EQ(code_of(answer), ErrorCode::PERMISSION_DENIED) << (answer ? answer->body.dump() : answer.error().to_string());
    if (answer && answer->type == MsgType::ERROR) {
      EXPECT_NE(error_from_body(answer->body).message.find("agent id w1 is held by another key"), std::string::npos);
    }
  }
  as(client);

  auto v = c.wait(*id, 30'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->state, TaskState::COMPLETED) << v->error << " " << v->reason;
  EXPECT_EQ(v->attempt, 1) << "the real w1 kept its task";
  EXPECT_EQ(assignments_to(*v, "w1"), 1u);
  EXPECT_EQ(read_file(cluster.agent("w1").log_path()).find("event=task_cancelled"), std::string::npos);

  // The real w1 goes away for good; the scheduler restarts. The id is still fleet-a's.
  second.reset();
  cluster.agent("w1").kill9();
  ASSERT_TRUE(wait_until(
      [&] { return cluster.scheduler().log_tail(100'000).find("event=agent_lost agent=w1") != std::string::npos; },
      15'000));
  cluster.scheduler().kill9();
  cluster.start_scheduler(service_flags);
  as(fleet_b);
  auto attach = ask(cluster.scheduler_agent, MsgType::ATTACH, Attach{spec_of("w1"), std::vector<TaskRef>{}, "later"}.to_body());
  EXPECT_EQ(code_of(attach), ErrorCode::PERMISSION_DENIED) << "bound by its first registration, kept across a restart";
  auto reg = ask(cluster.registry_endpoint, MsgType::REGISTER, Register{spec_of("w1"), "later"}.to_body());
  EXPECT_EQ(code_of(reg), ErrorCode::PERMISSION_DENIED);
  auto other = ask(cluster.scheduler_agent, MsgType::ATTACH, Attach{spec_of("w2"), std::vector<TaskRef>{}, "b"}.to_body());
  EXPECT_EQ(code_of(other), ErrorCode::UNKNOWN) << "an id nobody holds is fleet-b's to take";
  as(fleet_a);
  auto own = ask(cluster.scheduler_agent, MsgType::ATTACH, Attach{spec_of("w1"), std::vector<TaskRef>{}, "back"}.to_body());
  EXPECT_EQ(code_of(own), ErrorCode::UNKNOWN) << "its own key takes it back";
}

TEST_F(AgentIdentityTest, WithoutKeysASecondLiveProcessIsRefusedAndTakesTheIdOnlyOnceTheFirstIsGone) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("a1", {"work"}, 1, {"--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client c(cluster.client_options());
  auto id = c.submit(slow_task(2500));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(wait_state(c, *id, TaskState::RUNNING));

  second = std::make_unique<Process>(
      bin("orion-example-agent"),
      std::vector<std::string>{"--registry", cluster.registry_endpoint, "--id", "a1", "--cap", "work", "--log-level",
                               "debug"},
      cluster.dir().file("second.log"));
  // Refused at the registry: the second process logs it, with the id, and keeps trying (backoff).
  EXPECT_TRUE(wait_until(
      [&] {
        const auto log = read_file(second->log_path());
        auto first = log.find("event=agent_id_refused agent=a1 peer=registry request=REGISTER code=ALREADY_EXISTS");
        return first != std::string::npos && log.find("event=agent_id_refused", first + 1) != std::string::npos;
      },
      15'000))
      << "refused, and tried again";
  EXPECT_NE(cluster.registry().log_tail(100'000).find("event=register_refused agent=a1"), std::string::npos);
  // Straight to the scheduler with another token: refused there too, as its own rule.
  auto answer = ask(cluster.scheduler_agent, MsgType::ATTACH, Attach{spec_of("a1"), std::vector<TaskRef>{}, "other"}.to_body());
  EXPECT_EQ(code_of(answer), ErrorCode::ALREADY_EXISTS) << (answer ? answer->body.dump() : answer.error().to_string());

  auto v = c.wait(*id, 30'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->state, TaskState::COMPLETED) << v->error << " " << v->reason;
  EXPECT_EQ(v->attempt, 1) << "the first process kept its task";
  EXPECT_EQ(assignments_to(*v, "a1"), 1u);
  EXPECT_EQ(read_file(second->log_path()).find("event=task_started"), std::string::npos) << "the second ran nothing";
  EXPECT_EQ(read_file(cluster.agent("a1").log_path()).find("event=task_cancelled"), std::string::npos);

  // The first dies; after its liveness window (200 ms x 3 here) the second is accepted.
  cluster.agent("a1").kill9();
  ASSERT_TRUE(wait_until(
      [&] { return read_file(second->log_path()).find("event=attached agent=a1") != std::string::npos; }, 20'000))
      << second->log_tail();
  auto next = c.submit(slow_task(10));
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  auto nv = c.wait(*next, 20'000);
  ASSERT_TRUE(nv.ok()) << nv.error().to_string();
  EXPECT_EQ(nv->state, TaskState::COMPLETED);
  EXPECT_NE(read_file(second->log_path()).find("event=task_started agent=a1 task=" + *next + " "), std::string::npos)
      << "run by the second process";
}

}  // namespace
}  // namespace orion::testing
