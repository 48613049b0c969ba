// The agent SDK when the scheduler it attached to stops leading: a fake registry and two fake
// schedulers (ROUTER sockets on loopback answered by a thread, fake_routers.h). The first leads,
// assigns a task and does not acknowledge its result; then it answers everything NOT_LEADER,
// naming the second (or "" while an election is under way). The agent re-attaches to the
// leader and re-sends the result there with the same request id. Every wait is on a condition
// with a deadline.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/wait_until.h"

#include "examples/example_handlers.h"
#include "sdk/cpp/agent.h"
#include "tests/unit/sdk/fake_routers.h"

namespace orion::sdk {
namespace {

using testing::FakeRouters;

constexpr int kWaitMs = 5000;  // generous: a loaded 2-core machine must not fail these

bool wait_until(const std::function<bool()>& done, int timeout_ms = kWaitMs) {
  return testing::wait_until(done, timeout_ms);
}

std::vector<Envelope> of(const std::vector<Envelope>& log, MsgType type) {
  std::vector<Envelope> out;
  for (const auto& e : log) {
    if (e.type == type) out.push_back(e);
  }
  return out;
}

class AgentLeaderTest : public ::testing::Test {
 protected:
  AgentLeaderTest() : fakes({"registry", "first", "leader"}) {
    fakes.on("registry", [this](const Envelope& e, const FakeRouters::Reply& reply) {
      switch (e.type) {
        case MsgType::REGISTER:
          reply(Envelope{MsgType::REGISTER_OK, e.request_id, RegisterOk{50, 40, false}.to_body()});
          break;
        case MsgType::HEARTBEAT:
          reply(Envelope{MsgType::HEARTBEAT_OK, e.request_id, Json::object()});
          break;
        case MsgType::DISCOVER: {
          Discovery d;
          d.scheduler_agent = fakes.endpoint(registry_names_leader ? "leader" : "first");
          reply(Envelope{MsgType::DISCOVERY, e.request_id, d.to_body()});
          break;
        }
        case MsgType::DEREGISTER:
          reply(Envelope{MsgType::DEREGISTER_OK, e.request_id, Json::object()});
          break;
        default:
          break;
      }
    });
    // The first scheduler: leads (attaches, assigns T1 once, never acknowledges a result) until
    // first_leads turns false; then answers everything NOT_LEADER.
    fakes.on("first", [this](const Envelope& e, const FakeRouters::Reply& reply) {
      if (!first_leads) {
        Json body{{"code", static_cast<int>(ErrorCode::NOT_LEADER)}, {"message", "not the leader"},
                  {"leader", name_the_leader ? fakes.endpoint("leader") : std::string()}};
        reply(Envelope{MsgType::ERROR, e.request_id, body});
        return;
      }
      if (e.type == MsgType::ATTACH) reply(Envelope{MsgType::ATTACH_OK, e.request_id, AttachOk{50, 40}.to_body()});
      if (e.type == MsgType::AGENT_HEARTBEAT) {
        reply(Envelope{MsgType::AGENT_HEARTBEAT_OK, e.request_id, Json::object()});
        if (!assigned.exchange(true)) {
          Assign a;
          a.task_id = "T1";
          a.attempt = 1;
          a.type = "echo";
          a.input = Json{{"x", 1}};
          reply(Envelope{MsgType::ASSIGN, "", a.to_body()});
        }
      }
    });
    fakes.on("leader", [](const Envelope& e, const FakeRouters::Reply& reply) {
      if (e.type == MsgType::ATTACH) reply(Envelope{MsgType::ATTACH_OK, e.request_id, AttachOk{50, 40}.to_body()});
      if (e.type == MsgType::AGENT_HEARTBEAT) reply(Envelope{MsgType::AGENT_HEARTBEAT_OK, e.request_id, Json::object()});
      if (e.type == MsgType::TASK_RESULT) {
        ResultOk ok{e.body.at("task_id").get<std::string>(), e.body.at("attempt").get<std::int64_t>(), true};
        reply(Envelope{MsgType::RESULT_OK, e.request_id, ok.to_body()});
      }
    });
    fakes.start();
  }

  ~AgentLeaderTest() override {
    if (!agent) return;
    agent->stop();
    if (thread.joinable()) thread.join();
  }

  void start() {
    AgentOptions o;
    o.registry = fakes.endpoint("registry");
    o.agent_id = "agent-under-test";
    o.capabilities = {"echo"};
    o.reconnect_initial_ms = 20;
    o.reconnect_max_ms = 200;
    agent = std::make_unique<Agent>(o);
    orion::examples::add_example_handlers(*agent);
    thread = std::thread([this] { agent->run(); });
  }

  // T1's result at the first scheduler, unacknowledged.
  Envelope first_result() {
    EXPECT_TRUE(wait_until([&] { return !of(fakes.received("first"), MsgType::TASK_RESULT).empty(); }));
    auto results = of(fakes.received("first"), MsgType::TASK_RESULT);
    return results.empty() ? Envelope{} : results.front();
  }

  bool heartbeating_the_leader(std::size_t more_than = 0) {
    return of(fakes.received("leader"), MsgType::AGENT_HEARTBEAT).size() > more_than;
  }

  FakeRouters fakes;  // declared first: outlives the agent
  std::atomic<bool> first_leads{true};
  std::atomic<bool> name_the_leader{true};
  std::atomic<bool> registry_names_leader{false};
  std::atomic<bool> assigned{false};
  std::unique_ptr<Agent> agent;
  std::thread thread;
};

TEST_F(AgentLeaderTest, NotLeaderNamingTheLeaderReattachesThereAndResendsTheResultWithItsRequestId) {
  start();
  Envelope first = first_result();
  ASSERT_EQ(first.type, MsgType::TASK_RESULT);
  first_leads = false;  // its next answers redirect
  ASSERT_TRUE(wait_until([&] { return !of(fakes.received("leader"), MsgType::TASK_RESULT).empty(); }))
      << "no result at the leader";
  ASSERT_TRUE(wait_until([&] { return heartbeating_the_leader(); }));
  auto attaches = of(fakes.received("leader"), MsgType::ATTACH);
  ASSERT_GE(attaches.size(), 1u);
  auto resent = of(fakes.received("leader"), MsgType::TASK_RESULT).front();
  EXPECT_EQ(resent.request_id, first.request_id);
  EXPECT_EQ(resent.body, first.body);

  // Acknowledged at the leader: not sent again anywhere, while the agent heartbeats the leader.
  auto results = [&] {
    return of(fakes.received("leader"), MsgType::TASK_RESULT).size() + of(fakes.received("first"), MsgType::TASK_RESULT).size();
  };
  auto sent = results();
  auto beats = of(fakes.received("leader"), MsgType::AGENT_HEARTBEAT).size();
  ASSERT_TRUE(wait_until([&] { return heartbeating_the_leader(beats + 3); }));
  EXPECT_EQ(results(), sent);
  EXPECT_EQ(of(fakes.received("registry"), MsgType::DISCOVER).size(), 1u) << "the redirect needed no DISCOVER";
}

TEST_F(AgentLeaderTest, NotLeaderWithoutALeaderMakesItDiscoverAgainAndAttachToTheNewLeader) {
  start();
  Envelope first = first_result();
  ASSERT_EQ(first.type, MsgType::TASK_RESULT);
  auto discovers = of(fakes.received("registry"), MsgType::DISCOVER).size();
  name_the_leader = false;       // an election is under way ...
  registry_names_leader = true;  // ... and the registry already names the winner
  first_leads = false;
  ASSERT_TRUE(wait_until([&] { return heartbeating_the_leader(); })) << "not attached at the new leader";
  EXPECT_GT(of(fakes.received("registry"), MsgType::DISCOVER).size(), discovers);
  ASSERT_TRUE(wait_until([&] { return !of(fakes.received("leader"), MsgType::TASK_RESULT).empty(); }));
  EXPECT_EQ(of(fakes.received("leader"), MsgType::TASK_RESULT).front().request_id, first.request_id);
}

TEST_F(AgentLeaderTest, ARegistryListIsTriedInTurnUntilOneAnswers) {
  // A dead first registry: the agent's REGISTER goes unanswered there, then to the live one.
  FakeRouters dead({"registry"});
  dead.start();
  AgentOptions o;
  o.registry = dead.endpoint("registry") + "," + fakes.endpoint("registry");
  o.agent_id = "agent-under-test";
  o.capabilities = {"echo"};
  o.reconnect_initial_ms = 20;
  o.reconnect_max_ms = 200;
  agent = std::make_unique<Agent>(o);
  orion::examples::add_example_handlers(*agent);
  thread = std::thread([this] { agent->run(); });
  ASSERT_TRUE(wait_until([&] { return !of(fakes.received("first"), MsgType::AGENT_HEARTBEAT).empty(); }));
  EXPECT_GE(dead.count("registry", MsgType::REGISTER), 1u);
  EXPECT_GE(fakes.count("registry", MsgType::REGISTER), 1u);
  agent->stop();
  thread.join();
  agent.reset();
}

TEST(AgentOptionsTest, ARegistryListOfNothingIsRefused) {
  AgentOptions o;
  o.agent_id = "a";
  o.registry = " , ";
  EXPECT_THROW(Agent{o}, std::invalid_argument);
}

}  // namespace
}  // namespace orion::sdk
