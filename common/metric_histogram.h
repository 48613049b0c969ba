// A Prometheus histogram: counts of observations at or under each of a fixed set of upper
// bounds, their sum and their count. One thread observes; any thread may take a snapshot (the
// counters are atomics written by their one writer without a locked instruction, so an
// observation costs a few plain stores). A snapshot taken while an observation lands may count
// it in some fields and not yet in others; each field is only ever behind, never ahead.
//
//   MetricHistogram fsync(MetricHistogram::kLatencySeconds);
//   fsync.observe(0.0042);                 // seconds
//   text.histogram("orion_log_fsync_seconds", {}, fsync.snapshot());
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace orion {

class MetricHistogram {
 public:
  // From 100 us to an hour: request and fsync latencies, queue waits and run times.
  static const std::vector<double> kLatencySeconds;
  // 1 to 65,536 by powers of 2: batch sizes.
  static const std::vector<double> kSizes;

  // `bounds` ascending; the +Inf bucket is implied.
  explicit MetricHistogram(const std::vector<double>& bounds);

  void observe(double v);  // from the one writing thread

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bound, then +Inf; not cumulative
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace orion
