// AgentPool's memory of agents gone: their performance history is kept for when they come back,
// for the kMaxRetired gone last only.
#include <gtest/gtest.h>

#include <string>

#include "services/scheduler/agent_pool.h"

namespace orion::scheduler {
namespace {

AgentSpec spec(const std::string& id) {
  AgentSpec s;
  s.agent_id = id;
  s.capabilities = {"cpu"};
  s.capacity = 2;
  return s;
}

TEST(AgentPool, AnAgentThatComesBackKeepsItsPerformanceHistory) {
  AgentPool pool;
  pool.attach(spec("a1"), "i1", 0);
  pool.record_outcome("a1", false, false, 100.0);
  pool.remove("a1");
  ASSERT_EQ(pool.retired().count("a1"), 1u);
  auto& back = pool.attach(spec("a1"), "i2", 10);
  EXPECT_EQ(back.stats.failed, 1u);
  EXPECT_EQ(pool.retired().count("a1"), 0u) << "attached again: no longer retired";
}

TEST(AgentPool, OnlyTheAgentsGoneLastAreRememberedTheOneGoneLongestIsForgottenFirst) {
  AgentPool pool;
  const std::size_t n = AgentPool::kMaxRetired + 10;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = "a" + std::to_string(i);
    pool.attach(spec(id), "i", 0);
    pool.record_outcome(id, true, false, 5.0);
    pool.remove(id);
  }
  EXPECT_EQ(pool.retired().size(), AgentPool::kMaxRetired);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(pool.retired().count("a" + std::to_string(i)), 0u) << i;
  EXPECT_EQ(pool.retired().count("a10"), 1u);
  EXPECT_EQ(pool.retired().count("a" + std::to_string(n - 1)), 1u);

  // Coming back and going again makes an agent the most recent: a10 survives the next one.
  pool.attach(spec("a10"), "i", 0);
  pool.remove("a10");
  pool.attach(spec("new"), "i", 0);
  pool.remove("new");
  EXPECT_EQ(pool.retired().size(), AgentPool::kMaxRetired);
  EXPECT_EQ(pool.retired().count("a10"), 1u);
  EXPECT_EQ(pool.retired().count("a11"), 0u) << "now the one gone longest";
  EXPECT_EQ(pool.retired().count("new"), 1u);
}

}  // namespace
}  // namespace orion::scheduler
