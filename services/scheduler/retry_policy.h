// The delay before a failed task's next attempt, from its RetryPolicy (see messages.h).
//
//   retry_delay_ms(policy, /*seq=*/42, /*retry=*/1)   // first retry of task t42
//
// Jitter is a deterministic fraction drawn from (seq, retry): the same task and retry always
// wait the same time, so tests check delays exactly and a replay reproduces them.
#pragma once

#include <cstdint>

#include "common/messages.h"

namespace orion::scheduler {

std::int64_t retry_delay_ms(const RetryPolicy& policy, std::uint64_t seq, std::int64_t retry);

}  // namespace orion::scheduler
