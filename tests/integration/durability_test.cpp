// kill -9 of the scheduler in the middle of work: nothing acknowledged is lost, nothing
// completes twice.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class DurabilityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << cluster.logs();
  }
  Cluster cluster;
};

TEST_F(DurabilityTest, Kill9OfTheSchedulerDuringAThousandTasksLosesNoneAndCompletesEachExactlyOnce) {
  cluster.start_registry();
  cluster.start_scheduler();
  cluster.start_agent("w1", {"work"}, 8);
  cluster.start_agent("w2", {"work"}, 8);
  ASSERT_TRUE(cluster.wait_agents_up(2));

  // A submitter thread keeps submitting while the scheduler dies and comes back; its client
  // retries each submit with the same request id, so a submit in flight lands exactly once.
  constexpr int kTasks = 1000;
  std::vector<std::string> ids;
  std::atomic<int> acknowledged{0};
  std::string submit_error;
  std::thread submitter([&] {
    auto options = cluster.client_options();
    options.tries = 20;
    options.request_timeout_ms = 500;
    sdk::Client client(options);
    for (int i = 0; i < kTasks; ++i) {
      TaskSpec s;
      s.type = "sleep";
      s.capabilities = {"work"};
      s.input = {{"ms", 5}, {"i", i}};
      auto id = client.submit(s);
      if (!id) {
        submit_error = id.error().to_string();
        return;
      }
      ids.push_back(*id);
      ++acknowledged;
    }
  });
  ASSERT_TRUE(wait_until([&] { return acknowledged >= 300; }, 60'000));
  cluster.scheduler().kill9();
  cluster.start_scheduler();  // same ports, same data directory
  submitter.join();
  ASSERT_TRUE(submit_error.empty()) << submit_error;
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "every acknowledged id is distinct";

  sdk::Client client(cluster.client_options());
  for (const auto& id : ids) {
    auto v = client.wait(id, 60'000);
    ASSERT_TRUE(v.ok()) << id << ": " << v.error().to_string();
    ASSERT_EQ(v->state, TaskState::COMPLETED) << id << " " << v->error << " " << v->reason;
    int completions = 0;
    for (const auto& c : v->history) completions += c.state == TaskState::COMPLETED;
    EXPECT_EQ(completions, 1) << id;
  }
  // Nothing beyond what was acknowledged was created.
  ListTasks all;
  all.limit = 10'000;
  auto list = client.list(all);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->tasks.size(), static_cast<std::size_t>(kTasks));
}

}  // namespace
}  // namespace orion::testing
