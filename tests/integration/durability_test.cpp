// kill -9 of the scheduler in the middle of work: nothing acknowledged is lost, nothing
// completes twice.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/log_store.h"
#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class DurabilityTest : public ClusterTest {};

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
    options.call_timeout_ms = 10'000;
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

// A big batch is written as one batch record and answered before all its tasks are made
// (services/scheduler/batch_record.h): kill -9 right after the answer, and again while it runs,
// loses none of it and runs each task once; once all have run, the batch record is gone.
TEST_F(DurabilityTest, Kill9RightAfterABigBatchIsAnsweredKeepsEveryTaskAndItsGraph) {
  cluster.start_registry();
  cluster.start_scheduler();
  constexpr int kLayers = 50, kWidth = 100;
  std::vector<BatchEntry> batch;
  for (int i = 0; i < kLayers * kWidth; ++i) {
    BatchEntry e;
    e.key = "k" + std::to_string(i);
    e.spec.type = "echo";
    e.spec.capabilities = {"work"};
    e.spec.input = i;
    if (i >= kWidth) e.spec.depends_on = {"k" + std::to_string(i - kWidth + (i * 7) % kWidth)};
    batch.push_back(std::move(e));
  }
  sdk::Client client(cluster.client_options());
  auto ids = client.submit_batch(batch);
  ASSERT_TRUE(ids.ok()) << ids.error().to_string();
  cluster.scheduler().kill9();  // at once: the scheduler may still be making the batch's tasks
  cluster.start_scheduler();

  sdk::Client after(cluster.client_options());
  auto last = after.status(ids->at("k" + std::to_string(kLayers * kWidth - 1)));
  ASSERT_TRUE(last.ok()) << last.error().to_string();
  EXPECT_EQ(last->state, TaskState::PENDING);
  const auto& dep = batch.back().spec.depends_on.front();
  EXPECT_EQ(last->spec.depends_on, std::vector<std::string>{ids->at(dep)});

  cluster.start_agent("w1", {"work"}, 8);
  cluster.start_agent("w2", {"work"}, 8);
  ListTasks done;
  done.states = {TaskState::COMPLETED};
  done.limit = 10'000;
  ASSERT_TRUE(wait_until([&] {
    auto l = after.list(done);
    return l.ok() && l->tasks.size() >= 1000;
  }, 60'000));
  cluster.scheduler().kill9();  // mid-run: some tasks have records of their own, some only the batch's
  cluster.start_scheduler();

  sdk::Client last_client(cluster.client_options());
  std::vector<std::string> all;
  for (const auto& [key, id] : *ids) all.push_back(id);
  auto views = last_client.wait_all(all, 60'000);
  ASSERT_TRUE(views.ok()) << views.error().to_string();
  ASSERT_EQ(views->size(), all.size());
  for (const auto& v : *views) {
    ASSERT_EQ(v.state, TaskState::COMPLETED) << v.task_id << " " << v.error << " " << v.reason;
    int completions = 0;
    for (const auto& c : v.history) completions += c.state == TaskState::COMPLETED;
    EXPECT_EQ(completions, 1) << v.task_id;
  }
  ASSERT_EQ(cluster.scheduler().stop(), 0);
  auto store = SqliteLogStore::open(cluster.dir().file("scheduler") + "/scheduler.db");
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  std::size_t tasks = 0, batch_records = 0;
  ASSERT_TRUE((*store)->replay([&](std::uint64_t key, std::string_view) {
                  tasks += log_kind(key) == 0;
                  batch_records += log_kind(key) == 2;
                  return Status();
                }).ok());
  EXPECT_EQ(tasks, batch.size());
  EXPECT_EQ(batch_records, 0u) << "spent: every task has a record of its own";
}

}  // namespace
}  // namespace orion::testing
