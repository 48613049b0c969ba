#include "sdk/cpp/worker_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

namespace orion::sdk::detail {
namespace {

// Counts down to zero and lets waiters through; wait_for says whether it got there in time.
class Latch {
 public:
  explicit Latch(int n) : left_(n) {}
  void count_down() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--left_ <= 0) cv_.notify_all();
  }
  bool wait_for(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return left_ <= 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
};

constexpr auto kLimit = std::chrono::seconds(20);  // only reached when a job never starts

TEST(WorkerPool, BlockingJobsSubmittedInABurstAllRunAtOnce) {
  // Each job waits until every job has started: this ends only if each got a thread of its own,
  // although submit() wakes threads one at a time.
  constexpr int kThreads = 8;
  WorkerPool pool(kThreads);
  auto started = std::make_shared<Latch>(kThreads);
  auto finished = std::make_shared<Latch>(kThreads);
  std::atomic<int> all_started{0};
  for (int i = 0; i < kThreads; ++i) {
    pool.submit({TaskKey{"t" + std::to_string(i), 1}, [started, finished, &all_started] {
                   started->count_down();
                   if (started->wait_for(kLimit)) all_started.fetch_add(1);
                   finished->count_down();
                 }});
  }
  ASSERT_TRUE(finished->wait_for(kLimit + kLimit));
  EXPECT_EQ(all_started.load(), kThreads);
  EXPECT_EQ(pool.shutdown(1000), 0);
}

TEST(WorkerPool, ManyInstantJobsAllRunOnce) {
  constexpr int kJobs = 10'000;
  WorkerPool pool(16);
  auto done = std::make_shared<Latch>(kJobs);
  auto runs = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < kJobs; ++i) {
    pool.submit({TaskKey{"t", i}, [done, runs] {
                   runs->fetch_add(1);
                   done->count_down();
                 }});
  }
  ASSERT_TRUE(done->wait_for(kLimit));
  EXPECT_EQ(pool.shutdown(1000), 0);
  EXPECT_EQ(runs->load(), kJobs);
}

TEST(WorkerPool, AJobQueuedBehindABusyThreadStartsOnAnIdleOne) {
  // One thread is held by a long job; a job submitted later must not wait for it.
  WorkerPool pool(2);
  auto release = std::make_shared<Latch>(1);
  auto long_started = std::make_shared<Latch>(1);
  auto short_done = std::make_shared<Latch>(1);
  pool.submit({TaskKey{"long", 1}, [release, long_started] {
                 long_started->count_down();
                 release->wait_for(kLimit);
               }});
  ASSERT_TRUE(long_started->wait_for(kLimit));
  pool.submit({TaskKey{"short", 1}, [short_done] { short_done->count_down(); }});
  EXPECT_TRUE(short_done->wait_for(kLimit));
  release->count_down();
  EXPECT_EQ(pool.shutdown(1000), 0);
}

TEST(WorkerPool, DropQueuedReturnsTheJobsNoThreadStarted) {
  WorkerPool pool(1);
  auto release = std::make_shared<Latch>(1);
  auto started = std::make_shared<Latch>(1);
  pool.submit({TaskKey{"busy", 1}, [release, started] {
                 started->count_down();
                 release->wait_for(kLimit);
               }});
  ASSERT_TRUE(started->wait_for(kLimit));
  pool.submit({TaskKey{"a", 1}, [] {}});
  pool.submit({TaskKey{"b", 2}, [] {}});
  auto dropped = pool.drop_queued();
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0], (TaskKey{"a", 1}));
  EXPECT_EQ(dropped[1], (TaskKey{"b", 2}));
  release->count_down();
  EXPECT_EQ(pool.shutdown(1000), 0);
}

}  // namespace
}  // namespace orion::sdk::detail
