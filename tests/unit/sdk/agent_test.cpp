// The agent SDK against a fake registry and a fake scheduler: two ROUTER sockets on loopback,
// pumped by the test thread, answering the way the real services do. For votes, also a fake
// event bus (PUB) and two fake consensus replicas (ROUTER): a follower that redirects and a leader. Every wait is on a
// condition with a deadline; heartbeat_ms is 50 so re-sends come quickly.
#include "sdk/cpp/agent.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "common/sockets.h"
#include "common/vote_signature.h"
#include "examples/example_handlers.h"
#include "sdk/cpp/outbox.h"
#include "sdk/cpp/running_task.h"
#include "tests/wait_until.h"

namespace orion::sdk {
namespace {

constexpr int kWaitMs = 5000;  // generous: a loaded 2-core machine must not fail these
constexpr int kSettleMs = 1500;  // three times the agent's vote retry interval (kVoteRetryMs)

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// ManualClock, but safe to advance from the test thread while the agent's thread reads it.
class SteppedClock final : public Clock {
 public:
  std::int64_t now_ms() const override { return now_ms_.load(); }
  std::int64_t wall_ms() const override { return 1'700'000'000'000 + now_ms_.load(); }
  void advance(std::int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<std::int64_t> now_ms_{1000};
};

struct Received {
  MsgType type;
  std::string request_id;
  Json body;
  std::string identity;
};

class FakeCluster {
 public:
  FakeCluster()
      : registry_(make_socket(ctx_, zmq::socket_type::router)),
        scheduler_(make_socket(ctx_, zmq::socket_type::router)),
        bus_(make_socket(ctx_, zmq::socket_type::pub)),
        follower_(make_socket(ctx_, zmq::socket_type::router)),
        leader_(make_socket(ctx_, zmq::socket_type::router)) {
    registry_endpoint = bind_socket(registry_, "tcp://127.0.0.1:*");
    scheduler_endpoint = bind_socket(scheduler_, "tcp://127.0.0.1:*");
    bus_endpoint = bind_socket(bus_, "tcp://127.0.0.1:*");
    follower_endpoint = bind_socket(follower_, "tcp://127.0.0.1:*");
    leader_endpoint = bind_socket(leader_, "tcp://127.0.0.1:*");
  }

  // Knobs, set by the test thread between pumps.
  std::int64_t heartbeat_ms = 50;
  std::int64_t liveness = 40;          // 2 s of silence: a busy machine does not trip it by accident
  bool registry_answers = true;        // false: the registry swallows everything
  bool scheduler_known = true;         // false: DISCOVERY has an empty scheduler_agent
  bool ack_results = true;             // false: TASK_RESULT gets no RESULT_OK
  int not_found_agent_heartbeats = 0;  // answer this many AGENT_HEARTBEATs with ERROR NOT_FOUND

  bool consensus_known = true;          // false: DISCOVERY has no consensus endpoint
  std::string registry_endpoint, scheduler_endpoint, bus_endpoint, follower_endpoint, leader_endpoint;
  std::vector<Received> at_registry, at_scheduler;  // everything the agent sent, in order
  std::vector<Received> at_follower, at_leader;     // what reached each consensus replica
  std::string agent_identity;                        // the agent's identity on the scheduler ROUTER

  void pump(int timeout_ms) {
    std::vector<zmq::pollitem_t> items{{registry_.handle(), 0, ZMQ_POLLIN, 0},
                                       {scheduler_.handle(), 0, ZMQ_POLLIN, 0},
                                       {follower_.handle(), 0, ZMQ_POLLIN, 0},
                                       {leader_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, std::chrono::milliseconds(timeout_ms));
    Incoming in;
    while (receive(registry_, in, true)) on_registry(in);
    while (receive(scheduler_, in, true)) on_scheduler(in);
    while (receive(follower_, in, true)) on_consensus(in, /*leader=*/false);
    while (receive(leader_, in, true)) on_consensus(in, /*leader=*/true);
  }

  // A proposal.created event on the fake bus, as orion-consensus publishes it.
  void publish_proposal(const std::string& proposal_id, const std::string& capability,
                        const std::vector<std::string>& voters, const Json& data = Json::object(),
                        const std::string& consensus_type = "MAJORITY") {
    Json event_data{{"proposal_id", proposal_id}, {"proposer", "test"},      {"type", "deploy"}, {"cluster_id", "orion"},
                    {"capability", capability},   {"consensus_type", consensus_type}, {"voters", voters},
                    {"data", data},               {"created_ms", 1},          {"deadline_ms", 60'001}};
    std::string topic = "proposal.created." + capability;
    Json body{{"topic", topic}, {"publisher", "consensus-single"}, {"seq", ++bus_seq_}, {"ts_ms", 1},
              {"data", event_data}};
    send_event(bus_, Envelope{MsgType::EVENT, "", body}, topic);
  }
  std::vector<Received> votes_at_leader(const std::string& proposal_id) const {
    std::vector<Received> out;
    for (const auto& r : at_leader) {
      if (r.type == MsgType::VOTE && r.body.value("proposal_id", "") == proposal_id) out.push_back(r);
    }
    return out;
  }
  std::size_t votes_anywhere() const { return of(at_leader, MsgType::VOTE).size() + of(at_follower, MsgType::VOTE).size(); }

  bool wait_until(const std::function<bool()>& done, int timeout_ms = kWaitMs) {
    const auto deadline = steady_ms() + timeout_ms;
    while (steady_ms() < deadline) {
      if (done()) return true;
      pump(10);
    }
    return done();
  }

  void send_to_agent(MsgType type, const Json& body) {
    ASSERT_FALSE(agent_identity.empty()) << "the agent has not attached";
    ASSERT_TRUE(send_envelope(scheduler_, agent_identity, Envelope{type, "", body}));
  }

  static std::vector<Received> of(const std::vector<Received>& log, MsgType type, const std::string& task_id = "") {
    std::vector<Received> out;
    for (const auto& r : log) {
      if (r.type != type) continue;
      if (!task_id.empty() && r.body.value("task_id", "") != task_id) continue;
      out.push_back(r);
    }
    return out;
  }
  std::size_t count_at_registry(MsgType t) const { return of(at_registry, t).size(); }
  std::size_t count_at_scheduler(MsgType t, const std::string& task_id = "") const {
    return of(at_scheduler, t, task_id).size();
  }

 private:
  void reply(zmq::socket_t& s, const Incoming& in, MsgType type, const Json& body) {
    send_envelope(s, in.identity, Envelope{type, in.request_id, body});
  }

  void on_registry(const Incoming& in) {
    ASSERT_TRUE(in.envelope.ok()) << in.envelope.error().to_string();
    const Envelope& e = *in.envelope;
    at_registry.push_back({e.type, e.request_id, e.body, in.identity});
    if (!registry_answers) return;
    switch (e.type) {
      case MsgType::REGISTER:
        reply(registry_, in, MsgType::REGISTER_OK, RegisterOk{heartbeat_ms, liveness, false}.to_body());
        break;
      case MsgType::HEARTBEAT:
        reply(registry_, in, MsgType::HEARTBEAT_OK, Json::object());
        break;
      case MsgType::DISCOVER: {
        Discovery d;
        if (scheduler_known) d.scheduler_agent = scheduler_endpoint;
        d.events_sub = bus_endpoint;
        if (consensus_known) d.consensus = follower_endpoint;  // as if the registry were out of date
        reply(registry_, in, MsgType::DISCOVERY, d.to_body());
        break;
      }
      case MsgType::DEREGISTER:
        reply(registry_, in, MsgType::DEREGISTER_OK, Json::object());
        break;
      default:
        break;
    }
  }

  void on_scheduler(const Incoming& in) {
    ASSERT_TRUE(in.envelope.ok()) << in.envelope.error().to_string();
    const Envelope& e = *in.envelope;
    at_scheduler.push_back({e.type, e.request_id, e.body, in.identity});
    switch (e.type) {
      case MsgType::ATTACH:
        agent_identity = in.identity;
        reply(scheduler_, in, MsgType::ATTACH_OK, AttachOk{heartbeat_ms, liveness}.to_body());
        break;
      case MsgType::AGENT_HEARTBEAT:
        if (not_found_agent_heartbeats > 0) {
          --not_found_agent_heartbeats;
          send_error(scheduler_, in.identity, in.request_id, Error{ErrorCode::NOT_FOUND, "agent is not attached"});
        } else {
          reply(scheduler_, in, MsgType::AGENT_HEARTBEAT_OK, Json::object());
        }
        break;
      case MsgType::TASK_RESULT:
        if (ack_results) {
          ResultOk ok{e.body.at("task_id").get<std::string>(), e.body.at("attempt").get<std::int64_t>(), true};
          reply(scheduler_, in, MsgType::RESULT_OK, ok.to_body());
        }
        break;
      default:
        break;
    }
  }

  // The follower redirects every request to the leader; the leader counts votes.
  void on_consensus(const Incoming& in, bool leader) {
    ASSERT_TRUE(in.envelope.ok()) << in.envelope.error().to_string();
    const Envelope& e = *in.envelope;
    (leader ? at_leader : at_follower).push_back({e.type, e.request_id, e.body, in.identity});
    if (!leader) {
      Envelope err = error_envelope(in.request_id, Error{ErrorCode::NOT_LEADER, "not the leader"});
      err.body["leader"] = leader_endpoint;
      send_envelope(follower_, in.identity, err);
      return;
    }
    if (e.type != MsgType::VOTE) return;
    auto v = Vote::from_body(e.body);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    VoteOk ok{v->proposal_id, v->agent_id, Outcome::PENDING, false};
    reply(leader_, in, MsgType::VOTE_OK, ok.to_body());
  }

  zmq::context_t ctx_;
  zmq::socket_t registry_;
  zmq::socket_t scheduler_;
  zmq::socket_t bus_;
  zmq::socket_t follower_;
  zmq::socket_t leader_;
  std::int64_t bus_seq_ = 0;
};

// An Agent running on its own thread; stopped and joined on destruction.
class RunningAgent {
 public:
  RunningAgent(const AgentOptions& options, const std::function<void(Agent&)>& setup, const Clock* clock = nullptr)
      : agent_(clock ? std::make_unique<Agent>(options, *clock) : std::make_unique<Agent>(options)) {
    setup(*agent_);
    thread_ = std::thread([this] {
      rc_ = agent_->run();
      finished_ = true;
    });
  }
  ~RunningAgent() {
    agent_->stop();
    if (thread_.joinable()) thread_.join();
  }
  void stop() { agent_->stop(); }
  void drain() { agent_->drain(); }
  Agent& agent() { return *agent_; }
  bool finished() const { return finished_; }
  int join() {
    thread_.join();
    return rc_;
  }

 private:
  std::unique_ptr<Agent> agent_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
  int rc_ = -1;
};

Json assign_body(const std::string& task_id, std::int64_t attempt, const std::string& type, const Json& input) {
  Assign a;
  a.task_id = task_id;
  a.attempt = attempt;
  a.type = type;
  a.input = input;
  return a.to_body();
}

class AgentTest : public ::testing::Test {
 protected:
  AgentOptions options() {
    AgentOptions o;
    o.registry = cluster.registry_endpoint;
    o.agent_id = "agent-under-test";
    o.capabilities = {"echo", "sleep"};
    o.capacity = 2;
    o.labels = {{"zone", "test"}};
    o.reconnect_initial_ms = 20;
    o.reconnect_max_ms = 200;
    return o;
  }

  void start(const std::function<void(Agent&)>& setup = orion::examples::add_example_handlers) {
    agent = std::make_unique<RunningAgent>(options(), setup);
  }

  void start_and_attach() {
    start();
    ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 1; }));
  }

  // The result the agent sent for task_id (the first one), waiting for it.
  Json result_of(const std::string& task_id) {
    EXPECT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_RESULT, task_id) >= 1; }))
        << "no TASK_RESULT for " << task_id;
    auto results = FakeCluster::of(cluster.at_scheduler, MsgType::TASK_RESULT, task_id);
    return results.empty() ? Json() : results.front().body;
  }

  // Stops the agent while the fakes answer, so its goodbye is quick (no 2 s wait for acks).
  void TearDown() override {
    if (!agent) return;
    cluster.ack_results = true;
    cluster.registry_answers = true;
    agent->stop();
    cluster.wait_until([&] { return agent->finished(); });
    agent.reset();
  }

  FakeCluster cluster;                   // declared first: outlives the agent
  SteppedClock clock;                    // for the tests that inject it; outlives the agent too
  std::unique_ptr<RunningAgent> agent;
};

TEST_F(AgentTest, RegistersDiscoversThenAttachesAnnouncingItsSpec) {
  start_and_attach();
  ASSERT_GE(cluster.count_at_registry(MsgType::REGISTER), 1u);
  ASSERT_GE(cluster.count_at_registry(MsgType::DISCOVER), 1u);

  const Json& reg = cluster.at_registry.front().body;
  EXPECT_EQ(cluster.at_registry.front().type, MsgType::REGISTER);
  EXPECT_EQ(cluster.at_registry.front().request_id.size(), 16u);  // random_hex(8)
  auto spec = AgentSpec::from_json(reg.at("agent"));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->agent_id, "agent-under-test");
  EXPECT_EQ(spec->capabilities, (std::vector<std::string>{"echo", "sleep"}));
  EXPECT_EQ(spec->capacity, 2);
  EXPECT_EQ(spec->labels.at("zone"), "test");
  EXPECT_EQ(spec->sdk_version, "cpp/0.1");

  auto attach = Attach::from_body(FakeCluster::of(cluster.at_scheduler, MsgType::ATTACH).front().body);
  ASSERT_TRUE(attach.ok());
  EXPECT_EQ(attach->agent.agent_id, "agent-under-test");
}

TEST_F(AgentTest, HeartbeatsTheRegistryAndTheSchedulerOnceAttached) {
  start_and_attach();
  ASSERT_TRUE(cluster.wait_until([&] {
    return cluster.count_at_registry(MsgType::HEARTBEAT) >= 2 && cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT) >= 2;
  }));
  auto hb = AgentHeartbeat::from_body(FakeCluster::of(cluster.at_scheduler, MsgType::AGENT_HEARTBEAT).front().body);
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(hb->agent_id, "agent-under-test");
  EXPECT_TRUE(hb->running.empty());
}

TEST_F(AgentTest, KeepsDiscoveringUntilTheSchedulerIsKnown) {
  cluster.scheduler_known = false;
  start();
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_registry(MsgType::DISCOVER) >= 3; }));
  EXPECT_EQ(cluster.count_at_scheduler(MsgType::ATTACH), 0u);
  cluster.scheduler_known = true;
  EXPECT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 1; }));
}

// Where in at_scheduler (1-based; 0 = absent) the first message of `type` for `task_id` is.
std::size_t first_at(const FakeCluster& cluster, MsgType type, const std::string& task_id) {
  for (std::size_t i = 0; i < cluster.at_scheduler.size(); ++i) {
    const auto& r = cluster.at_scheduler[i];
    if (r.type == type && r.body.is_object() && r.body.value("task_id", "") == task_id) return i + 1;
  }
  return 0;
}

TEST_F(AgentTest, EchoReturnsItsInputAsOutputAnnouncingItsStartAtMostOnceAndFirst) {
  start_and_attach();
  Json input = {{"hello", "world"}, {"n", 42}};
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T1", 1, "echo", input));
  Json result = result_of("T1");

  // A handler done before the agent's loop came round to announcing its start sends its result
  // alone; otherwise "started" went first. Never twice, never after the result.
  auto progress = FakeCluster::of(cluster.at_scheduler, MsgType::TASK_PROGRESS, "T1");
  EXPECT_LE(progress.size(), 1u);
  if (!progress.empty()) {
    EXPECT_EQ(progress.front().body.at("message"), "started");
    EXPECT_LT(first_at(cluster, MsgType::TASK_PROGRESS, "T1"), first_at(cluster, MsgType::TASK_RESULT, "T1"));
  }
  auto r = TaskResult::from_body(result);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->attempt, 1);
  EXPECT_EQ(r->output, input);
}

TEST_F(AgentTest, ARunningHandlerIsAnnouncedStartedOnceBeforeItsProgressAndResult) {
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T2", 1, "sleep", Json{{"ms", 300}}));
  // Its start is announced while it sleeps, then its own progress, then its result.
  Json result = result_of("T2");
  auto progress = FakeCluster::of(cluster.at_scheduler, MsgType::TASK_PROGRESS, "T2");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front().body.at("message"), "started");
  EXPECT_EQ(progress.front().body.at("progress").get<double>(), 0.0);
  std::size_t started = 0;
  for (const auto& p : progress) started += p.body.at("message") == "started";
  EXPECT_EQ(started, 1u);
  EXPECT_LT(first_at(cluster, MsgType::TASK_PROGRESS, "T2"), first_at(cluster, MsgType::TASK_RESULT, "T2"));
  EXPECT_TRUE(TaskResult::from_body(result)->ok);
}

TEST_F(AgentTest, TheOutputsOfDependenciesInAnAssignReachTheHandlerAsDeps) {
  Json seen_deps, seen_input;
  std::atomic<bool> ran{false};
  start([&](Agent& a) {
    a.handle("join", [&](TaskContext& ctx) {
      seen_deps = ctx.deps();
      seen_input = ctx.input();
      ran = true;
      return Json("joined");
    });
    a.handle("plain", [&](TaskContext& ctx) { return Json(ctx.deps().is_object() && ctx.deps().empty()); });
  });
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 1; }));
  Assign a;
  a.task_id = "T20";
  a.attempt = 1;
  a.type = "join";
  a.input = {{"n", 1}};
  a.deps = {{"t1", {{"rows", 10}}}, {"t2", "text"}};
  cluster.send_to_agent(MsgType::ASSIGN, a.to_body());
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T21", 1, "plain", Json()));
  auto joined = TaskResult::from_body(result_of("T20"));
  auto plain = TaskResult::from_body(result_of("T21"));
  ASSERT_TRUE(joined.ok() && plain.ok());
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(seen_deps, (Json{{"t1", {{"rows", 10}}}, {"t2", "text"}}));
  EXPECT_EQ(seen_input, (Json{{"n", 1}})) << "deps come beside the input, never inside it";
  EXPECT_EQ(plain->output, Json(true)) << "no deps: an empty map";
}

TEST_F(AgentTest, ResendsAResultUntilTheSchedulerAcknowledgesIt) {
  cluster.ack_results = false;
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T2", 1, "echo", Json{{"x", 1}}));
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_RESULT, "T2") >= 3; }));
  auto sent = FakeCluster::of(cluster.at_scheduler, MsgType::TASK_RESULT, "T2");
  EXPECT_EQ(sent[0].request_id, sent[1].request_id) << "a re-send keeps its request id";

  cluster.ack_results = true;
  ASSERT_TRUE(cluster.wait_until([&] {
    return FakeCluster::of(cluster.at_scheduler, MsgType::TASK_RESULT, "T2").size() > sent.size();
  }));  // this one gets its RESULT_OK
  const auto after_ack = cluster.count_at_scheduler(MsgType::TASK_RESULT, "T2");
  const auto heartbeats = cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT);
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT) >= heartbeats + 3; }));
  // At most one more: a re-send may have crossed the RESULT_OK on the wire; then it stops.
  EXPECT_LE(cluster.count_at_scheduler(MsgType::TASK_RESULT, "T2"), after_ack + 1);
}

TEST_F(AgentTest, AnswersAnUnknownTaskTypeAtOnceWithAFailedResult) {
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T3", 1, "no-such-type", Json()));
  auto r = TaskResult::from_body(result_of("T3"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "no handler for task type 'no-such-type'");
  EXPECT_EQ(cluster.count_at_scheduler(MsgType::TASK_PROGRESS, "T3"), 0u) << "it never started";
}

TEST_F(AgentTest, ReportsAHandlerExceptionAsAFailedResultWithItsMessage) {
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T4", 1, "fail", Json{{"message", "boom"}}));
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T5", 1, "fail", Json::object()));
  auto boom = TaskResult::from_body(result_of("T4"));
  auto plain = TaskResult::from_body(result_of("T5"));
  ASSERT_TRUE(boom.ok() && plain.ok());
  EXPECT_FALSE(boom->ok);
  EXPECT_EQ(boom->error, "boom");
  EXPECT_EQ(plain->error, "failed on purpose");
}

TEST_F(AgentTest, FlakyFailsItsFirstAttemptsThenEchoes) {
  start_and_attach();
  Json input = {{"failures", 2}};
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T6", 2, "flaky", input));
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T6", 3, "flaky", input));
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_RESULT, "T6") >= 2; }));
  for (const auto& sent : FakeCluster::of(cluster.at_scheduler, MsgType::TASK_RESULT, "T6")) {
    auto r = TaskResult::from_body(sent.body);
    ASSERT_TRUE(r.ok());
    if (r->attempt == 2) {
      EXPECT_FALSE(r->ok);
      EXPECT_EQ(r->error, "flaky failure 2");
    } else {
      EXPECT_TRUE(r->ok);
      EXPECT_EQ(r->output, input);
    }
  }
}

TEST_F(AgentTest, CancelTaskForTheRunningAttemptCancelsASleep) {
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T7", 1, "sleep", Json{{"ms", 60'000}}));
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_PROGRESS, "T7") >= 1; }));

  // A cancel for another attempt is not for this one: the task keeps running.
  cluster.send_to_agent(MsgType::CANCEL_TASK, CancelTask{"T7", 2, "stale"}.to_body());
  const auto heartbeats = cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT);
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT) >= heartbeats + 3; }));
  EXPECT_EQ(cluster.count_at_scheduler(MsgType::TASK_RESULT, "T7"), 0u);
  auto hb = AgentHeartbeat::from_body(FakeCluster::of(cluster.at_scheduler, MsgType::AGENT_HEARTBEAT).back().body);
  ASSERT_TRUE(hb.ok());
  ASSERT_EQ(hb->running.size(), 1u);
  EXPECT_EQ(hb->running[0].task_id, "T7");
  EXPECT_EQ(hb->running[0].attempt, 1);

  cluster.send_to_agent(MsgType::CANCEL_TASK, CancelTask{"T7", 1, "user asked"}.to_body());
  auto r = TaskResult::from_body(result_of("T7"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "cancelled");
}

TEST_F(AgentTest, IgnoresASecondAssignOfARunningAttempt) {
  std::atomic<int> calls{0};
  start([&](Agent& a) {
    a.handle("wait", [&](TaskContext& ctx) {
      ++calls;
      ctx.wait_cancelled(60'000);
      return Json("done");
    });
  });
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 1; }));
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T8", 1, "wait", Json()));
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T8", 1, "wait", Json()));
  const auto heartbeats = cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT);
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT) >= heartbeats + 2; }));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(cluster.count_at_scheduler(MsgType::TASK_PROGRESS, "T8"), 1u);
  cluster.send_to_agent(MsgType::CANCEL_TASK, CancelTask{"T8", 1, ""}.to_body());
  EXPECT_EQ(result_of("T8").at("output"), "done");
}

TEST_F(AgentTest, ErrorNotFoundToAnAgentHeartbeatMakesItAttachAgain) {
  start_and_attach();
  cluster.not_found_agent_heartbeats = 1;
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 2; }));
  // And it carries on heartbeating after the second ATTACH_OK.
  const auto heartbeats = cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT);
  EXPECT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::AGENT_HEARTBEAT) > heartbeats; }));
}

TEST_F(AgentTest, ResendsAnUnacknowledgedResultAfterAttachingAgain) {
  cluster.ack_results = false;
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T9", 1, "echo", Json(1)));
  result_of("T9");
  cluster.not_found_agent_heartbeats = 1;
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 2; }));
  const auto attach_at = cluster.at_scheduler.size();
  ASSERT_TRUE(cluster.wait_until([&] {
    for (auto i = attach_at; i < cluster.at_scheduler.size(); ++i) {
      if (cluster.at_scheduler[i].type == MsgType::TASK_RESULT) return true;
    }
    return false;
  }));
}

TEST_F(AgentTest, EveryAttachSaysWhichAttemptsItHoldsRunningOrWithAResultUnacknowledged) {
  cluster.ack_results = false;
  start_and_attach();
  auto first = Attach::from_body(FakeCluster::of(cluster.at_scheduler, MsgType::ATTACH).front().body);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_TRUE(first->running.has_value()) << "said, even when empty";
  EXPECT_TRUE(first->running->empty());
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T20", 1, "sleep", Json{{"ms", 60'000}}));
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T21", 2, "echo", Json(1)));
  result_of("T21");  // never acknowledged
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_PROGRESS, "T20") >= 1; }));
  cluster.not_found_agent_heartbeats = 1;
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 2; }));
  auto again = Attach::from_body(FakeCluster::of(cluster.at_scheduler, MsgType::ATTACH).back().body);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  ASSERT_TRUE(again->running.has_value());
  std::vector<std::pair<std::string, std::int64_t>> held;
  for (const auto& r : *again->running) held.emplace_back(r.task_id, r.attempt);
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<std::pair<std::string, std::int64_t>>{{"T20", 1}, {"T21", 2}}));
}

// docs/protocol.md 11.3: one random token per process, the same in every REGISTER and ATTACH.
TEST_F(AgentTest, EveryRegisterAndAttachCarriesTheSameInstanceToken) {
  start_and_attach();
  cluster.not_found_agent_heartbeats = 1;  // a re-attach of the same process
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 2; }));
  std::set<std::string> tokens;
  for (const auto& r : FakeCluster::of(cluster.at_registry, MsgType::REGISTER)) tokens.insert(Register::from_body(r.body)->instance);
  for (const auto& r : FakeCluster::of(cluster.at_scheduler, MsgType::ATTACH)) tokens.insert(Attach::from_body(r.body)->instance);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens.begin()->size(), 32u) << "16 random bytes, hex";
}

TEST_F(AgentTest, ACancelledJobThatNoWorkerStartedNeverRunsItsHandler) {
  std::atomic<int> started{0};
  start([&](Agent& a) {
    a.handle("wait", [&](TaskContext& ctx) -> Json {
      ++started;
      ctx.wait_cancelled(60'000);
      throw std::runtime_error("cancelled");
    });
  });
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::ATTACH) >= 1; }));
  // Capacity 2: two workers busy, the third job queued.
  for (const char* id : {"T30", "T31", "T32"}) cluster.send_to_agent(MsgType::ASSIGN, assign_body(id, 1, "wait", Json()));
  ASSERT_TRUE(cluster.wait_until([&] { return started.load() == 2; }));
  cluster.send_to_agent(MsgType::CANCEL_TASK, CancelTask{"T32", 1, "stale"}.to_body());
  cluster.send_to_agent(MsgType::CANCEL_TASK, CancelTask{"T30", 1, "stale"}.to_body());  // frees a worker
  auto queued = TaskResult::from_body(result_of("T32"));
  ASSERT_TRUE(queued.ok());
  EXPECT_FALSE(queued->ok);
  EXPECT_EQ(queued->error, "cancelled before it started");
  EXPECT_EQ(TaskResult::from_body(result_of("T30"))->error, "cancelled");
  EXPECT_EQ(started.load(), 2) << "T32's handler never ran";
}

TEST_F(AgentTest, RegistersAgainOnANewSocketWhenTheRegistryFallsSilent) {
  cluster.liveness = 3;  // 150 ms
  start_and_attach();
  const auto first_identity = cluster.at_registry.front().identity;
  cluster.registry_answers = false;
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_registry(MsgType::REGISTER) >= 2; }));
  cluster.registry_answers = true;
  ASSERT_TRUE(cluster.wait_until([&] {
    auto regs = FakeCluster::of(cluster.at_registry, MsgType::REGISTER);
    return regs.back().identity != first_identity;
  })) << "a silent peer means a new socket (Paranoid Pirate)";
  EXPECT_TRUE(cluster.wait_until([&] {
    return !cluster.at_registry.empty() && cluster.at_registry.back().type == MsgType::HEARTBEAT;
  }));
}

TEST_F(AgentTest, RetriesAnUnansweredRegisterOnANewSocketAtBackoffIntervals) {
  cluster.registry_answers = false;
  AgentOptions o = options();
  o.reconnect_initial_ms = 100;
  o.reconnect_max_ms = 400;
  agent = std::make_unique<RunningAgent>(o, orion::examples::add_example_handlers, &clock);
  auto registers = [&] { return FakeCluster::of(cluster.at_registry, MsgType::REGISTER); };
  ASSERT_TRUE(cluster.wait_until([&] { return registers().size() == 1; }));

  // Time stands still: however long we wait in real time, no retry (Clock drives every timer).
  cluster.wait_until([] { return false; }, 200);
  ASSERT_EQ(registers().size(), 1u);

  std::size_t expected = 1;
  for (std::int64_t delay_ms : {100, 200, 400, 400}) {
    clock.advance(delay_ms - 1);
    cluster.wait_until([] { return false; }, 60);
    EXPECT_EQ(registers().size(), expected) << "retried before " << delay_ms << " ms";
    clock.advance(1);
    ++expected;
    ASSERT_TRUE(cluster.wait_until([&] { return registers().size() == expected; })) << "after " << delay_ms << " ms";
    auto all = registers();
    EXPECT_NE(all[expected - 1].identity, all[expected - 2].identity) << "Lazy Pirate: a new socket per retry";
    EXPECT_NE(all[expected - 1].request_id, all[expected - 2].request_id);
  }
}

TEST_F(AgentTest, StopSendsDetachAndDeregisterAndRunReturnsZero) {
  start_and_attach();
  agent->stop();
  ASSERT_TRUE(cluster.wait_until([&] { return agent->finished(); }));
  EXPECT_EQ(agent->join(), 0);
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::DETACH) >= 1; }));
  EXPECT_EQ(cluster.count_at_registry(MsgType::DEREGISTER), 1u);
  auto detach = Detach::from_body(FakeCluster::of(cluster.at_scheduler, MsgType::DETACH).front().body);
  ASSERT_TRUE(detach.ok());
  EXPECT_EQ(detach->agent_id, "agent-under-test");
}

TEST_F(AgentTest, StopCancelsARunningHandlerAndDeliversItsResultFirst) {
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T10", 1, "sleep", Json{{"ms", 60'000}}));
  // "started" may go out before a worker picks the job up; the handler's own progress proves it
  // runs (a job no worker has started when stop() comes is dropped, and DETACH re-queues it).
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_PROGRESS, "T10") >= 2; }));
  agent->stop();
  ASSERT_TRUE(cluster.wait_until([&] { return agent->finished(); }));
  EXPECT_EQ(agent->join(), 0);
  auto r = TaskResult::from_body(result_of("T10"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->error, "cancelled");
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::DETACH) >= 1; }));
}

TEST_F(AgentTest, ADrainFromTheSchedulerSaysDrainingLetsTheHandlerFinishUncancelledThenLeaves) {
  start_and_attach();
  cluster.send_to_agent(MsgType::ASSIGN, assign_body("T20", 1, "sleep", Json{{"ms", 300}}));
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_scheduler(MsgType::TASK_PROGRESS, "T20") >= 2; }));
  cluster.send_to_agent(MsgType::DRAIN, Drain{"test"}.to_body());
  // At once (not a heartbeat interval later), a heartbeat saying it is draining.
  ASSERT_TRUE(cluster.wait_until([&] {
    for (const auto& m : FakeCluster::of(cluster.at_scheduler, MsgType::AGENT_HEARTBEAT)) {
      auto hb = AgentHeartbeat::from_body(m.body);
      if (hb.ok() && hb->draining) return true;
    }
    return false;
  }));
  EXPECT_FALSE(agent->finished()) << "it waits for its running task";
  auto r = TaskResult::from_body(result_of("T20"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << "a drained task finishes normally: " << r->error;
  ASSERT_TRUE(cluster.wait_until([&] { return agent->finished(); }));
  EXPECT_EQ(agent->join(), 0);
  EXPECT_GE(cluster.count_at_scheduler(MsgType::DETACH), 1u);
  EXPECT_EQ(cluster.count_at_registry(MsgType::DEREGISTER), 1u);
}

TEST_F(AgentTest, DrainWithNothingRunningLeavesAtOnce) {
  start_and_attach();
  agent->drain();
  ASSERT_TRUE(cluster.wait_until([&] { return agent->finished(); }));
  EXPECT_EQ(agent->join(), 0);
  EXPECT_EQ(cluster.count_at_registry(MsgType::DEREGISTER), 1u);
}

TEST(AgentOptionsTest, AnEmptyAgentIdIsRefused) {
  AgentOptions o;
  EXPECT_THROW(Agent{o}, std::invalid_argument);
  o.agent_id = "a";
  o.capacity = 0;
  EXPECT_THROW(Agent{o}, std::invalid_argument);
}

TEST(TaskContextTest, AHandlerWaitingOnItsCancelTokenWakesWhenCancelledFromAnotherThread) {
  auto task = std::make_shared<detail::RunningTask>();
  TaskContext ctx(task, nullptr);
  std::atomic<bool> waiting{false};
  bool woke_cancelled = false;
  std::thread handler([&] {
    waiting = true;
    woke_cancelled = ctx.wait_cancelled(600'000);  // would outlast the test's own timeout
  });
  ASSERT_TRUE(orion::testing::wait_until([&] { return waiting.load(); }, 10'000));
  task->cancel();
  handler.join();
  EXPECT_TRUE(woke_cancelled);
  EXPECT_TRUE(ctx.wait_cancelled(600'000)) << "already cancelled: returns at once";
}

TEST(TaskContextTest, ProgressIsClampedAndQueuedForTheNetworkingThread) {
  auto task = std::make_shared<detail::RunningTask>();
  task->task_id = "T";
  task->attempt = 3;
  auto outbox = std::make_shared<detail::Outbox>();
  TaskContext ctx(task, outbox);
  ctx.progress(150, "more than done");
  ctx.progress(-5);
  auto sent = outbox->take_all();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(std::get<TaskProgress>(sent[0]).progress, 100.0);
  EXPECT_EQ(std::get<TaskProgress>(sent[0]).attempt, 3);
  EXPECT_EQ(std::get<TaskProgress>(sent[1]).progress, 0.0);
  EXPECT_FALSE(ctx.cancelled());
  EXPECT_FALSE(ctx.wait_cancelled(0));
  task->cancel();
  EXPECT_TRUE(ctx.cancelled());
}

// ---- votes ------------------------------------------------------------------------------------

TEST_F(AgentTest, VotesSignedOnProposalsNamingItFollowingTheRedirectToTheLeader) {
  std::mutex mu;
  std::vector<ProposalView> asked;  // what the handler saw
  AgentOptions o = options();
  o.capabilities = {"gpu"};
  agent = std::make_unique<RunningAgent>(o, [&](Agent& a) {
    a.on_vote([&](const ProposalView& p) {
      std::lock_guard<std::mutex> lock(mu);
      asked.push_back(p);
      return p.data.value("answer", "yes") == "yes";
    });
  });
  const std::string me = o.agent_id;
  const std::string public_key = agent->agent().public_key_hex();
  ASSERT_EQ(public_key.size(), 64u);

  // REGISTER announces the public key.
  ASSERT_TRUE(cluster.wait_until([&] { return cluster.count_at_registry(MsgType::REGISTER) >= 1; }));
  auto reg = Register::from_body(cluster.at_registry.front().body);
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->agent.public_key, public_key);

  // The subscription takes a moment to reach the bus: publish until the vote arrives. Then once
  // more with a new proposal last: by the time its vote arrives, the events before it in that
  // round were seen (one bus, in order; one vote thread, in order).
  auto round = [&](const std::string& mine) {
    cluster.publish_proposal("p-other", "gpu", {"someone-else", "another"});  // not a voter
    cluster.publish_proposal("p-gpu2", "gpu2", {me});                         // not our capability
    cluster.publish_proposal("p-raft", "gpu", {me}, Json::object(), "RAFT");   // agents never vote
    cluster.publish_proposal(mine, "gpu", {"someone-else", me}, Json{{"answer", mine == "p-mine" ? "no" : "yes"}});
    return !cluster.votes_at_leader(mine).empty();
  };
  ASSERT_TRUE(cluster.wait_until([&] { return round("p-mine"); })) << "no VOTE reached the leader";
  ASSERT_TRUE(cluster.wait_until([&] { return round("p-mine2"); })) << "no VOTE reached the leader";

  // First at the registry's (stale) consensus endpoint, redirected to the leader.
  ASSERT_GE(FakeCluster::of(cluster.at_follower, MsgType::VOTE).size(), 1u);
  auto vote = Vote::from_body(cluster.votes_at_leader("p-mine").front().body);
  ASSERT_TRUE(vote.ok()) << vote.error().to_string();
  EXPECT_EQ(vote->agent_id, me);
  EXPECT_FALSE(vote->yes);
  // Signed over this cluster, this proposal and the digest of the content the handler saw.
  auto about = [&](const std::string& id, const Json& data) {
    return VoteSubject{"orion", id,
                       consensus::proposal_digest("test", "deploy", "gpu", ConsensusType::MAJORITY, data), me};
  };
  EXPECT_TRUE(consensus::verify_vote(public_key, about("p-mine", Json{{"answer", "no"}}), false, vote->signature));
  EXPECT_FALSE(consensus::verify_vote(public_key, about("p-mine", Json{{"answer", "no"}}), true, vote->signature));
  EXPECT_FALSE(consensus::verify_vote(public_key, about("p-mine", Json{{"answer", "yes"}}), false, vote->signature));
  // The same request id as at the follower: a retry the leader can recognise.
  EXPECT_EQ(cluster.votes_at_leader("p-mine").front().request_id,
            FakeCluster::of(cluster.at_follower, MsgType::VOTE).front().request_id);

  EXPECT_TRUE(cluster.votes_at_leader("p-other").empty());
  EXPECT_TRUE(cluster.votes_at_leader("p-gpu2").empty());
  EXPECT_TRUE(cluster.votes_at_leader("p-raft").empty());
  auto vote2 = Vote::from_body(cluster.votes_at_leader("p-mine2").front().body);
  ASSERT_TRUE(vote2.ok());
  EXPECT_TRUE(vote2->yes);
  EXPECT_TRUE(consensus::verify_vote(public_key, about("p-mine2", Json{{"answer", "yes"}}), true, vote2->signature));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(asked.size(), 2u);  // once per proposal, however often its event came
    EXPECT_EQ(asked[0].proposal_id, "p-mine");
    EXPECT_EQ(asked[0].type, "deploy");
    EXPECT_EQ(asked[0].capability, "gpu");
    EXPECT_EQ(asked[0].consensus_type, ConsensusType::MAJORITY);
    EXPECT_EQ(asked[0].outcome, Outcome::PENDING);
    ASSERT_EQ(asked[0].voters.size(), 2u);
    EXPECT_EQ(asked[0].voters[1].agent_id, me);
  }

  // VOTE_OK settles it: no re-send after that, even past the retry interval.
  std::size_t sent = cluster.votes_anywhere();
  const auto until = steady_ms() + kSettleMs;
  cluster.wait_until([&] { return steady_ms() >= until; }, kSettleMs + 500);
  EXPECT_EQ(cluster.votes_anywhere(), sent);
}

TEST_F(AgentTest, AnAgentNotAmongTheVotersDoesNotVote) {
  std::atomic<int> asked{0};
  AgentOptions o = options();
  o.capabilities = {"gpu"};
  agent = std::make_unique<RunningAgent>(o, [&](Agent& a) {
    a.on_vote([&](const ProposalView&) {
      ++asked;
      return true;
    });
  });
  const std::string me = o.agent_id;
  // p-sync names the agent, so its vote shows when the events before it were seen (see above).
  auto round = [&](const std::string& sync) {
    cluster.publish_proposal("p-not-me", "gpu", {"a1", "a2", "a3"});
    cluster.publish_proposal(sync, "gpu", {me});
    return !cluster.votes_at_leader(sync).empty();
  };
  ASSERT_TRUE(cluster.wait_until([&] { return round("p-sync1"); }));
  ASSERT_TRUE(cluster.wait_until([&] { return round("p-sync2"); }));
  EXPECT_TRUE(cluster.votes_at_leader("p-not-me").empty());
  EXPECT_EQ(asked.load(), 2);
}

TEST(AgentOptionsTest, TheVoteKeyComesFromTheOptionsOrIsGenerated) {
  AgentOptions o;
  o.agent_id = "a1";
  Agent generated(o), generated2(o);
  EXPECT_EQ(generated.public_key_hex().size(), 64u);
  EXPECT_NE(generated.public_key_hex(), generated2.public_key_hex());

  auto keys = consensus::VoteKeys::from_seed(std::string(32, 's'));
  o.secret_key_hex = consensus::to_hex(keys.secret_key);  // 128 digits
  EXPECT_EQ(Agent(o).public_key_hex(), keys.public_key_hex());
  o.secret_key_hex = consensus::to_hex(std::string(32, 's'));  // the seed, 64 digits
  EXPECT_EQ(Agent(o).public_key_hex(), keys.public_key_hex());

  o.secret_key_hex = "abc";
  EXPECT_THROW(Agent{o}, std::invalid_argument);
  std::string wrong = keys.secret_key;
  wrong[40] ^= 1;  // a public half that is not the seed's
  o.secret_key_hex = consensus::to_hex(wrong);
  EXPECT_THROW(Agent{o}, std::invalid_argument);
}

TEST(ExampleVoteHandler, AnswersItsDefaultUnlessTheDataNamesThisAgent) {
  auto yes = orion::examples::example_vote_handler("a1", true);
  auto no = orion::examples::example_vote_handler("a1", false);
  ProposalView p;
  EXPECT_TRUE(yes(p));
  EXPECT_FALSE(no(p));
  p.data = {{"votes", {{"a1", "no"}, {"a2", "yes"}}}};
  EXPECT_FALSE(yes(p));
  EXPECT_FALSE(no(p));
  p.data = {{"votes", {{"a1", "yes"}}}};
  EXPECT_TRUE(no(p));
  p.data = {{"votes", {{"a2", "no"}}}};
  EXPECT_TRUE(yes(p));
  p.data = {{"votes", {{"a1", "maybe"}}}};
  EXPECT_TRUE(yes(p));
}

}  // namespace
}  // namespace orion::sdk
