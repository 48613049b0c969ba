// The identity rule for agent ids (agent_claim.h): which claims are refused, with which code,
// naming the id; and the bound on the bindings held.
#include "common/agent_claim.h"

#include <gtest/gtest.h>

#include "common/policy.h"

namespace orion {
namespace {

class AgentClaimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Policy::parse(
        "principals:\n"
        "  fleet-a: {key: \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\", roles: [agent], agents: [\"gpu-*\"]}\n"
        "  fleet-b: {key: \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\", roles: [agent], agents: [\"gpu-*\", gpu-7]}\n"
        "  root:    {key: \"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\", roles: [admin]}\n");
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
  }
  Status judge(const std::string& id, const std::string& principal, const std::string& instance,
               const std::string* holder, const std::string* live) {
    return judge_claim(AgentClaim{id, principal, instance}, holder, live, &policy);
  }
  Policy policy;
  const std::string a = "fleet-a", b = "fleet-b", root = "root";
};

TEST_F(AgentClaimTest, AnUnheldIdOrOneHeldByTheSameKeyIsTaken) {
  EXPECT_TRUE(judge("gpu-1", a, "p1", nullptr, nullptr).ok());
  EXPECT_TRUE(judge("gpu-1", a, "p1", &a, nullptr).ok());
  EXPECT_TRUE(judge("gpu-1", root, "p1", nullptr, nullptr).ok()) << "the admin role: first registration too";
}

TEST_F(AgentClaimTest, AnIdHeldByAnotherKeyIsRefusedLiveOrNot) {
  for (const std::string* live : {static_cast<const std::string*>(nullptr), &a}) {
    auto s = judge("gpu-1", b, "p2", &a, live);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::PERMISSION_DENIED);
    EXPECT_NE(s.error().message.find("agent id gpu-1 is held by another key"), std::string::npos) << s.error().message;
  }
  EXPECT_EQ(judge("gpu-1", root, "p2", &a, nullptr).error().code, ErrorCode::PERMISSION_DENIED)
      << "an admin takes no id another key holds";
}

TEST_F(AgentClaimTest, AnIdThePolicyNamesGoesToItsKeyAndAHolderNoLongerGrantedHoldsNothing) {
  EXPECT_TRUE(judge("gpu-7", b, "p2", &a, nullptr).ok()) << "fleet-b is granted gpu-7 by name";
  EXPECT_EQ(judge("gpu-7", a, "p1", &b, nullptr).error().code, ErrorCode::PERMISSION_DENIED);
  const std::string gone = "removed-key";
  EXPECT_TRUE(judge("gpu-1", b, "p2", &gone, nullptr).ok()) << "a holder not in the policy holds nothing";
}

TEST_F(AgentClaimTest, AnotherTokenIsRefusedWhileTheIdIsLiveAndNoTokenChecksNothing) {
  const std::string p1 = "p1", none;
  auto s = judge_claim(AgentClaim{"w1", "", "p2"}, nullptr, &p1, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::ALREADY_EXISTS);
  EXPECT_NE(s.error().message.find("agent id w1 is live in another process"), std::string::npos);
  EXPECT_TRUE(judge_claim(AgentClaim{"w1", "", "p1"}, nullptr, &p1, nullptr).ok()) << "the same process";
  EXPECT_TRUE(judge_claim(AgentClaim{"w1", "", "p2"}, nullptr, nullptr, nullptr).ok()) << "not live";
  EXPECT_TRUE(judge_claim(AgentClaim{"w1", "", ""}, nullptr, &p1, nullptr).ok()) << "a claim without a token";
  EXPECT_TRUE(judge_claim(AgentClaim{"w1", "", "p2"}, nullptr, &none, nullptr).ok()) << "a session without one";
  EXPECT_EQ(judge("gpu-1", a, "p2", &a, &p1).error().code, ErrorCode::ALREADY_EXISTS) << "same key, another process";
  EXPECT_TRUE(judge_claim(AgentClaim{"w1", "", "p2"}, &a, nullptr, nullptr).ok()) << "no policy: keys are not checked";
}

TEST_F(AgentClaimTest, BindingsAreNumberedOnceAndBounded) {
  AgentHolders h;
  EXPECT_EQ(h.holder("w1"), nullptr);
  auto first = h.bind("w1", "a");
  ASSERT_TRUE(first.ok());
  EXPECT_GT(*first, 0u);
  EXPECT_EQ(*h.bind("w1", "a"), 0u) << "unchanged";
  EXPECT_EQ(*h.bind("w1", "b"), *first) << "a new holder rewrites the same record";
  EXPECT_EQ(*h.holder("w1"), "b");
  h.restore(41, "w9", "c");
  auto next = h.bind("w10", "a");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 42u) << "numbers are never reused after a restore";
  AgentHolders full;
  for (std::size_t i = 0; i < AgentHolders::kMaxHolders; ++i) full.restore(i + 1, "w" + std::to_string(i), "a");
  auto refused = full.bind("one-more", "a");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::UNAVAILABLE);
  EXPECT_TRUE(full.bind("w0", "b").ok()) << "a held id may still change holder";
}

}  // namespace
}  // namespace orion
