// The Client follows the leader by itself (common/leader_follower.h): against fake registries
// and fake schedulers (ROUTER sockets on loopback answered by a thread), a request ends at the
// leader with the same request id on every try, and gives up within call_timeout_ms naming what
// it tried.
#include "sdk/cpp/client.h"

#include <atomic>
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "tests/unit/sdk/fake_routers.h"

namespace orion::sdk {
namespace {

using testing::FakeRouters;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Envelope error_reply(const Envelope& request, ErrorCode code, const std::string& message, const char* leader = nullptr) {
  Json body{{"code", static_cast<int>(code)}, {"message", message}};
  if (leader) body["leader"] = leader;
  return Envelope{MsgType::ERROR, request.request_id, body};
}

// A registry whose DISCOVERY names `*scheduler` (read when asked, so a test may change it).
FakeRouters::Handler registry_naming(const std::string* scheduler, std::atomic<int>* discovers = nullptr) {
  return [scheduler, discovers](const Envelope& e, const FakeRouters::Reply& reply) {
    if (e.type == MsgType::DISCOVER) {
      if (discovers) ++*discovers;
      Discovery d;
      d.scheduler_client = *scheduler;
      reply(Envelope{MsgType::DISCOVERY, e.request_id, d.to_body()});
    } else if (e.type == MsgType::LIST_AGENTS) {
      reply(Envelope{MsgType::AGENT_LIST, e.request_id, Json{{"agents", Json::array()}}});
    }
  };
}

ClientOptions fast_options(const std::string& registry) {
  ClientOptions o;
  o.registry = registry;
  o.request_timeout_ms = 300;
  o.call_timeout_ms = 3000;
  return o;
}

std::set<std::string> request_ids(const std::vector<Envelope>& log, MsgType type) {
  std::set<std::string> ids;
  for (const auto& e : log) {
    if (e.type == type) ids.insert(e.request_id);
  }
  return ids;
}

TEST(ClientFollowTest, NotLeaderNamingTheLeaderIsResentThereWithTheSameRequestId) {
  FakeRouters fakes({"registry", "follower", "leader"});
  std::string named = fakes.endpoint("follower");  // the registry is out of date
  fakes.on("registry", registry_naming(&named));
  std::string leader = fakes.endpoint("leader");
  fakes.on("follower", [leader](const Envelope& e, const FakeRouters::Reply& reply) {
    reply(error_reply(e, ErrorCode::NOT_LEADER, "not the leader", leader.c_str()));
  });
  fakes.on("leader", [](const Envelope& e, const FakeRouters::Reply& reply) {
    reply(Envelope{MsgType::SUBMIT_OK, e.request_id, SubmitOk{"t1", false}.to_body()});
  });
  fakes.start();

  Client client(fast_options(fakes.endpoint("registry")));
  TaskSpec spec;
  spec.type = "echo";
  auto id = client.submit(spec);
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_EQ(*id, "t1");
  auto at_follower = fakes.received("follower"), at_leader = fakes.received("leader");
  ASSERT_EQ(at_follower.size(), 1u);
  ASSERT_EQ(at_leader.size(), 1u);
  EXPECT_EQ(at_follower[0].type, MsgType::SUBMIT);
  EXPECT_EQ(at_leader[0].request_id, at_follower[0].request_id);
  EXPECT_EQ(at_leader[0].body, at_follower[0].body);

  // The leader is remembered: the next call goes straight to it.
  auto again = client.call(true, MsgType::GET_TASK, GetTask{"t1"}.to_body(), 300);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(fakes.received("follower").size(), 1u);
  EXPECT_EQ(fakes.received("leader").size(), 2u);
}

TEST(ClientFollowTest, UnavailableTwiceThenOkIsRetriedAfterAskingTheRegistryAgainWithOneRequestId) {
  FakeRouters fakes({"registry", "leader"});
  std::string named = fakes.endpoint("leader");
  std::atomic<int> discovers{0};
  fakes.on("registry", registry_naming(&named, &discovers));
  std::atomic<int> answered{0};
  fakes.on("leader", [&answered](const Envelope& e, const FakeRouters::Reply& reply) {
    if (answered++ < 2) {
      reply(error_reply(e, ErrorCode::UNAVAILABLE, "outcome unknown"));
    } else {
      reply(Envelope{MsgType::TASK_INFO, e.request_id, Json::object()});
    }
  });
  fakes.start();

  Client client(fast_options(fakes.endpoint("registry")));
  auto r = client.call(true, MsgType::GET_TASK, GetTask{"t1"}.to_body(), 300);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->type, MsgType::TASK_INFO);
  EXPECT_EQ(fakes.count("leader", MsgType::GET_TASK), 3u);
  EXPECT_EQ(request_ids(fakes.received("leader"), MsgType::GET_TASK).size(), 1u);
  EXPECT_EQ(discovers.load(), 3) << "one DISCOVER first, then one after each UNAVAILABLE";
}

TEST(ClientFollowTest, NotLeaderWithoutALeaderPausesAndAsksTheRegistryAgain) {
  FakeRouters fakes({"registry", "candidate", "leader"});
  // The registry names the candidate until it has been asked once, then the elected leader.
  std::string candidate = fakes.endpoint("candidate"), leader = fakes.endpoint("leader");
  std::atomic<int> discovers{0};
  fakes.on("registry", [&](const Envelope& e, const FakeRouters::Reply& reply) {
    if (e.type != MsgType::DISCOVER) return;
    Discovery d;
    d.scheduler_client = discovers++ == 0 ? candidate : leader;
    reply(Envelope{MsgType::DISCOVERY, e.request_id, d.to_body()});
  });
  fakes.on("candidate", [](const Envelope& e, const FakeRouters::Reply& reply) {
    reply(error_reply(e, ErrorCode::NOT_LEADER, "election under way", ""));
  });
  fakes.on("leader", [](const Envelope& e, const FakeRouters::Reply& reply) {
    reply(Envelope{MsgType::CANCEL_OK, e.request_id, Json::object()});
  });
  fakes.start();

  Client client(fast_options(fakes.endpoint("registry")));
  auto r = client.call(true, MsgType::CANCEL, Cancel{"t1", "why"}.to_body(), 300);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(discovers.load(), 2);
  auto at_candidate = fakes.received("candidate"), at_leader = fakes.received("leader");
  ASSERT_EQ(at_candidate.size(), 1u);
  ASSERT_EQ(at_leader.size(), 1u);
  EXPECT_EQ(at_candidate[0].request_id, at_leader[0].request_id);
}

TEST(ClientFollowTest, ASilentSchedulerIsGivenUpOnWithinTheBoundNamingWhatWasTried) {
  FakeRouters fakes({"registry", "silent"});
  std::string named = fakes.endpoint("silent");
  fakes.on("registry", registry_naming(&named));
  fakes.start();  // "silent" has no handler: it never answers

  ClientOptions o = fast_options(fakes.endpoint("registry"));
  o.request_timeout_ms = 200;
  o.call_timeout_ms = 1000;
  Client client(o);
  auto start = steady_ms();
  auto r = client.call(true, MsgType::SUBMIT, Json::object(), o.request_timeout_ms);
  auto took = steady_ms() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_GE(took, 900);
  EXPECT_LT(took, 2000) << "the bound is call_timeout_ms (1000 ms)";
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("scheduler SUBMIT"), std::string::npos) << m;
  EXPECT_NE(m.find(named + " (no reply)"), std::string::npos) << m;
  EXPECT_NE(m.find("tries"), std::string::npos) << m;
  EXPECT_NE(m.find("last error"), std::string::npos) << m;
  auto tries = fakes.count("silent", MsgType::SUBMIT);
  EXPECT_GE(tries, 2u);
  EXPECT_NE(m.find("after " + std::to_string(tries) + " tries"), std::string::npos) << m;
  EXPECT_EQ(request_ids(fakes.received("silent"), MsgType::SUBMIT).size(), 1u) << "one request id on every try";
}

TEST(ClientFollowTest, AnErrorThatIsNotARedirectOrUnavailableComesBackAtOnce) {
  FakeRouters fakes({"registry", "leader"});
  std::string named = fakes.endpoint("leader");
  fakes.on("registry", registry_naming(&named));
  fakes.on("leader", [](const Envelope& e, const FakeRouters::Reply& reply) {
    reply(error_reply(e, ErrorCode::NOT_FOUND, "task t9 does not exist"));
  });
  fakes.start();

  Client client(fast_options(fakes.endpoint("registry")));
  auto r = client.call(true, MsgType::GET_TASK, GetTask{"t9"}.to_body(), 300);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(fakes.count("leader", MsgType::GET_TASK), 1u);
}

TEST(ClientFollowTest, ASilentRegistryOfTheListIsSkippedForTheNext) {
  FakeRouters fakes({"dead-registry", "registry", "leader"});
  std::string named = fakes.endpoint("leader");
  fakes.on("registry", registry_naming(&named));
  fakes.on("leader", [](const Envelope& e, const FakeRouters::Reply& reply) {
    reply(Envelope{MsgType::TASK_INFO, e.request_id, Json::object()});
  });
  fakes.start();  // "dead-registry" never answers

  ClientOptions o = fast_options(fakes.endpoint("dead-registry") + " , " + fakes.endpoint("registry"));
  o.request_timeout_ms = 200;
  Client client(o);
  auto agents = client.agents();
  ASSERT_TRUE(agents) << agents.error().to_string();
  auto r = client.call(true, MsgType::GET_TASK, GetTask{"t1"}.to_body(), 200);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(fakes.count("dead-registry", MsgType::LIST_AGENTS), 1u);
  EXPECT_EQ(fakes.count("registry", MsgType::LIST_AGENTS), 1u);
  EXPECT_EQ(request_ids(fakes.received("dead-registry"), MsgType::LIST_AGENTS),
            request_ids(fakes.received("registry"), MsgType::LIST_AGENTS));
  EXPECT_EQ(fakes.count("dead-registry", MsgType::DISCOVER), 0u) << "the registry that answered is kept";
}

TEST(ClientFollowTest, EveryRegistrySilentFailsNamingThemAll) {
  FakeRouters fakes({"r1", "r2"});
  fakes.start();
  ClientOptions o = fast_options(fakes.endpoint("r1") + "," + fakes.endpoint("r2"));
  o.request_timeout_ms = 150;
  o.call_timeout_ms = 700;
  Client client(o);
  auto r = client.discover();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_NE(r.error().message.find(fakes.endpoint("r1")), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(fakes.endpoint("r2")), std::string::npos) << r.error().message;
}

TEST(SplitEndpointsTest, TrimsDropsEmptyItemsAndKeepsTheFirstOfDuplicates) {
  EXPECT_EQ(split_endpoints("tcp://a:1, tcp://b:2,,tcp://a:1 ,"), (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
  EXPECT_EQ(split_endpoints("tcp://a:1"), (std::vector<std::string>{"tcp://a:1"}));
  EXPECT_TRUE(split_endpoints(" , ").empty());
  EXPECT_TRUE(split_endpoints("").empty());
}

}  // namespace
}  // namespace orion::sdk
