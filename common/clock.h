// Time, injectable. Every timeout, lease and backoff in Orion reads a Clock, so tests drive
// time by hand in milliseconds instead of sleeping.
//
//   ManualClock clock(1000);
//   Scheduler s(clock, ...);
//   clock.advance(30'000);   // 30 simulated seconds, no wait
#pragma once

#include <cstdint>

namespace orion {

// The monotonic clock in milliseconds: what SystemClock::now_ms() reads. For code outside the
// service cores (clients, tests), whose waits are real ones.
std::int64_t steady_now_ms();

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds: for durations, deadlines and leases. Never goes back.
  virtual std::int64_t now_ms() const = 0;
  // Wall-clock milliseconds since the Unix epoch: for timestamps shown to people.
  virtual std::int64_t wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override;
  std::int64_t wall_ms() const override;
};

// A clock that moves only when told to. wall_ms() = wall_base_ms + now_ms().
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0, std::int64_t wall_base_ms = 1'700'000'000'000)
      : now_ms_(start_ms), wall_base_ms_(wall_base_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }
  std::int64_t wall_ms() const override { return wall_base_ms_ + now_ms_; }
  void advance(std::int64_t ms) { now_ms_ += ms; }

 private:
  std::int64_t now_ms_;
  std::int64_t wall_base_ms_;
};

}  // namespace orion
