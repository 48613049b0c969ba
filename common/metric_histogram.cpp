#include "common/metric_histogram.h"

#include <algorithm>

namespace orion {

const std::vector<double> MetricHistogram::kLatencySeconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5,    1,       2.5,    5,     10,     30,    60,   300,   900,  3600};
const std::vector<double> MetricHistogram::kSizes = {1,   2,    4,    8,    16,    32,    64,   128,
                                                     256, 512, 1024, 2048, 4096, 8192, 16384, 65536};

MetricHistogram::MetricHistogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

namespace {
// The one writer's increment: a load and a store, no read-modify-write instruction.
template <class T, class V>
void bump(std::atomic<T>& a, V by) {
  a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}
}  // namespace

void MetricHistogram::observe(double v) {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();  // first bound >= v
  bump(counts_[static_cast<std::size_t>(at)], 1u);
  bump(sum_, v);
  bump(count_, 1u);
}

MetricHistogram::Snapshot MetricHistogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;  // the +Inf bucket, so _count always equals it
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace orion
