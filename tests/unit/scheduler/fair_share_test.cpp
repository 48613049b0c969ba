// services/scheduler/fair_share.*: slots shared between namespaces by weight.
#include "services/scheduler/fair_share.h"

#include <map>
#include <random>

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

// n slots among namespaces that all have work; each slot to the first in order.
std::map<std::string, int> share_out(FairShare& share, const std::vector<std::string>& names, int n) {
  std::vector<const std::string*> all;
  for (const auto& s : names) all.push_back(&s);
  std::map<std::string, int> got;
  for (int i = 0; i < n; ++i) {
    const std::string* ns = share.order(all).front();
    share.served(*ns);
    ++got[*ns];
  }
  return got;
}

TEST(FairShare, UnderContentionAWeightOfTwoGetsTwiceTheSlots) {
  FairShare share;
  ASSERT_TRUE(share.set_weight("a", 2).ok());
  auto got = share_out(share, {"a", "b"}, 3000);
  EXPECT_NEAR(got["a"], 2000, 1);
  EXPECT_NEAR(got["b"], 1000, 1);
}

TEST(FairShare, ManyNamespacesGetTheirWeightsWithinFivePercent) {
  FairShare share;
  const std::vector<std::string> names{"w1", "w2", "w3", "w5"};
  const std::map<std::string, double> w{{"w1", 1}, {"w2", 2}, {"w3", 3}, {"w5", 5}};
  for (const auto& [ns, weight] : w) ASSERT_TRUE(share.set_weight(ns, weight).ok());
  const int n = 11'000;
  auto got = share_out(share, names, n);
  for (const auto& [ns, weight] : w) {
    const double expected = n * weight / 11.0;
    EXPECT_LE(std::abs(got[ns] - expected), expected * 0.05) << ns;
  }
}

TEST(FairShare, ANamespaceOfTinyWeightIsStillServed) {
  FairShare share;
  ASSERT_TRUE(share.set_weight("big", 1000).ok());
  ASSERT_TRUE(share.set_weight("small", 1).ok());
  auto got = share_out(share, {"big", "small"}, 2002);
  EXPECT_GE(got["small"], 2);
}

TEST(FairShare, IdleTimeIsNotBankedIntoABurst) {
  FairShare share;
  share_out(share, {"a"}, 1000);  // only a had work for a while
  auto got = share_out(share, {"a", "b"}, 100);
  EXPECT_NEAR(got["b"], 50, 1);  // b joins at a's pass: half from now on, not 100 in a row
}

TEST(FairShare, ASlotANamespaceCannotUseGoesToTheNextInOrder) {
  FairShare share;
  ASSERT_TRUE(share.set_weight("gpu-tenant", 3).ok());
  std::vector<std::string> names{"cpu-tenant", "gpu-tenant"};
  std::vector<const std::string*> all{&names[0], &names[1]};
  std::map<std::string, int> got;
  std::mt19937 rng(3);
  for (int i = 0; i < 4000; ++i) {
    const bool gpu_free = rng() % 2 == 0;  // half the free slots are on agents gpu-tenant cannot use
    for (const std::string* ns : share.order(all)) {
      if (*ns == "gpu-tenant" && !gpu_free) continue;
      share.served(*ns);
      ++got[*ns];
      break;
    }
  }
  EXPECT_EQ(got["cpu-tenant"] + got["gpu-tenant"], 4000);
  EXPECT_GT(got["cpu-tenant"], 1000);  // it is never starved by the heavier one
  EXPECT_GT(got["gpu-tenant"], 1500);
}

TEST(FairShare, WeightsOutOfRangeAreRefused) {
  FairShare share;
  EXPECT_FALSE(share.set_weight("a", 0).ok());
  EXPECT_FALSE(share.set_weight("a", -1).ok());
  EXPECT_FALSE(share.set_weight("a", 1e9).ok());
  EXPECT_EQ(share.weight("a"), FairShare::kDefaultWeight);
}

TEST(FairShare, TrimForgetsNamespacesWithoutWorkOrWeight) {
  FairShare share;
  ASSERT_TRUE(share.set_weight("kept", 2).ok());
  share_out(share, {"kept", "gone"}, 10);
  std::string kept = "kept";
  share.trim({&kept});
  EXPECT_EQ(share.slots("gone"), 0u);
  EXPECT_GT(share.slots("kept"), 0u);
}

}  // namespace
}  // namespace orion::scheduler
