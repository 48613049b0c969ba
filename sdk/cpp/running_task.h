// One assignment as the agent holds it while its handler runs. Shared (by shared_ptr) between
// the networking thread, which sets `cancelled`, and the worker thread, which reads the rest.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/codec.h"
#include "sdk/cpp/agent.h"

namespace orion::sdk::detail {

class Outbox;

// (task_id, attempt): an assignment's identity. A result or a cancel names both.
using TaskKey = std::pair<std::string, std::int64_t>;

struct RunningTask {
  // Set before the task is handed to a worker, never changed after: readable from any thread.
  std::string task_id;
  std::int64_t attempt = 0;  // >= 1
  std::string type;
  Json input;
  Json metadata = Json::object();
  Json deps = Json::object();   // dependency task id -> its output (Assign.deps)
  std::int64_t timeout_ms = 0;  // 0 = none; the scheduler enforces it, the handler may read it

  // False until CANCEL_TASK for this exact attempt arrives or the agent stops (cancel()); never
  // goes back. Read it with cancelled.load() or block on it with wait_cancelled().
  std::atomic<bool> cancelled{false};
  // True while a worker thread runs its handler (the agent's heartbeat counts them).
  std::atomic<bool> handling{false};

  // Sets `cancelled` and wakes every wait_cancelled(). Any thread.
  void cancel();
  // Blocks until cancelled or `wait_ms` passed (<= 0: does not block); returns cancelled.
  bool wait_cancelled(std::int64_t wait_ms);

  // Networking thread only: TASK_PROGRESS "started" went out (or is no longer needed).
  bool started_sent = false;

  TaskKey key() const { return {task_id, attempt}; }

 private:
  std::mutex cancel_mu_;
  std::condition_variable cancel_cv_;
};

// Runs `handler` for `task` on the calling (worker) thread and pushes its TaskResult to
// `outbox`: the return value as output, or ok=false with what() of an exception, or with a
// size error when the output is over kMaxInputBytes. Touches nothing else, so it is safe to
// outlive the Agent.
void run_handler(const std::shared_ptr<RunningTask>& task, const std::shared_ptr<Outbox>& outbox,
                 const Handler& handler);

}  // namespace orion::sdk::detail
