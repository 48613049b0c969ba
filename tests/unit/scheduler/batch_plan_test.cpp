#include "services/scheduler/batch_plan.h"

#include <gtest/gtest.h>

namespace orion::scheduler {
namespace {

BatchEntry entry(const std::string& key, std::vector<std::string> deps) {
  BatchEntry e;
  e.key = key;
  e.spec.type = "echo";
  e.spec.depends_on = std::move(deps);
  return e;
}

auto no_existing = [](const std::string&) { return std::optional<std::uint64_t>(); };

TEST(BatchPlan, OrdersEveryDependencyBeforeItsDependants) {
  std::vector<BatchEntry> e = {entry("d", {"c"}), entry("c", {"a", "b"}), entry("a", {}), entry("b", {"a"})};
  auto p = plan_batch(e, no_existing);
  ASSERT_TRUE(p.ok());
  std::map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < p->order.size(); ++i) pos[e[p->order[i]].key] = i;
  EXPECT_LT(pos["a"], pos["b"]);
  EXPECT_LT(pos["b"], pos["c"]);
  EXPECT_LT(pos["c"], pos["d"]);
}

TEST(BatchPlan, NamesTheKeysOfACycleInOrder) {
  auto p = plan_batch({entry("a", {"b"}), entry("b", {"c"}), entry("c", {"a"})}, no_existing);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "dependency cycle: c -> b -> a -> c");
}

TEST(BatchPlan, RefusesATaskThatDependsOnItself) {
  auto p = plan_batch({entry("a", {"a"})}, no_existing);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "dependency cycle: a -> a");
}

TEST(BatchPlan, ResolvesIdsOfExistingTasks) {
  auto p = plan_batch({entry("a", {"t7"})}, [](const std::string& id) {
    return id == "t7" ? std::optional<std::uint64_t>(7) : std::nullopt;
  });
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->deps[0], (std::vector<std::pair<bool, std::uint64_t>>{{false, 7}}));
}

TEST(BatchPlan, HandlesAHundredThousandLongChainWithoutRecursion) {
  std::vector<BatchEntry> e;
  for (int i = 0; i < 100'000; ++i) e.push_back(entry("k" + std::to_string(i), i ? std::vector<std::string>{"k" + std::to_string(i - 1)} : std::vector<std::string>{}));
  e[0].spec.depends_on = {"k99999"};  // closes the loop: a 100,000-long cycle
  auto p = plan_batch(e, no_existing);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("dependency cycle: "), std::string::npos);
}

}  // namespace
}  // namespace orion::scheduler
