#include "common/group_commit.h"

#include <chrono>

#include <sys/eventfd.h>
#include <unistd.h>

namespace orion {

GroupCommit::GroupCommit(std::unique_ptr<LogStore> log)
    : log_(std::move(log)), event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), writer_([this] { run(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
  if (event_fd_ >= 0) ::close(event_fd_);
}

std::uint64_t GroupCommit::submit(LogBatch batch) {
  std::uint64_t n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++submitted_;
    queue_.emplace_back(n, std::move(batch));
  }
  cv_.notify_all();
  return n;
}

Error GroupCommit::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

void GroupCommit::drain_wakeups() {
  std::uint64_t v;
  while (::read(event_fd_, &v, sizeof v) == sizeof v) {
  }
}

void GroupCommit::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  auto target = submitted_;
  cv_.wait(lock, [&] { return committed_.load() >= target || failed_.load(); });
}

void GroupCommit::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    // Take everything queued: one transaction for all of it.
    LogBatch merged;
    std::uint64_t last = 0;
    std::size_t batches = 0;
    while (!queue_.empty()) {
      merged.merge(std::move(queue_.front().second));
      last = queue_.front().first;
      queue_.pop_front();
      ++batches;
    }
    lock.unlock();
    if (batches > 1) merged.compact();  // one turn's batch has each key once already
    const auto started = std::chrono::steady_clock::now();
    Status s = merged.empty() ? Status() : log_->append(merged);
    if (!merged.empty()) {
      ++fsyncs_;
      commit_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      commit_batches_.observe(static_cast<double>(batches));
    }
    lock.lock();
    if (!s) {
      failure_ = s.error();
      failed_.store(true, std::memory_order_release);
    } else {
      committed_.store(last, std::memory_order_release);
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto w = ::write(event_fd_, &one, sizeof one);
    cv_.notify_all();
    if (failed_) {
      // Stop taking work: nothing after a failed batch may be reported durable.
      cv_.wait(lock, [&] { return stopping_; });
      return;
    }
    // The loop already has its answer; upkeep (a checkpoint) delays only later batches.
    lock.unlock();
    log_->maintain();
    lock.lock();
  }
}

}  // namespace orion
