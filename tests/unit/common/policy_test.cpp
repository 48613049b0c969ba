// The policy file: each principal's roles and grants decide what it may do, a refusal names the
// principal and what was refused, and a file that is not a policy is refused naming the entry.
#include "common/policy.h"

#include <gtest/gtest.h>

#include "common/curve_keys.h"

namespace orion {
namespace {

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* k : {&admin, &ops, &ci, &gpu, &viewer, &svc}) *k = generate_curve_key_pair().public_key;
    auto p = Policy::parse("principals:\n"
                           "  alice: {key: \"" + admin + "\", roles: [admin]}\n"
                           "  ops: {key: \"" + ops + "\", roles: [operator]}\n"
                           "  ci: {key: \"" + ci + "\", roles: [submitter], capabilities: [build, test], task_types: [compile]}\n"
                           "  gpu-boxes: {key: \"" + gpu + "\", roles: [agent], agents: [\"gpu-*\", solo], capabilities: [gpu]}\n"
                           "  dashboard: {key: \"" + viewer + "\", roles: [reader]}\n"
                           "  services: {key: \"" + svc + "\", roles: [service]}\n");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
  }
  static Asked submit(std::vector<std::string> caps, std::string type) {
    Asked a;
    a.capabilities = std::move(caps), a.task_type = std::move(type);
    return a;
  }
  static Asked agent(std::string id, std::vector<std::string> caps = {}) {
    Asked a;
    a.agent_id = std::move(id), a.capabilities = std::move(caps);
    return a;
  }
  void expect_denied(const std::string& who, Action action, const Asked& asked, const std::string& names) {
    auto s = policy.allow(who, action, asked);
    ASSERT_FALSE(s.ok()) << who << " " << to_string(action);
    EXPECT_EQ(s.error().code, ErrorCode::PERMISSION_DENIED);
    EXPECT_NE(s.error().message.find(names), std::string::npos) << s.error().message;
  }
  std::string admin, ops, ci, gpu, viewer, svc;
  Policy policy;
};

TEST_F(PolicyTest, EachRoleMayDoItsOwnAndNothingElse) {
  for (auto action : {Action::READ, Action::SUBMIT, Action::CONTROL, Action::ADMIN, Action::PROPOSE}) {
    EXPECT_TRUE(policy.allow("alice", action, submit({"anything"}, "any")).ok()) << to_string(action);
  }
  for (const char* who : {"ops", "ci", "gpu-boxes", "dashboard", "services"}) {
    EXPECT_TRUE(policy.allow(who, Action::READ).ok()) << who;
    expect_denied(who, Action::ADMIN, {}, "administer");
  }
  EXPECT_TRUE(policy.allow("ops", Action::CONTROL).ok());
  EXPECT_TRUE(policy.allow("ops", Action::CANCEL).ok());
  expect_denied("ops", Action::SUBMIT, submit({"build"}, "compile"), "no submitter role");
  EXPECT_TRUE(policy.allow("ci", Action::CANCEL).ok());
  expect_denied("ci", Action::CONTROL, {}, "no operator role");
  expect_denied("dashboard", Action::CANCEL, {}, "cancel");
  expect_denied("dashboard", Action::PUBLISH, {}, "no service role");
  for (auto action : {Action::ANNOUNCE, Action::PUBLISH, Action::PROPOSE}) {
    EXPECT_TRUE(policy.allow("services", action).ok()) << to_string(action);
    expect_denied("gpu-boxes", action, {}, "no service role");
  }
  expect_denied("services", Action::AGENT, agent("gpu-1"), "no agent role");
}

TEST_F(PolicyTest, GrantsLimitCapabilitiesTaskTypesAndAgentIds) {
  EXPECT_TRUE(policy.allow("ci", Action::SUBMIT, submit({"build", "test"}, "compile")).ok());
  expect_denied("ci", Action::SUBMIT, submit({"build", "secrets"}, "compile"), "capability secrets (granted: build, test)");
  expect_denied("ci", Action::SUBMIT, submit({"build"}, "deploy"), "type deploy (granted: compile)");

  EXPECT_TRUE(policy.allow("gpu-boxes", Action::AGENT, agent("gpu-7", {"gpu"})).ok());
  EXPECT_TRUE(policy.allow("gpu-boxes", Action::AGENT, agent("solo", {})).ok());
  EXPECT_TRUE(policy.allow("gpu-boxes", Action::VOTE, agent("gpu-7")).ok());
  expect_denied("gpu-boxes", Action::AGENT, agent("gpu-7", {"gpu", "secrets"}), "claim capability secrets");
  expect_denied("gpu-boxes", Action::AGENT, agent("cpu-1", {"gpu"}), "act as agent cpu-1 (granted: gpu-*, solo)");
  expect_denied("gpu-boxes", Action::AGENT, agent("solo2"), "act as agent solo2");
  expect_denied("gpu-boxes", Action::VOTE, agent("cpu-1"), "vote as agent cpu-1");
}

TEST_F(PolicyTest, AConnectionWithoutAKnownKeyIsRefusedEverything) {
  expect_denied("", Action::READ, {}, "unauthenticated");
  expect_denied("mallory", Action::READ, {}, "unknown principal mallory");
  auto ring = policy.key_ring();
  EXPECT_EQ(ring.size(), 6u);
  ASSERT_NE(ring.find(z85_key_bytes(ci).value()), nullptr);
  EXPECT_EQ(*ring.find(z85_key_bytes(ci).value()), "ci");
}

TEST(PolicyNamespaceTest, APrincipalGrantedNamespacesActsOnlyInThem) {
  const std::string team = generate_curve_key_pair().public_key, anyone = generate_curve_key_pair().public_key;
  auto p = Policy::parse("principals:\n"
                         "  team: {key: \"" + team + "\", roles: [submitter, operator], namespaces: [team-a, \"lab-*\"]}\n"
                         "  anyone: {key: \"" + anyone + "\", roles: [submitter]}\n");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  Asked in;
  for (const char* ns : {"team-a", "lab-1", "lab-"}) {
    in.ns = ns;
    EXPECT_TRUE(p->allow("team", Action::SUBMIT, in).ok()) << ns;
    EXPECT_TRUE(p->allow("team", Action::CANCEL, in).ok()) << ns;
    EXPECT_TRUE(p->allow("team", Action::CONTROL, in).ok()) << ns;
  }
  for (const char* ns : {"default", "team-b", "team-a2", "la"}) {
    in.ns = ns;
    for (Action a : {Action::SUBMIT, Action::CANCEL, Action::CONTROL}) {
      auto s = p->allow("team", a, in);
      ASSERT_FALSE(s.ok()) << ns;
      EXPECT_EQ(s.error().code, ErrorCode::PERMISSION_DENIED);
      EXPECT_NE(s.error().message.find(std::string("act in namespace ") + ns + " (granted: team-a, lab-*)"), std::string::npos)
          << s.error().message;
    }
    EXPECT_TRUE(p->allow("team", Action::READ, in).ok()) << "reading is not limited by namespace";
    EXPECT_TRUE(p->allow("anyone", Action::SUBMIT, in).ok()) << "no namespaces listed: any";
  }
  EXPECT_FALSE(Policy::parse("principals:\n  x: {key: \"" + team + "\", roles: [submitter], namespaces: team-a}\n").ok())
      << "namespaces is a list";
}

TEST(PolicyParseTest, AFileThatIsNotAPolicyIsRefusedNamingTheEntry) {
  const std::string k = generate_curve_key_pair().public_key, k2 = generate_curve_key_pair().public_key;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[1, 2", "not YAML"},
      {"- a\n- b\n", "expected a map 'principals"},
      {"principals: {}\nextra: 1\n", "unknown top-level field 'extra'"},
      {"principals: {a: {key: \"short\", roles: [admin]}}", "principal 'a': key is its public key"},
      {"principals: {a: {key: \"" + k + "\", roles: []}}", "principal 'a': roles is a list of at least one"},
      {"principals: {a: {key: \"" + k + "\", roles: [root]}}", "unknown role 'root'"},
      {"principals: {a: {key: \"" + k + "\", roles: [admin], rolez: [x]}}", "unknown field 'rolez'"},
      {"principals: {a: {key: \"" + k + "\", roles: [agent]}}", "the agent role needs 'agents'"},
      {"principals: {a: {key: \"" + k + "\", roles: [reader], capabilities: x}}", "capabilities is a list"},
      {"principals: {a: {key: \"" + k + "\", roles: [reader]}, b: {key: \"" + k + "\", roles: [admin]}}",
       "principal a's already"},
  };
  for (const auto& [text, why] : bad) {
    auto p = Policy::parse(text, "policy p.yaml");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(p.error().message.find(why), std::string::npos) << p.error().message;
    EXPECT_EQ(p.error().message.rfind("policy p.yaml: ", 0), 0u) << p.error().message;
  }
  auto ok = Policy::parse("principals: {a: {key: \"" + k + "\", roles: [reader, submitter]}, b: {key: \"" + k2 +
                          "\", roles: [agent], agents: [\"*\"]}}");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->size(), 2u);
  Asked any;
  any.agent_id = "whatever";
  EXPECT_TRUE(ok->allow("b", Action::AGENT, any).ok()) << "'*' grants every id";
}

}  // namespace
}  // namespace orion

namespace orion {
namespace {

// Vote keys: each granted agent id's Ed25519 key, at most one per agent id, only for ids the
// principal is granted (exactly), 64 hex digits.
TEST(PolicyVoteKeysTest, EachGrantedAgentHasAtMostOneVoteKeyAndOthersAreRefused) {
  const std::string k = generate_curve_key_pair().public_key, k2 = generate_curve_key_pair().public_key;
  const std::string v1(64, 'a'), v2(64, 'B');
  auto p = Policy::parse("principals:\n"
                         "  boxes: {key: \"" + k + "\", roles: [agent], agents: [\"gpu-*\", solo],\n"
                         "          vote_keys: {gpu-1: \"" + v1 + "\", solo: \"" + v2 + "\"}}\n");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_NE(p->vote_key("gpu-1"), nullptr);
  EXPECT_EQ(*p->vote_key("gpu-1"), v1);
  EXPECT_EQ(*p->vote_key("solo"), v2);
  EXPECT_EQ(p->vote_key("gpu-2"), nullptr) << "granted, but no key given";
  EXPECT_EQ(p->vote_key("other"), nullptr);

  auto refused = [&](const std::string& yaml, const std::string& names) {
    auto r = Policy::parse(yaml);
    ASSERT_FALSE(r.ok()) << yaml;
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find(names), std::string::npos) << r.error().message;
  };
  refused("principals:\n  b: {key: \"" + k + "\", roles: [agent], agents: [a1], vote_keys: {a2: \"" + v1 + "\"}}\n",
          "vote_keys names agent 'a2', which is not one of its granted agent ids");
  refused("principals:\n  b: {key: \"" + k + "\", roles: [agent], agents: [\"a*\"], vote_keys: {\"a*\": \"" + v1 + "\"}}\n",
          "vote_keys names agent 'a*'");
  refused("principals:\n  b: {key: \"" + k + "\", roles: [agent], agents: [a1], vote_keys: {a1: \"xyz\"}}\n",
          "the vote key of agent 'a1' is not 64 hex digits");
  refused("principals:\n  b: {key: \"" + k + "\", roles: [agent], agents: [a1], vote_keys: [a1]}\n",
          "vote_keys maps agent ids");
  refused("principals:\n  b: {key: \"" + k + "\", roles: [submitter], vote_keys: {a1: \"" + v1 + "\"}}\n",
          "which is not one of its granted agent ids");
  refused("principals:\n"
          "  b: {key: \"" + k + "\", roles: [agent], agents: [a1], vote_keys: {a1: \"" + v1 + "\"}}\n"
          "  c: {key: \"" + k2 + "\", roles: [agent], agents: [a1], vote_keys: {a1: \"" + v2 + "\"}}\n",
          "agent 'a1' has a vote key under another principal already");
}

}  // namespace
}  // namespace orion
