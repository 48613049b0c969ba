// A histogram of durations (ms) on a fixed log scale, for percentiles kept as values come and go
// (SCHEDULER_STATS wait and run times, live_stats.h). Bin 0 holds 0 ms; bin b >= 1 holds
// [kGrowth^(b-1), kGrowth^b) ms, up to kBins - 1 (about 139 years; longer durations land in the
// last bin). A percentile is read as its bin's representative value: the one integer the bin
// holds when it holds one, else the bin's geometric middle, so it is within kRelativeError
// (1%) of the exact nearest-rank percentile of the values added (and not removed).
//
//   DurationHistogram h;
//   auto b = DurationHistogram::bin_of(250);   // remember b to remove the value later
//   h.add(b);
//   h.percentile(0.95);                        // 250 +- 1%
//   h.remove(b);
//
// Memory: one map entry per non-empty bin, at most kBins, whatever the number of values.
#pragma once

#include <cstdint>
#include <map>

namespace orion::scheduler {

class DurationHistogram {
 public:
  static constexpr double kGrowth = 1.02;
  static constexpr double kRelativeError = 0.01;
  static constexpr std::uint16_t kBins = 1472;

  // The bin of a duration in ms (negative counts as 0).
  static std::uint16_t bin_of(double ms);
  // What a value of bin `b` reads as.
  static double value_of(std::uint16_t b);

  void add(std::uint16_t b) { ++counts_[b], ++n_; }
  void remove(std::uint16_t b);
  std::int64_t size() const { return n_; }
  // The nearest-rank percentile (0 < q <= 1), read as its bin's value; 0 when empty.
  double percentile(double q) const;

 private:
  std::map<std::uint16_t, std::int64_t> counts_;  // non-empty bins only
  std::int64_t n_ = 0;
};

}  // namespace orion::scheduler
