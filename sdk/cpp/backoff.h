// Exponential backoff for reconnects and retries (the zguide's Lazy and Paranoid Pirate).
//
//   Backoff b(100, 5000);
//   b.next_ms();   // 100: wait this long before giving up on the first try
//   b.next_ms();   // 200, then 400, 800, 1600, 3200, 5000, 5000, ...
//   b.reset();     // after a success: the next wait is 100 again
//
// Pure arithmetic, no clock: the caller adds the delay to Clock::now_ms(). No jitter, so tests
// can state the exact sequence.
#pragma once

#include <algorithm>
#include <cstdint>

namespace orion::sdk {

class Backoff {
 public:
  // initial_ms is clamped to >= 1 and max_ms to >= initial_ms, so a bad option cannot make a
  // retry loop spin with a zero delay.
  Backoff(std::int64_t initial_ms, std::int64_t max_ms)
      : initial_ms_(std::max<std::int64_t>(1, initial_ms)),
        max_ms_(std::max(initial_ms_, max_ms)),
        next_ms_(initial_ms_) {}

  // The delay to use now; the following call returns twice as much, up to max_ms.
  std::int64_t next_ms() {
    std::int64_t now = next_ms_;
    next_ms_ = next_ms_ > max_ms_ / 2 ? max_ms_ : next_ms_ * 2;  // no overflow near INT64_MAX
    return now;
  }

  // What next_ms() would return, without advancing.
  std::int64_t peek_ms() const { return next_ms_; }

  void reset() { next_ms_ = initial_ms_; }

  std::int64_t initial_ms() const { return initial_ms_; }
  std::int64_t max_ms() const { return max_ms_; }

 private:
  std::int64_t initial_ms_;  // >= 1
  std::int64_t max_ms_;      // >= initial_ms_
  std::int64_t next_ms_;     // in [initial_ms_, max_ms_]
};

}  // namespace orion::sdk
