// CURVE on real processes (issue 17, part 1): a registry, a scheduler and an agent given keys
// and a policy serve a client whose key the policy names, and the task runs end to end over
// CURVE; a client with an unknown key, and one without keys, get no answer at all (their
// handshakes are refused, which the services log); orionctl keygen writes the key files.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "common/curve_keys.h"
#include "common/transport_security.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class CurveClusterTest : public ClusterTest {
 protected:
  void TearDown() override {
    set_transport_security({});  // this test process's own setting, for whatever runs next in it
    ClusterTest::TearDown();
  }
  // orionctl keygen FILE: FILE and FILE.pub in the cluster's directory.
  std::string keygen(const std::string& name) {
    const std::string path = cluster.dir().file(name + ".key");
    auto r = run_command(bin("orionctl"), {"keygen", path}, cluster.dir().path(), 10'000);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("public key: "), std::string::npos) << r.out;
    return path;
  }
  static std::string public_key(const std::string& key_file) { return read_public_key(key_file + ".pub").value(); }
};

TEST_F(CurveClusterTest, OnlyKeysThePolicyNamesAreServedAndATaskRunsEndToEndOverCurve) {
  const std::string services = keygen("services"), client = keygen("client"), agent = keygen("agent"),
                    stranger = keygen("stranger");
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << public_key(services) << "\", roles: [service]}\n"
                        << "  ci: {key: \"" << public_key(client) << "\", roles: [submitter]}\n"
                        << "  worker: {key: \"" << public_key(agent) << "\", roles: [agent], agents: [a1, py], capabilities: [work, py]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  // This process is the client: its sockets take CURVE with the client's key from now on.
  auto mine = load_transport_security(client, services + ".pub");
  ASSERT_TRUE(mine.ok()) << mine.error().to_string();
  set_transport_security(*mine);

  cluster.start_registry(service_flags);
  cluster.start_scheduler(service_flags);
  cluster.start_agent("a1", {"work"}, 1, {"--curve-key", agent, "--curve-server-key", services + ".pub"});
  // A Python agent beside the C++ one: pyzmq speaks CURVE to the same services.
  Process py("/usr/bin/python3",
             {std::string(ORION_SOURCE_DIR) + "/sdk/python/examples/agent.py", "--registry", cluster.registry_endpoint,
              "--id", "py", "--cap", "py", "--curve-key", agent, "--curve-server-key", services + ".pub"},
             cluster.dir().file("python-agent.log"));
  ASSERT_TRUE(cluster.wait_agents_up(2)) << py.log_tail();
  sdk::Client c(cluster.client_options());
  TaskSpec spec;
  spec.type = "echo";
  spec.capabilities = {"work"};
  spec.input = {{"over", "curve"}};
  auto id = c.submit(spec);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto v = c.wait(*id, 20'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->state, TaskState::COMPLETED) << v->error;
  EXPECT_EQ(v->output, Json({{"over", "curve"}}));
  spec.capabilities = {"py"};
  auto py_id = c.submit(spec);
  ASSERT_TRUE(py_id.ok()) << py_id.error().to_string();
  auto pv = c.wait(*py_id, 20'000);
  ASSERT_TRUE(pv.ok()) << pv.error().to_string();
  EXPECT_EQ(pv->state, TaskState::COMPLETED) << pv->error << "\n" << py.log_tail();
  EXPECT_TRUE(std::any_of(pv->history.begin(), pv->history.end(), [](const StateChange& change) { return change.agent == "py"; }))
      << "run by the Python agent";

  // A key the policy does not name, and no key at all: no answer, whatever is asked.
  auto ask = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"status", *id, "--registry", cluster.registry_endpoint, "--call-timeout", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_command(bin("orionctl"), args, cluster.dir().path(), 20'000);
  };
  auto allowed = ask({"--curve-key", client, "--curve-server-key", services + ".pub"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("COMPLETED"), std::string::npos) << allowed.out;
  auto unknown = ask({"--curve-key", stranger, "--curve-server-key", services + ".pub"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out << unknown.err;
  EXPECT_EQ(unknown.out.find("COMPLETED"), std::string::npos) << unknown.out;
  auto plain = ask({});
  EXPECT_EQ(plain.exit_code, 1) << plain.out << plain.err;
  EXPECT_TRUE(wait_until(
      [&] { return cluster.registry().log_tail(50'000).find("event=connection_refused") != std::string::npos; },
      10'000))
      << "the registry logs the refused handshake";
  auto wrong_server = ask({"--curve-key", client, "--curve-server-key", stranger + ".pub"});
  EXPECT_EQ(wrong_server.exit_code, 1) << "a server that cannot prove the expected key is not talked to";
}

// Roles and grants per request: a submitter's ungranted capability, an agent key taking an id
// or a capability it was not granted, and a reader submitting are each PERMISSION_DENIED, and
// the real agent keeps its id and its work.
TEST_F(CurveClusterTest, EachRequestIsCheckedAgainstItsPrincipalsRolesAndGrants) {
  const std::string services = keygen("services"), client = keygen("client"), agent = keygen("agent"),
                    intruder = keygen("intruder"), viewer = keygen("viewer");
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << public_key(services) << "\", roles: [service]}\n"
                        << "  ci: {key: \"" << public_key(client) << "\", roles: [submitter], capabilities: [work]}\n"
                        << "  worker: {key: \"" << public_key(agent) << "\", roles: [agent], agents: [a1], capabilities: [work]}\n"
                        << "  rogue: {key: \"" << public_key(intruder) << "\", roles: [agent], agents: [\"x*\"], capabilities: [work]}\n"
                        << "  dashboard: {key: \"" << public_key(viewer) << "\", roles: [reader]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  auto as = [&](const std::string& key) {
    auto sec = load_transport_security(key, services + ".pub");
    EXPECT_TRUE(sec.ok()) << sec.error().to_string();
    set_transport_security(*sec);
  };
  as(client);
  cluster.start_registry(service_flags);
  cluster.start_scheduler(service_flags);
  cluster.start_agent("a1", {"work"}, 1, {"--curve-key", agent, "--curve-server-key", services + ".pub"});
  ASSERT_TRUE(cluster.wait_agents_up(1));
  sdk::Client c(cluster.client_options());
  TaskSpec spec;
  spec.type = "echo";
  spec.capabilities = {"work"};
  spec.input = {{"n", 1}};
  auto first = c.submit(spec);
  ASSERT_TRUE(first.ok()) << first.error().to_string();

  TaskSpec secret = spec;
  secret.capabilities = {"secrets"};
  auto refused = c.submit(secret);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_NE(refused.error().message.find("principal ci may not submit tasks needing capability secrets"), std::string::npos)
      << refused.error().message;

  // The rogue key tries to take over a1, and to be an agent with a capability it lacks.
  auto rogue_agent = [&](const std::string& id, const std::string& cap) {
    return std::make_unique<Process>(bin("orion-example-agent"),
                                     std::vector<std::string>{"--registry", cluster.registry_endpoint, "--id", id, "--cap",
                                                              cap, "--curve-key", intruder, "--curve-server-key",
                                                              services + ".pub"},
                                     cluster.dir().file("rogue-" + id + "-" + cap + ".log"));
  };
  auto hijack = rogue_agent("a1", "work");
  auto greedy = rogue_agent("x1", "secrets");
  EXPECT_TRUE(wait_until(
      [&] {
        const auto log = cluster.registry().log_tail(100'000);
        return log.find("principal=rogue action=\"act as an agent\"") != std::string::npos &&
               log.find("may not act as agent a1") != std::string::npos &&
               log.find("may not claim capability secrets") != std::string::npos;
      },
      15'000))
      << cluster.registry().log_tail();
  auto v = c.wait(*first, 20'000);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->state, TaskState::COMPLETED);
  EXPECT_EQ(v->attempt, 1) << "the real a1 kept its work";
  auto second = c.submit(spec);
  ASSERT_TRUE(second.ok());
  auto v2 = c.wait(*second, 20'000);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->state, TaskState::COMPLETED);
  EXPECT_EQ(v2->attempt, 1);

  // A reader reads and may not submit.
  as(viewer);
  sdk::Client reader(cluster.client_options());
  auto seen = reader.status(*second);
  ASSERT_TRUE(seen.ok()) << seen.error().to_string();
  EXPECT_EQ(seen->state, TaskState::COMPLETED);
  auto not_allowed = reader.submit(spec);
  ASSERT_FALSE(not_allowed.ok());
  EXPECT_EQ(not_allowed.error().code, ErrorCode::PERMISSION_DENIED);
}

// A principal granted a namespace submits, cancels, reprioritizes, retries parked work and
// sets settings only there; another namespace's task is left as it was.
TEST_F(CurveClusterTest, APrincipalGrantedANamespaceActsOnlyInIt) {
  const std::string services = keygen("services"), boss = keygen("boss"), team = keygen("team");
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals:\n"
                        << "  services: {key: \"" << public_key(services) << "\", roles: [service]}\n"
                        << "  alice: {key: \"" << public_key(boss) << "\", roles: [admin]}\n"
                        << "  team: {key: \"" << public_key(team) << "\", roles: [submitter, operator], namespaces: [team-a]}\n";
  const std::vector<std::string> service_flags{"--curve-key", services, "--policy", policy};
  auto as = [&](const std::string& key) {
    auto sec = load_transport_security(key, services + ".pub");
    EXPECT_TRUE(sec.ok()) << sec.error().to_string();
    set_transport_security(*sec);
  };
  as(boss);
  cluster.start_registry(service_flags);
  cluster.start_scheduler(service_flags);
  TaskSpec spec;
  spec.type = "echo";
  spec.capabilities = {"nobody"};  // no agent: the tasks stay PENDING
  spec.ns = "team-b";
  sdk::Client admin(cluster.client_options());
  auto theirs = admin.submit(spec);
  ASSERT_TRUE(theirs.ok()) << theirs.error().to_string();

  as(team);
  sdk::Client c(cluster.client_options());
  auto denied = [](const auto& r, const std::string& words) {
    ASSERT_FALSE(r.ok()) << words;
    EXPECT_EQ(r.error().code, ErrorCode::PERMISSION_DENIED);
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  denied(c.submit(spec), "principal team may not act in namespace team-b (granted: team-a)");
  denied(c.cancel(*theirs, "not mine"), "may not act in namespace team-b");
  denied(c.reprioritize(*theirs, Priority::HIGH), "may not act in namespace team-b");
  denied(c.set_namespace("team-b", 5), "may not act in namespace team-b");
  denied(c.retry_parked({}, "echo"), "may not act on parked tasks by type across namespaces");
  spec.ns = "team-a";
  auto mine = c.submit(spec);
  ASSERT_TRUE(mine.ok()) << mine.error().to_string();
  EXPECT_TRUE(c.reprioritize(*mine, Priority::HIGH).ok());
  EXPECT_TRUE(c.set_namespace("team-a", 2).ok());
  EXPECT_TRUE(c.cancel(*mine, "mine").ok());
  auto v = c.status(*theirs);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->state, TaskState::PENDING) << "another namespace's task is left as it was";
}

TEST_F(CurveClusterTest, AServiceGivenKeysWithoutAPolicyOrAnUnreadableKeyRefusesToStart) {
  const std::string services = keygen("services");
  auto no_policy = run_command(bin("orion-registry"), {"--bind", "tcp://127.0.0.1:0", "--curve-key", services},
                               cluster.dir().path(), 10'000);
  EXPECT_EQ(no_policy.exit_code, 2);
  EXPECT_NE((no_policy.out + no_policy.err).find("--curve-key needs --policy"), std::string::npos)
      << no_policy.out << no_policy.err;
  const std::string policy = cluster.dir().file("policy.yaml");
  std::ofstream(policy) << "principals: {s: {key: \"" << public_key(services) << "\", roles: [service]}}\n";
  ::chmod(services.c_str(), 0644);
  auto open_key = run_command(bin("orion-registry"),
                              {"--bind", "tcp://127.0.0.1:0", "--curve-key", services, "--policy", policy},
                              cluster.dir().path(), 10'000);
  EXPECT_EQ(open_key.exit_code, 2);
  EXPECT_NE((open_key.out + open_key.err).find("mode 0600"), std::string::npos) << open_key.out << open_key.err;
}

}  // namespace
}  // namespace orion::testing
