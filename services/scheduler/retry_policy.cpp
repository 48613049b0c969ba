#include "services/scheduler/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace orion::scheduler {

namespace {
// splitmix64: a well-mixed 64-bit hash, so neighbouring (seq, retry) pairs get unrelated jitter.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::int64_t retry_delay_ms(const RetryPolicy& p, std::uint64_t seq, std::int64_t retry) {
  double base = static_cast<double>(p.initial_ms);
  if (p.kind == BackoffKind::EXPONENTIAL && retry > 1) {
    base *= std::pow(p.multiplier, static_cast<double>(retry - 1));
  }
  base = std::min(base, static_cast<double>(std::max(p.max_ms, p.initial_ms)));
  if (p.jitter > 0) {
    double u = static_cast<double>(mix(seq * 1'000'003ULL + static_cast<std::uint64_t>(retry)) >> 11) / 9007199254740992.0;
    base *= 1.0 - p.jitter * u;  // u in [0, 1): shortened by up to `jitter`
  }
  return static_cast<std::int64_t>(base);
}

}  // namespace orion::scheduler
