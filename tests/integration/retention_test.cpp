// Retention on real processes: orion-scheduler started with `--retention 2s`, a task runs on an
// example agent and completes, GET_TASK answers it; once the retention passed, the scheduler's
// loop has expired it and GET_TASK answers NOT_FOUND saying it expired, while an id never handed
// out says it does not exist. SCHEDULER_STATS tells the window. No sleeps: every wait is a
// condition with a deadline.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/integration/cluster.h"
#include "tests/wait_until.h"

namespace orion::testing {
namespace {

TEST(RetentionTest, ACompletedTaskAnswersUntilTheRetentionPassedThenNotFoundExpired) {
  Cluster cluster;
  cluster.start_registry();
  cluster.start_scheduler({"--retention", "2s"});
  cluster.start_agent("worker", {"text"}, 1);
  ASSERT_TRUE(cluster.wait_agents_up(1)) << cluster.logs();
  sdk::Client client(cluster.client_options());

  TaskSpec spec;
  spec.type = "echo";
  spec.capabilities = {"text"};
  spec.input = {{"text", "kept for 2 s"}};
  auto id = client.submit(spec);
  ASSERT_TRUE(id) << id.error().to_string();
  auto done = client.wait(*id, 20'000);
  ASSERT_TRUE(done) << done.error().to_string();
  ASSERT_EQ(done->state, TaskState::COMPLETED) << cluster.logs();
  auto now = client.status(*id);
  ASSERT_TRUE(now) << now.error().to_string();
  EXPECT_EQ(now->state, TaskState::COMPLETED);

  auto stats = client.scheduler_stats();
  ASSERT_TRUE(stats) << stats.error().to_string();
  EXPECT_EQ(stats->retention_ms, 2000) << "the window is told to clients";

  Error last;
  const bool gone = wait_until(
      [&] {
        auto v = client.status(*id);
        if (v) return false;
        last = v.error();
        return true;
      },
      15'000, 50);
  ASSERT_TRUE(gone) << "still answered after the retention\n" << cluster.logs();
  EXPECT_EQ(last.code, ErrorCode::NOT_FOUND) << last.to_string();
  EXPECT_NE(last.message.find("has expired"), std::string::npos) << last.to_string();

  auto never = client.status("t" + std::to_string(1'000'000));
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, ErrorCode::NOT_FOUND);
  EXPECT_NE(never.error().message.find("does not exist"), std::string::npos) << never.error().to_string();
  if (HasFailure()) std::cerr << cluster.logs();
}

}  // namespace
}  // namespace orion::testing
