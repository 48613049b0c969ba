#include "services/scheduler/duration_histogram.h"

#include <algorithm>
#include <cmath>

namespace orion::scheduler {

std::uint16_t DurationHistogram::bin_of(double ms) {
  if (!(ms >= 1)) return 0;  // 0, negatives (and NaN)
  double b = 1 + std::floor(std::log(ms) / std::log(kGrowth));
  // Rounding at a bin's edge: make sure the bin's range really holds ms.
  auto i = static_cast<std::int64_t>(std::min<double>(b, kBins - 1));
  while (i > 1 && std::pow(kGrowth, static_cast<double>(i - 1)) > ms) --i;
  while (i < kBins - 1 && std::pow(kGrowth, static_cast<double>(i)) <= ms) ++i;
  return static_cast<std::uint16_t>(i);
}

double DurationHistogram::value_of(std::uint16_t b) {
  if (b == 0) return 0;
  double lo = std::pow(kGrowth, b - 1), hi = std::pow(kGrowth, b);
  double first = std::ceil(lo);
  if (first < hi && first + 1 >= hi) return first;  // durations are whole ms: the one it holds
  return std::sqrt(lo * hi);
}

void DurationHistogram::remove(std::uint16_t b) {
  auto it = counts_.find(b);
  if (it == counts_.end()) return;
  --n_;
  if (--it->second == 0) counts_.erase(it);
}

double DurationHistogram::percentile(double q) const {
  if (n_ == 0) return 0;
  auto rank = static_cast<std::int64_t>(std::ceil(q * static_cast<double>(n_)));
  rank = std::min(n_, std::max<std::int64_t>(rank, 1));
  std::int64_t seen = 0;
  for (const auto& [b, c] : counts_) {
    seen += c;
    if (seen >= rank) return value_of(b);
  }
  return value_of(counts_.rbegin()->first);
}

}  // namespace orion::scheduler
