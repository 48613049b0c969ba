// TaskContext (what a handler sees) and run_handler (what a worker thread does with it).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/log.h"
#include "sdk/cpp/agent.h"
#include "sdk/cpp/outbox.h"
#include "sdk/cpp/running_task.h"

namespace orion::sdk {

namespace {
constexpr std::size_t kMaxProgressMessageBytes = 4096;  // TaskProgress.message bound on the wire
}  // namespace

using detail::Outbox;
using detail::RunningTask;

TaskContext::TaskContext(std::shared_ptr<RunningTask> task, std::shared_ptr<Outbox> outbox)
    : task_(std::move(task)), outbox_(std::move(outbox)) {
  if (!task_) throw std::invalid_argument("TaskContext needs a task");
}

const std::string& TaskContext::task_id() const { return task_->task_id; }
std::int64_t TaskContext::attempt() const { return task_->attempt; }
const std::string& TaskContext::type() const { return task_->type; }
const Json& TaskContext::input() const { return task_->input; }
const Json& TaskContext::metadata() const { return task_->metadata; }
const Json& TaskContext::deps() const { return task_->deps; }
std::int64_t TaskContext::timeout_ms() const { return task_->timeout_ms; }
bool TaskContext::cancelled() const { return task_->cancelled.load(); }
bool TaskContext::wait_cancelled(std::int64_t timeout_ms) const { return task_->wait_cancelled(timeout_ms); }

void TaskContext::progress(double percent, const std::string& message) {
  if (!outbox_) return;
  TaskProgress p;
  p.task_id = task_->task_id;
  p.attempt = task_->attempt;
  p.progress = std::isnan(percent) ? 0.0 : std::clamp(percent, 0.0, 100.0);
  p.message = message.substr(0, kMaxProgressMessageBytes);
  outbox_->push(std::move(p));
}

namespace detail {

void RunningTask::cancel() {
  {
    // Under the lock, so a waiter between its check and its wait cannot miss the wake-up.
    std::lock_guard<std::mutex> lock(cancel_mu_);
    cancelled.store(true);
  }
  cancel_cv_.notify_all();
}

bool RunningTask::wait_cancelled(std::int64_t wait_ms) {
  std::unique_lock<std::mutex> lock(cancel_mu_);
  if (wait_ms > 0) {
    cancel_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return cancelled.load(); });
  }
  return cancelled.load();
}

void run_handler(const std::shared_ptr<RunningTask>& task, const std::shared_ptr<Outbox>& outbox,
                 const Handler& handler) {
  TaskResult r;
  r.task_id = task->task_id;
  r.attempt = task->attempt;
  if (task->cancelled.load()) {
    // Cancelled (CANCEL_TASK, or stop()) while it waited for a worker: the handler never runs.
    r.ok = false;
    r.error = "cancelled before it started";
    outbox->push(std::move(r));
    return;
  }
  task->handling.store(true);
  struct Handled {  // cleared however the handler ends
    RunningTask& t;
    ~Handled() { t.handling.store(false); }
  } handled{*task};
  try {
    TaskContext ctx(task, outbox);
    r.output = handler(ctx);
    r.ok = true;
    auto bytes = encode_value(r.output).size();
    if (bytes > kMaxInputBytes) {
      r.ok = false;
      r.output = Json();
      r.error = "output is " + std::to_string(bytes) + " bytes, more than the limit of " +
                std::to_string(kMaxInputBytes);
    }
  } catch (const std::exception& e) {
    r.ok = false;
    r.output = Json();
    r.error = e.what();
  } catch (...) {
    r.ok = false;
    r.output = Json();
    r.error = "handler threw something that is not a std::exception";
  }
  if (r.error.size() > kMaxInputBytes) r.error.resize(kMaxInputBytes);
  if (!r.ok) {
    // The task's id on the agent's side, as the scheduler's task_failed line and the client have it.
    spdlog::info("event=task_failed task={} type={} attempt={} error={}", task->task_id, logfmt_value(task->type), task->attempt,
                 logfmt_value(r.error.substr(0, 512)));
  }
  outbox->push(std::move(r));
}

}  // namespace detail
}  // namespace orion::sdk
