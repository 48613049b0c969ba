// Waiting on a condition with a deadline, for every test (unit and integration): `pred` is
// polled every poll_ms until it holds or timeout_ms pass; the poll interval is the pace of the
// check, never a wait for a race. Returns whether it held.
//
//   ASSERT_TRUE(orion::testing::wait_until([&] { return log.size() == 3; }, 10'000));
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "common/clock.h"

namespace orion::testing {

template <class Pred>
bool wait_until(Pred&& pred, std::int64_t timeout_ms, std::int64_t poll_ms = 5) {
  const auto deadline = steady_now_ms() + timeout_ms;
  while (true) {
    if (pred()) return true;
    if (steady_now_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

}  // namespace orion::testing
