// The whole path of a task on real processes and real sockets: registry, scheduler and
// example agents started as separate processes on loopback ports the OS chose.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "common/sockets.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

TaskSpec echo_task(const std::vector<std::string>& caps, Json input, Priority p = Priority::NORMAL) {
  TaskSpec s;
  s.name = "echo";
  s.type = "echo";
  s.capabilities = caps;
  s.priority = p;
  s.input = std::move(input);
  return s;
}

class EndToEndTest : public ClusterTest {};

TEST_F(EndToEndTest, TwoHundredTasksEachCompleteOnAnAgentThatHasTheirCapabilitiesWithTheRightOutput) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("alpha", {"text", "math"}, 4);
  cluster.start_agent("beta", {"text", "image"}, 4);
  ASSERT_TRUE(cluster.wait_agents_up(2));
  const std::map<std::string, std::set<std::string>> caps_of = {{"alpha", {"text", "math"}},
                                                                {"beta", {"text", "image"}}};
  const std::vector<std::vector<std::string>> needs = {{"text"}, {"math"}, {"image"}, {"text", "math"},
                                                       {"image", "text"}, {}};
  sdk::Client client(cluster.client_options());
  std::vector<std::pair<std::string, Json>> submitted;
  for (int i = 0; i < 200; ++i) {
    Json input = {{"i", i}, {"s", "payload-" + std::to_string(i)}};
    auto p = static_cast<Priority>(1 + i % 5);
    auto id = client.submit(echo_task(needs[i % needs.size()], input, p));
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    submitted.emplace_back(*id, input);
  }
  std::set<std::string> ids;
  std::map<std::string, int> per_agent;
  for (std::size_t i = 0; i < submitted.size(); ++i) {
    const auto& [id, input] = submitted[i];
    ids.insert(id);
    auto v = client.wait(id, 30'000);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    ASSERT_EQ(v->state, TaskState::COMPLETED) << id << " " << v->error << " " << v->reason;
    EXPECT_EQ(v->output, input) << id;
    EXPECT_EQ(v->attempt, 1);
    const auto& have = caps_of.at(v->assigned_agent);
    for (const auto& need : needs[i % needs.size()]) {
      EXPECT_TRUE(have.count(need)) << id << " ran on " << v->assigned_agent << " without " << need;
    }
    per_agent[v->assigned_agent]++;
  }
  EXPECT_EQ(ids.size(), 200u) << "task ids must be unique";
  EXPECT_GT(per_agent["alpha"], 0);
  EXPECT_GT(per_agent["beta"], 0);
}

TEST_F(EndToEndTest, ATaskNoAgentCanServeStaysPendingAndSaysWhy) {
  cluster.start_registry();
  cluster.start_scheduler();
  sdk::Client client(cluster.client_options());
  auto id = client.submit(echo_task({"quantum"}, Json(1)));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto v = client.status(*id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, TaskState::PENDING);
  EXPECT_NE(v->reason.find("no live agent has capabilities [quantum]"), std::string::npos) << v->reason;
}

TEST_F(EndToEndTest, AFailingTaskEndsFailedWithTheAgentsError) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("a1", {"x"});
  sdk::Client client(cluster.client_options());
  TaskSpec s = echo_task({"x"}, Json{{"message", "disk on fire"}});
  s.type = "fail";
  auto id = client.submit(s);
  ASSERT_TRUE(id.ok());
  auto v = client.wait(*id, 20'000);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, TaskState::FAILED);
  EXPECT_NE(v->error.find("disk on fire"), std::string::npos) << v->error;
}

TEST_F(EndToEndTest, ATaskPastItsTimeoutEndsTimeout) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("a1", {"x"});
  sdk::Client client(cluster.client_options());
  TaskSpec s = echo_task({"x"}, Json{{"ms", 20'000}});
  s.type = "sleep";
  s.timeout_ms = 300;
  auto id = client.submit(s);
  ASSERT_TRUE(id.ok());
  auto v = client.wait(*id, 20'000);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, TaskState::TIMEOUT) << v->error;
}

TEST_F(EndToEndTest, AcknowledgedTasksSurviveKill9OfTheSchedulerAndThenComplete) {
  cluster.start_registry();
  cluster.start_scheduler();
  sdk::Client client(cluster.client_options());
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto id = client.submit(echo_task({"later"}, Json{{"i", i}}));
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    ids.push_back(*id);
  }
  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data dir
  cluster.start_agent("late", {"later"}, 8);
  for (int i = 0; i < 50; ++i) {
    auto v = client.wait(ids[i], 30'000);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    ASSERT_EQ(v->state, TaskState::COMPLETED) << ids[i];
    EXPECT_EQ(v->output, (Json{{"i", i}}));
  }
}

// Writes raw bytes to a TCP endpoint "tcp://127.0.0.1:PORT", no ZMTP handshake.
void raw_tcp_garbage(const std::string& endpoint, const std::string& bytes) {
  auto colon = endpoint.rfind(':');
  int port = std::stoi(endpoint.substr(colon + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    [[maybe_unused]] auto n = ::write(fd, bytes.data(), bytes.size());
  }
  ::close(fd);
}

// Sends `frames` on a fresh DEALER and returns the decoded reply, if one comes within 2 s.
std::optional<Result<Envelope>> send_frames(zmq::context_t& ctx, const std::string& endpoint,
                                            const std::vector<std::string>& frames) {
  SocketOptions so;
  so.linger_ms = 0;
  auto s = make_socket(ctx, zmq::socket_type::dealer, so);
  s.connect(endpoint);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    s.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(2000));
  Incoming in;
  if (!receive(s, in, false)) return std::nullopt;
  return in.envelope;
}

TEST_F(EndToEndTest, GarbageOnEveryBoundSocketIsRefusedAndTheServicesStillAnswer) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("a1", {"x"});
  std::mt19937 rng(7);
  auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  const std::vector<std::string> routers = {cluster.registry_endpoint, cluster.scheduler_client,
                                            cluster.scheduler_agent};
  const std::vector<std::string> all = {cluster.registry_endpoint, cluster.events_pub, cluster.events_sub,
                                        cluster.scheduler_client, cluster.scheduler_agent};
  for (const auto& ep : all) {
    raw_tcp_garbage(ep, random_bytes(4096));
    raw_tcp_garbage(ep, std::string("\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f", 10) + random_bytes(100));
    raw_tcp_garbage(ep, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  zmq::context_t ctx(1);
  const std::string body = encode_value(Json::object());
  struct Case {
    std::vector<std::string> frames;
    ErrorCode want;
  };
  const std::vector<Case> cases = {
      {{random_bytes(50)}, ErrorCode::MALFORMED},
      {{"ORION/1", std::string(1, '\x1e'), "rid"}, ErrorCode::MALFORMED},
      {{"ORION/9", std::string(1, '\x1e'), "rid", body}, ErrorCode::UNSUPPORTED_VERSION},
      {{"ORION/1", std::string(1, '\xc8'), "rid", body}, ErrorCode::UNKNOWN_TYPE},
      {{"ORION/1", std::string(1, '\x1e'), "rid", random_bytes(300)}, ErrorCode::MALFORMED},
      {{"ORION/1", std::string(1, '\x1e'), "rid", encode_value(Json::array({1, 2}))}, ErrorCode::MALFORMED},
      {std::vector<std::string>(20, "x"), ErrorCode::MALFORMED},
  };
  for (const auto& ep : routers) {
    for (const auto& c : cases) {
      auto reply = send_frames(ctx, ep, c.frames);
      ASSERT_TRUE(reply.has_value()) << "no reply from " << ep;
      ASSERT_TRUE(reply->ok()) << reply->error().to_string();
      ASSERT_EQ((*reply)->type, MsgType::ERROR) << ep;
      EXPECT_EQ(error_from_body((*reply)->body).code, c.want) << ep << ": " << error_from_body((*reply)->body).message;
    }
    // A valid message of a type this socket does not serve.
    auto reply = send_frames(ctx, ep, encode_frames(Envelope{MsgType::EVENT, "r", Json::object()}));
    ASSERT_TRUE(reply && reply->ok());
    EXPECT_EQ(error_from_body((*reply)->body).code, ErrorCode::UNKNOWN_TYPE) << ep;
  }
  // Garbage published into the bus is forwarded to subscribers, who must skip it.
  {
    auto pub = make_socket(ctx, zmq::socket_type::pub);
    pub.connect(cluster.events_pub);
    for (int i = 0; i < 50; ++i) pub.send(zmq::buffer(random_bytes(64)), zmq::send_flags::dontwait);
  }
  // Still alive and serving: a task travels the whole path.
  EXPECT_TRUE(cluster.registry().running());
  EXPECT_TRUE(cluster.scheduler().running());
  sdk::Client client(cluster.client_options());
  auto agents = client.agents();
  ASSERT_TRUE(agents.ok()) << agents.error().to_string();
  auto id = client.submit(echo_task({"x"}, Json("still here")));
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto v = client.wait(*id, 20'000);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, TaskState::COMPLETED);
  EXPECT_EQ(v->output, Json("still here"));
}

}  // namespace
}  // namespace orion::testing
