// The registry over real sockets, in-process: a RegistryService on tcp://127.0.0.1:* in a thread,
// a DEALER client and a SUB on the bus. Every wait is a poll with a deadline; nothing sleeps.
#include "services/registry/registry_service.h"

#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/ids.h"

namespace orion::registry {
namespace {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr Ms kReplyDeadline = 5s;  // generous: a loaded CI machine, never reached when healthy
constexpr Ms kEventDeadline = 10s;

RegistryConfig test_config() {
  RegistryConfig c;
  c.bind = "tcp://127.0.0.1:*";
  c.bind_events_pub = "tcp://127.0.0.1:*";
  c.bind_events_sub = "tcp://127.0.0.1:0";
  c.heartbeat_ms = 1000;
  c.liveness = 3;
  c.poll_ms = 20;
  return c;
}

// A RegistryService serving on its own thread; stopped and joined on scope exit, also when an
// assertion fails half-way through a test.
class RunningRegistry {
 public:
  explicit RunningRegistry(const RegistryConfig& config)
      : service_(config, clock_), thread_([this] { service_.run(); }) {}
  ~RunningRegistry() {
    service_.stop();
    thread_.join();
  }
  const RegistryEndpoints& endpoints() const { return service_.endpoints(); }
  const RegistryService& service() const { return service_; }

 private:
  SystemClock clock_;
  RegistryService service_;
  std::thread thread_;
};

// Waits up to `deadline` for a whole message on `socket`.
bool wait_readable(zmq::socket_t& socket, Ms deadline) {
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  return zmq::poll(items, 1, deadline) > 0;
}

// A DEALER client speaking the registry protocol, or garbage.
class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint) : dealer_(make_socket(ctx, zmq::socket_type::dealer)) {
    dealer_.connect(endpoint);
  }

  void send_raw(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      dealer_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }

  // The next reply, decoded; nullopt when none came before the deadline.
  std::optional<Incoming> receive_reply(Ms deadline = kReplyDeadline) {
    if (!wait_readable(dealer_, deadline)) return std::nullopt;
    Incoming in;
    if (!receive(dealer_, in, /*routed=*/false)) return std::nullopt;
    return in;
  }

  // Sends one request with a fresh request id and returns the reply, checking it echoes the id.
  Envelope call(MsgType type, const Json& body) {
    const std::string rid = "r-" + random_hex(4);
    send_raw(encode_frames(Envelope{type, rid, body}));
    auto in = receive_reply();
    if (!in) {
      ADD_FAILURE() << "no reply to " << to_string(type) << " within the deadline";
      return Envelope{};
    }
    if (!in->envelope) {
      ADD_FAILURE() << "reply did not decode: " << in->envelope.error().to_string();
      return Envelope{};
    }
    EXPECT_EQ(in->envelope->request_id, rid);
    return *in->envelope;
  }

 private:
  zmq::socket_t dealer_;
};

AgentSpec agent(const std::string& id) {
  AgentSpec a;
  a.agent_id = id;
  a.capabilities = {"echo", "gpu"};
  a.capacity = 4;
  a.weight = 2.0;
  a.labels = {{"zone", "eu"}};
  return a;
}

Error error_of(const Envelope& reply) {
  EXPECT_EQ(reply.type, MsgType::ERROR) << "got " << to_string(reply.type);
  return error_from_body(reply.body);
}

// A SUB on the bus, decoding events; tolerates garbage (it is a bus anyone may publish to).
class Subscriber {
 public:
  Subscriber(zmq::context_t& ctx, const std::string& endpoint, const std::string& prefix)
      : sub_(make_socket(ctx, zmq::socket_type::sub)) {
    sub_.set(zmq::sockopt::subscribe, prefix);
    sub_.connect(endpoint);
  }

  // The next message within `deadline`, decoded or not.
  std::optional<Incoming> next(Ms deadline) {
    if (!wait_readable(sub_, deadline)) return std::nullopt;
    Incoming in;
    if (!receive(sub_, in, /*routed=*/false, /*topic=*/true)) return std::nullopt;
    return in;
  }

  // Waits until an event on `topic` whose data.agent_id satisfies `match` arrives, or the deadline.
  template <class Match>
  std::optional<Event> wait_for(const std::string& topic, Match match, SteadyTime until) {
    while (std::chrono::steady_clock::now() < until) {
      auto in = next(50ms);
      if (!in || in->topic != topic || !in->envelope) continue;
      auto ev = Event::from_body(in->envelope->body);
      if (ev && ev->data.contains("agent_id") && match(ev->data["agent_id"].get<std::string>())) return *ev;
    }
    return std::nullopt;
  }

 private:
  zmq::socket_t sub_;
};

SteadyTime deadline_in(Ms d) { return std::chrono::steady_clock::now() + d; }

// Subscriptions travel SUB -> XPUB -> XSUB -> our PUB asynchronously: until they arrive, events
// are dropped (slow joiner). Registers fresh agents until one's "agent.registered" is seen, so
// afterwards the subscription is known to be in place. Returns that event.
std::optional<Event> join_bus(Client& client, Subscriber& sub) {
  const auto until = deadline_in(kEventDeadline);
  int n = 0;
  while (std::chrono::steady_clock::now() < until) {
    const std::string prefix = "joiner-" + random_hex(4) + "-";
    const std::string id = prefix + std::to_string(n++);
    auto reply = client.call(MsgType::REGISTER, Register{agent(id)}.to_body());
    if (reply.type != MsgType::REGISTER_OK) return std::nullopt;
    auto ev = sub.wait_for("agent.registered", [&](const std::string& got) { return got.rfind(prefix, 0) == 0; },
                           std::min(until, deadline_in(200ms)));
    if (ev) return ev;
  }
  return std::nullopt;
}

class RegistryServiceTest : public ::testing::Test {
 protected:
  zmq::context_t ctx;  // the clients'; declared first so it outlives their sockets
  RunningRegistry registry{test_config()};
  Client client{ctx, registry.endpoints().registry};
};

TEST_F(RegistryServiceTest, ReportsItsBoundEndpointsWithRealPorts) {
  const auto& ep = registry.endpoints();
  for (const auto& e : {ep.registry, ep.events_pub, ep.events_sub}) {
    EXPECT_EQ(e.rfind("tcp://127.0.0.1:", 0), 0u) << e;
    EXPECT_EQ(e.find('*'), std::string::npos) << e;
    EXPECT_EQ(e.find(":0"), std::string::npos) << e;
  }
  auto ready = Json::parse(ep.to_json());
  EXPECT_EQ(ready["registry"], ep.registry);
  EXPECT_EQ(ready["events_pub"], ep.events_pub);
  EXPECT_EQ(ready["events_sub"], ep.events_sub);
}

TEST_F(RegistryServiceTest, RegisterHeartbeatListAndDeregisterAnAgent) {
  auto reg = client.call(MsgType::REGISTER, Register{agent("a1")}.to_body());
  ASSERT_EQ(reg.type, MsgType::REGISTER_OK);
  auto ok = RegisterOk::from_body(reg.body);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->heartbeat_ms, 1000);
  EXPECT_EQ(ok->liveness, 3);
  EXPECT_FALSE(ok->replaced);

  auto hb = client.call(MsgType::HEARTBEAT, Heartbeat{"a1", 3}.to_body());
  EXPECT_EQ(hb.type, MsgType::HEARTBEAT_OK);

  ASSERT_EQ(client.call(MsgType::REGISTER, Register{agent("a0")}.to_body()).type, MsgType::REGISTER_OK);
  auto listed = client.call(MsgType::LIST_AGENTS, Json::object());
  ASSERT_EQ(listed.type, MsgType::AGENT_LIST);
  auto list = AgentList::from_body(listed.body);
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->agents.size(), 2u);
  EXPECT_EQ(list->agents[0].spec.agent_id, "a0");
  EXPECT_EQ(list->agents[1].spec.agent_id, "a1");
  EXPECT_EQ(list->agents[1].state, "UP");
  EXPECT_EQ(list->agents[1].load, 3);
  EXPECT_EQ(list->agents[1].spec.capabilities, (std::vector<std::string>{"echo", "gpu"}));
  EXPECT_GT(list->agents[1].registered_ms, 1'600'000'000'000);  // wall clock, not monotonic
  EXPECT_GE(list->agents[1].last_seen_ms, list->agents[1].registered_ms);

  EXPECT_EQ(client.call(MsgType::DEREGISTER, Deregister{"a1"}.to_body()).type, MsgType::DEREGISTER_OK);
  EXPECT_EQ(error_of(client.call(MsgType::DEREGISTER, Deregister{"a1"}.to_body())).code, ErrorCode::NOT_FOUND);
  auto after = AgentList::from_body(client.call(MsgType::LIST_AGENTS, Json::object()).body);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->agents.size(), 1u);
  EXPECT_EQ(after->agents[0].spec.agent_id, "a0");
}

TEST_F(RegistryServiceTest, RegisteringAKnownIdAgainReportsReplaced) {
  ASSERT_EQ(client.call(MsgType::REGISTER, Register{agent("a1")}.to_body()).type, MsgType::REGISTER_OK);
  auto again = RegisterOk::from_body(client.call(MsgType::REGISTER, Register{agent("a1")}.to_body()).body);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replaced);
}

TEST_F(RegistryServiceTest, HeartbeatFromAnUnknownAgentIsNotFoundAskingToRegisterAgain) {
  auto err = error_of(client.call(MsgType::HEARTBEAT, Heartbeat{"ghost", 0}.to_body()));
  EXPECT_EQ(err.code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(err.message, "agent ghost is not registered; register again");
}

TEST_F(RegistryServiceTest, AnnounceAndDiscoverHandOutTheServicesAndTheBus) {
  auto before = Discovery::from_body(client.call(MsgType::DISCOVER, Json::object()).body);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->scheduler_client, "");
  EXPECT_EQ(before->consensus, "");
  EXPECT_EQ(before->events_pub, registry.endpoints().events_pub);
  EXPECT_EQ(before->events_sub, registry.endpoints().events_sub);

  Announce sched{"scheduler", {{"client", "tcp://10.0.0.1:7200"}, {"agent", "tcp://10.0.0.1:7201"}}};
  auto ack = client.call(MsgType::ANNOUNCE, sched.to_body());
  ASSERT_EQ(ack.type, MsgType::ANNOUNCE_OK);
  auto ack_body = Discovery::from_body(ack.body);
  ASSERT_TRUE(ack_body.ok());
  EXPECT_EQ(ack_body->events_pub, registry.endpoints().events_pub);
  EXPECT_EQ(ack_body->scheduler_agent, "tcp://10.0.0.1:7201");

  // Last writer wins.
  Announce moved{"scheduler", {{"client", "tcp://10.0.0.2:7200"}, {"agent", "tcp://10.0.0.2:7201"}}};
  ASSERT_EQ(client.call(MsgType::ANNOUNCE, moved.to_body()).type, MsgType::ANNOUNCE_OK);
  ASSERT_EQ(client.call(MsgType::ANNOUNCE, Announce{"consensus", {{"client", "tcp://10.0.0.3:7300"}}}.to_body()).type,
            MsgType::ANNOUNCE_OK);

  auto reply = client.call(MsgType::DISCOVER, Json::object());
  ASSERT_EQ(reply.type, MsgType::DISCOVERY);
  auto d = Discovery::from_body(reply.body);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->scheduler_client, "tcp://10.0.0.2:7200");
  EXPECT_EQ(d->scheduler_agent, "tcp://10.0.0.2:7201");
  EXPECT_EQ(d->consensus, "tcp://10.0.0.3:7300");
}

TEST_F(RegistryServiceTest, DiscoveryNamesTheReplicaLeadingWithTheHighestTermAndClusterStatusListsThemAll) {
  auto announce = [&](std::int64_t id, const char* role, std::int64_t term) {
    Announce a{"scheduler", {{"client", "tcp://s" + std::to_string(id) + ":7200"},
                             {"agent", "tcp://s" + std::to_string(id) + ":7201"}}};
    a.id = id;
    a.role = role;
    a.term = term;
    a.commit_index = 40 + id;
    a.applied_index = 30 + id;
    return client.call(MsgType::ANNOUNCE, a.to_body());
  };
  ASSERT_EQ(announce(1, "leader", 2).type, MsgType::ANNOUNCE_OK);
  ASSERT_EQ(announce(2, "follower", 3).type, MsgType::ANNOUNCE_OK);
  auto ack = announce(3, "leader", 3);  // the new leader; 1 has not heard yet
  ASSERT_EQ(ack.type, MsgType::ANNOUNCE_OK);
  EXPECT_EQ(Discovery::from_body(ack.body)->scheduler_client, "tcp://s3:7200");
  ASSERT_EQ(announce(1, "leader", 2).type, MsgType::ANNOUNCE_OK);
  auto d = Discovery::from_body(client.call(MsgType::DISCOVER, Json::object()).body);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->scheduler_client, "tcp://s3:7200") << "the higher term leads, not the last writer";

  auto reply = client.call(MsgType::CLUSTER_STATUS, Json::object());
  ASSERT_EQ(reply.type, MsgType::CLUSTER_INFO);
  auto info = ClusterInfo::from_body(reply.body);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->registry, registry.endpoints().registry);
  EXPECT_EQ(info->events_sub, registry.endpoints().events_sub);
  EXPECT_FALSE(info->instance.empty());
  ASSERT_EQ(info->scheduler.size(), 3u);
  EXPECT_EQ(info->scheduler[2].id, 3);
  EXPECT_TRUE(info->scheduler[2].leader);
  EXPECT_FALSE(info->scheduler[0].leader);
  EXPECT_EQ(info->scheduler[1].role, "follower");
  EXPECT_EQ(info->scheduler[1].applied_index, 32);
  EXPECT_EQ(info->scheduler[1].endpoint, "tcp://s2:7200");
  EXPECT_TRUE(info->consensus.empty());

  Announce bad{"scheduler", {{"client", "c"}, {"agent", "a"}}};
  bad.role = "boss";
  EXPECT_EQ(error_of(client.call(MsgType::ANNOUNCE, bad.to_body())).code, ErrorCode::INVALID_ARGUMENT);
}

TEST_F(RegistryServiceTest, AnnounceOfAnUnknownServiceOrMissingEndpointIsInvalidArgument) {
  auto unknown = error_of(client.call(MsgType::ANNOUNCE, Announce{"mailer", {{"client", "tcp://x:1"}}}.to_body()));
  EXPECT_EQ(unknown.code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(unknown.message.find("service"), std::string::npos);
  auto missing = error_of(client.call(MsgType::ANNOUNCE, Announce{"scheduler", {{"client", "tcp://x:1"}}}.to_body()));
  EXPECT_EQ(missing.code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(missing.message.find("endpoints.agent"), std::string::npos);
  auto d = Discovery::from_body(client.call(MsgType::DISCOVER, Json::object()).body);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->scheduler_client, "") << "a rejected ANNOUNCE changed nothing";
}

struct GarbageCase {
  const char* name;
  std::vector<std::string> frames;
  ErrorCode expected;
};

std::vector<GarbageCase> garbage_cases() {
  const std::string type_register(1, static_cast<char>(MsgType::REGISTER));
  const std::string map_body = encode_value(Json::object());
  std::mt19937 rng(42);
  std::string random_bytes(37, '\0');
  for (auto& c : random_bytes) c = static_cast<char>(rng());
  return {
      {"random bytes in one frame", {random_bytes}, ErrorCode::MALFORMED},
      {"random bytes in four frames", {random_bytes, random_bytes, "g", random_bytes}, ErrorCode::MALFORMED},
      {"a future protocol version", {"ORION/9", type_register, "g", map_body}, ErrorCode::UNSUPPORTED_VERSION},
      {"one frame", {"ORION/1"}, ErrorCode::MALFORMED},
      {"twenty frames", std::vector<std::string>(20, "ORION/1"), ErrorCode::MALFORMED},
      {"four empty frames", {"", "", "", ""}, ErrorCode::MALFORMED},
      {"a two-byte type frame", {"ORION/1", "\x0a\x0a", "g", map_body}, ErrorCode::MALFORMED},
      {"unknown type byte 200", {"ORION/1", std::string(1, static_cast<char>(200)), "g", map_body},
       ErrorCode::UNKNOWN_TYPE},
      {"a type the registry does not serve (SUBMIT)",
       {"ORION/1", std::string(1, static_cast<char>(MsgType::SUBMIT)), "g", map_body}, ErrorCode::UNKNOWN_TYPE},
      {"a reply type sent as a request (ERROR)",
       {"ORION/1", std::string(1, static_cast<char>(MsgType::ERROR)), "g", map_body}, ErrorCode::UNKNOWN_TYPE},
      {"a body that is not msgpack", {"ORION/1", type_register, "g", "\xc1\xc1"}, ErrorCode::MALFORMED},
      {"a truncated msgpack body", {"ORION/1", type_register, "g", "\x82\xa1"}, ErrorCode::MALFORMED},
      {"a msgpack body that is not a map", {"ORION/1", type_register, "g", encode_value(Json::array({1, 2}))},
       ErrorCode::MALFORMED},
      {"a request id over 64 bytes", {"ORION/1", type_register, std::string(65, 'r'), map_body}, ErrorCode::TOO_LARGE},
      {"REGISTER without an agent", {"ORION/1", type_register, "g", map_body}, ErrorCode::INVALID_ARGUMENT},
      {"REGISTER with a numeric agent id",
       {"ORION/1", type_register, "g", encode_value(Json{{"agent", {{"agent_id", 7}}}})}, ErrorCode::INVALID_ARGUMENT},
      {"HEARTBEAT with a negative load",
       {"ORION/1", std::string(1, static_cast<char>(MsgType::HEARTBEAT)), "g",
        encode_value(Json{{"agent_id", "a"}, {"load", -1}})},
       ErrorCode::INVALID_ARGUMENT},
  };
}

TEST_F(RegistryServiceTest, EveryMalformedRequestGetsAnErrorWithTheRightCodeAndChangesNothing) {
  for (const auto& c : garbage_cases()) {
    SCOPED_TRACE(c.name);
    client.send_raw(c.frames);
    auto in = client.receive_reply();
    ASSERT_TRUE(in.has_value()) << "no reply";
    ASSERT_TRUE(in->envelope.ok()) << in->envelope.error().to_string();
    EXPECT_EQ(in->envelope->type, MsgType::ERROR);
    EXPECT_EQ(error_from_body(in->envelope->body).code, c.expected) << error_from_body(in->envelope->body).to_string();
    if (c.frames.size() >= 3 && c.frames[2] == "g") {
      EXPECT_EQ(in->envelope->request_id, "g");
    }
  }
  auto list = AgentList::from_body(client.call(MsgType::LIST_AGENTS, Json::object()).body);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->agents.empty());
  EXPECT_EQ(client.call(MsgType::REGISTER, Register{agent("still-serving")}.to_body()).type, MsgType::REGISTER_OK);
}

TEST_F(RegistryServiceTest, AnAgentIdWithControlBytesAndInvalidUtf8IsServedVerbatim) {
  const std::string odd = "odd\nlevel=critical \xff\xfe";
  ASSERT_EQ(client.call(MsgType::REGISTER, Register{agent(odd)}.to_body()).type, MsgType::REGISTER_OK);
  EXPECT_EQ(client.call(MsgType::HEARTBEAT, Heartbeat{odd, 1}.to_body()).type, MsgType::HEARTBEAT_OK);
  auto list = AgentList::from_body(client.call(MsgType::LIST_AGENTS, Json::object()).body);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->agents.size(), 1u);
  EXPECT_EQ(list->agents[0].spec.agent_id, odd);
}

TEST_F(RegistryServiceTest, RandomFramesAlwaysGetExactlyOneErrorReplyAndNeverStopTheLoop) {
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::vector<std::string> frames(1 + rng() % 10);
    for (auto& f : frames) {
      f.resize(rng() % 40);
      for (auto& ch : f) ch = static_cast<char>(rng());
    }
    if (i % 3 == 0) frames[0] = "ORION/1";  // get past the first check more often
    client.send_raw(frames);
    auto in = client.receive_reply();
    ASSERT_TRUE(in.has_value()) << "no reply to random message " << i;
    ASSERT_TRUE(in->envelope.ok());
    EXPECT_EQ(in->envelope->type, MsgType::ERROR) << "random message " << i;
  }
  EXPECT_EQ(client.call(MsgType::DISCOVER, Json::object()).type, MsgType::DISCOVERY);
}

TEST_F(RegistryServiceTest, ASubscriberSeesNumberedRegistryEventsOnTheBus) {
  Subscriber sub(ctx, registry.endpoints().events_sub, "agent.");
  auto first = join_bus(client, sub);
  ASSERT_TRUE(first.has_value()) << "no agent.registered event within the deadline";
  EXPECT_EQ(first->topic, "agent.registered");
  EXPECT_EQ(first->publisher, "registry");
  EXPECT_GE(first->seq, 1u);
  EXPECT_GT(first->ts_ms, 1'600'000'000'000);
  EXPECT_EQ(first->data["capabilities"], Json::array({"echo", "gpu"}));
  EXPECT_EQ(first->data["capacity"], 4);
  EXPECT_EQ(first->data["weight"], 2.0);
  EXPECT_EQ(first->data["labels"]["zone"], "eu");

  // The subscription is in place now: the next events arrive in order, numbered consecutively.
  const std::string id = first->data["agent_id"].get<std::string>();
  ASSERT_EQ(client.call(MsgType::REGISTER, Register{agent(id)}.to_body()).type, MsgType::REGISTER_OK);
  auto replaced = sub.wait_for("agent.replaced", [&](const std::string& got) { return got == id; },
                               deadline_in(kEventDeadline));
  ASSERT_TRUE(replaced.has_value());
  EXPECT_EQ(replaced->seq, first->seq + 1);

  ASSERT_EQ(client.call(MsgType::DEREGISTER, Deregister{id}.to_body()).type, MsgType::DEREGISTER_OK);
  auto gone = sub.wait_for("agent.deregistered", [&](const std::string& got) { return got == id; },
                           deadline_in(kEventDeadline));
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->seq, first->seq + 2);
}

TEST_F(RegistryServiceTest, GarbagePublishedIntoTheBusIsForwardedAndHarmsNothing) {
  Subscriber everything(ctx, registry.endpoints().events_sub, "");
  zmq::socket_t pub = make_socket(ctx, zmq::socket_type::pub);
  pub.connect(registry.endpoints().events_pub);
  // Publish garbage until the subscriber sees some: proves it went through the proxy.
  bool forwarded = false;
  const auto until = deadline_in(kEventDeadline);
  while (!forwarded && std::chrono::steady_clock::now() < until) {
    pub.send(zmq::str_buffer("\xff\x00garbage"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("ORION/9"), zmq::send_flags::none);
    pub.send(zmq::str_buffer("x"), zmq::send_flags::none);
    auto in = everything.next(50ms);
    forwarded = in.has_value();
    if (forwarded) {
      EXPECT_FALSE(in->envelope.ok());
    }
  }
  ASSERT_TRUE(forwarded);
  EXPECT_EQ(client.call(MsgType::DISCOVER, Json::object()).type, MsgType::DISCOVERY);
  Subscriber sub(ctx, registry.endpoints().events_sub, "agent.");
  EXPECT_TRUE(join_bus(client, sub).has_value()) << "registry events still flow";
}

TEST(RegistryServiceDown, ASilentAgentIsMarkedDownPublishedAndMustRegisterAgain) {
  zmq::context_t ctx;
  RegistryConfig config = test_config();
  config.heartbeat_ms = 50;
  config.liveness = 2;  // DOWN after 100 ms of silence
  RunningRegistry registry(config);
  Client client(ctx, registry.endpoints().registry);
  Subscriber sub(ctx, registry.endpoints().events_sub, "agent.");
  ASSERT_TRUE(join_bus(client, sub).has_value());

  const auto registered_at = std::chrono::steady_clock::now();
  ASSERT_EQ(client.call(MsgType::REGISTER, Register{agent("mortal")}.to_body()).type, MsgType::REGISTER_OK);
  auto down = sub.wait_for("agent.down", [](const std::string& got) { return got == "mortal"; },
                           deadline_in(kEventDeadline));
  ASSERT_TRUE(down.has_value()) << "no agent.down within the deadline";
  EXPECT_GE(std::chrono::steady_clock::now() - registered_at, Ms(100)) << "DOWN sooner than heartbeat_ms * liveness";
  EXPECT_GT(down->data["last_seen_ms"].get<std::int64_t>(), 1'600'000'000'000);

  auto list = AgentList::from_body(client.call(MsgType::LIST_AGENTS, Json::object()).body);
  ASSERT_TRUE(list.ok());
  bool listed_down = false;
  for (const auto& v : list->agents) listed_down |= v.spec.agent_id == "mortal" && v.state == "DOWN";
  EXPECT_TRUE(listed_down) << "a DOWN agent stays listed";
  EXPECT_EQ(error_of(client.call(MsgType::HEARTBEAT, Heartbeat{"mortal", 0}.to_body())).code, ErrorCode::NOT_FOUND);
  auto again = RegisterOk::from_body(client.call(MsgType::REGISTER, Register{agent("mortal")}.to_body()).body);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replaced);
  EXPECT_EQ(client.call(MsgType::HEARTBEAT, Heartbeat{"mortal", 0}.to_body()).type, MsgType::HEARTBEAT_OK);
}

TEST(RegistryServiceAdvertise, EndpointsHandedOutCarryTheAdvertisedHost) {
  zmq::context_t ctx;
  RegistryConfig config = test_config();
  config.advertise_host = "localhost";
  RunningRegistry registry(config);
  const auto& ep = registry.endpoints();
  for (const auto& e : {ep.registry, ep.events_pub, ep.events_sub}) EXPECT_EQ(e.rfind("tcp://localhost:", 0), 0u) << e;
  Client client(ctx, ep.registry);
  auto d = Discovery::from_body(client.call(MsgType::DISCOVER, Json::object()).body);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->events_pub, ep.events_pub);
  EXPECT_EQ(d->events_sub, ep.events_sub);
}

TEST(RegistryServiceLifecycle, StopEndsRunPromptlyAndAnUnusableEndpointThrowsAtConstruction) {
  SystemClock clock;
  {
    RegistryService service(test_config(), clock);
    std::thread t([&] { service.run(); });
    const auto asked = std::chrono::steady_clock::now();
    service.stop();
    t.join();
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
  }
  RegistryConfig bad = test_config();
  bad.bind = "tcp://no-such-interface-xyz:1";
  EXPECT_THROW(RegistryService(bad, clock), zmq::error_t);
}

}  // namespace
}  // namespace orion::registry
