#include "sdk/cpp/worker_pool.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace orion::sdk::detail {

// Waking a sleeping thread costs a futex call and a context switch, far more than an instant
// handler (an echo). So at most one thread is being woken at a time: submit() wakes one only when
// no wake-up is already on its way, and a thread that takes a job while more are queued wakes the
// next one before running it. A burst of N jobs thus starts in a chain, each thread one wake-up
// after the previous (parallel handlers still all run at once), while instant jobs are mostly
// taken by the threads already awake instead of waking all N.
struct WorkerPool::State {
  std::mutex mu;
  std::condition_variable work;    // a job for a woken thread, or closing
  std::condition_variable exited;  // a thread returned (shutdown waits on it)
  std::deque<Job> jobs;            // not yet started
  bool closing = false;            // set once; threads exit when they see it
  int alive = 0;                   // threads that have not returned yet
  int idle = 0;                    // threads blocked in work.wait
  int waking = 0;                  // wake-ups sent and not yet consumed. Invariant: 0 or 1 (<= idle)

  // Under mu: wakes one idle thread when jobs wait and no wake-up is on its way.
  void wake_one_if_needed() {
    if (jobs.empty() || idle == 0 || waking > 0) return;
    ++waking;
    work.notify_one();
  }
};

WorkerPool::WorkerPool(int threads) : state_(std::make_shared<State>()) {
  int n = std::max(1, threads);
  state_->alive = n;
  threads_.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([state = state_] {
      std::unique_lock<std::mutex> lock(state->mu);
      while (true) {
        while (!state->closing && state->jobs.empty()) {
          ++state->idle;
          state->work.wait(lock);
          --state->idle;
          if (state->waking > 0) --state->waking;  // this thread is the one woken (or as good)
        }
        if (state->closing) break;
        Job job = std::move(state->jobs.front());
        state->jobs.pop_front();
        state->wake_one_if_needed();  // the next job gets a thread of its own while this one runs
        lock.unlock();
        job.run();
        job.run = nullptr;  // release what the job captured before taking the lock again
        lock.lock();
      }
      --state->alive;
      state->exited.notify_all();
    });
  }
}

WorkerPool::~WorkerPool() { shutdown(200); }  // idle threads leave at once; 200 ms for a busy one

void WorkerPool::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->jobs.push_back(std::move(job));
    state_->wake_one_if_needed();
  }
}

std::vector<TaskKey> WorkerPool::drop_queued() {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<TaskKey> keys;
  for (const auto& job : state_->jobs) keys.push_back(job.key);
  state_->jobs.clear();
  return keys;
}

int WorkerPool::shutdown(std::int64_t grace_ms) {
  if (threads_.empty()) return 0;
  int left = 0;
  {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->closing = true;
    state_->jobs.clear();
    state_->work.notify_all();
    state_->exited.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(0, grace_ms)),
                            [&] { return state_->alive == 0; });
    left = state_->alive;
  }
  for (auto& t : threads_) {
    if (left == 0) t.join();
    else t.detach();  // which ones are stuck is not known; all of them share the state safely
  }
  threads_.clear();
  return left;
}

}  // namespace orion::sdk::detail
