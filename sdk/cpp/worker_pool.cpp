#include "sdk/cpp/worker_pool.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace orion::sdk::detail {

struct WorkerPool::State {
  std::mutex mu;
  std::condition_variable cv;  // signalled on submit, on closing and when a thread exits
  std::deque<Job> jobs;        // not yet started
  bool closing = false;        // set once; threads exit when they see it
  int alive = 0;               // threads that have not returned yet
};

WorkerPool::WorkerPool(int threads) : state_(std::make_shared<State>()) {
  int n = std::max(1, threads);
  state_->alive = n;
  threads_.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([state = state_] {
      std::unique_lock<std::mutex> lock(state->mu);
      while (true) {
        state->cv.wait(lock, [&] { return state->closing || !state->jobs.empty(); });
        if (state->closing) break;
        Job job = std::move(state->jobs.front());
        state->jobs.pop_front();
        lock.unlock();
        job.run();
        job.run = nullptr;  // release what the job captured before taking the lock again
        lock.lock();
      }
      --state->alive;
      state->cv.notify_all();
    });
  }
}

WorkerPool::~WorkerPool() { shutdown(200); }  // idle threads leave at once; 200 ms for a busy one

void WorkerPool::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->jobs.push_back(std::move(job));
  }
  state_->cv.notify_one();
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
    state_->cv.notify_all();
    state_->cv.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(0, grace_ms)),
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
