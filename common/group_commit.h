// Group commit on a writer thread. The service's loop hands each turn's LogBatch to submit()
// and goes on serving; the writer appends whatever has queued up meanwhile as ONE batch (one
// transaction, one fsync), then publishes how far it got. The loop polls fd() and sends the
// replies it held for every batch up to committed().
//
//   GroupCommit gc(std::move(log));
//   auto n = gc.submit(std::move(batch));     // batch number, 1, 2, 3, ...
//   ... poll gc.fd() with the sockets ...
//   gc.drain_wakeups();
//   if (gc.committed() >= n) send_held_replies();
//   if (gc.failed()) abort();                 // memory is ahead of disk: stop
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "common/log_store.h"
#include "common/metric_histogram.h"

namespace orion {

class GroupCommit {
 public:
  explicit GroupCommit(std::unique_ptr<LogStore> log);
  ~GroupCommit();  // commits what is queued, then stops the writer

  // Queues a batch; returns its number. An empty batch is numbered too (and costs no fsync).
  std::uint64_t submit(LogBatch batch);
  std::uint64_t committed() const { return committed_.load(std::memory_order_acquire); }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  Error failure() const;
  // Readable when committed() moved; drain_wakeups() makes it unreadable again.
  int fd() const { return event_fd_; }
  void drain_wakeups();
  // Blocks until everything submitted so far is committed (or failed).
  void flush();
  std::uint64_t fsyncs() const { return fsyncs_.load(); }
  // Per commit (transaction and fsync), observed by the writer, read from any thread: how long
  // it took (seconds) and how many submitted batches it merged.
  const MetricHistogram& commit_seconds() const { return commit_seconds_; }
  const MetricHistogram& commit_batches() const { return commit_batches_; }

 private:
  void run();

  std::unique_ptr<LogStore> log_;
  int event_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::uint64_t, LogBatch>> queue_;
  std::uint64_t submitted_ = 0;
  bool stopping_ = false;
  Error failure_;
  std::atomic<std::uint64_t> committed_{0};
  std::atomic<std::uint64_t> fsyncs_{0};
  std::atomic<bool> failed_{false};
  MetricHistogram commit_seconds_{MetricHistogram::kLatencySeconds};
  MetricHistogram commit_batches_{MetricHistogram::kSizes};
  std::thread writer_;
};

}  // namespace orion
