// A fixed set of threads that run queued jobs: the agent's `capacity` handlers, off the
// networking thread.
//
//   WorkerPool pool(4);
//   pool.submit({key, [task, outbox, handler] { ... outbox->push(result); }});
//   auto never_started = pool.drop_queued();   // at stop: jobs no thread has picked up
//   int stuck = pool.shutdown(200);            // joins; detaches threads still busy after 200 ms
//
// The threads share their state through a shared_ptr, so a handler that ignores its cancel
// token cannot hang the process at shutdown: its thread is detached and keeps that state alive.
// For the same reason a job MUST capture everything it uses by value or by shared_ptr.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "sdk/cpp/running_task.h"

namespace orion::sdk::detail {

struct Job {
  TaskKey key;
  std::function<void()> run;
};

class WorkerPool {
 public:
  explicit WorkerPool(int threads);  // threads is clamped to >= 1
  ~WorkerPool();                     // shutdown(200) unless already shut down
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Thread-safe. Jobs start in submission order as threads become free.
  void submit(Job job);
  // Removes the jobs no thread has started and returns their keys.
  std::vector<TaskKey> drop_queued();
  // Lets the threads finish their current job (queued ones are dropped), waits up to grace_ms
  // of real time, joins the threads that ended and detaches the rest. Returns how many threads
  // were left running. Idempotent.
  int shutdown(std::int64_t grace_ms);

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

}  // namespace orion::sdk::detail
