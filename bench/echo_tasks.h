// No-op `echo` tasks for the benchmarks that run work end to end (the example agent answers
// them at once): their spec, and one window of them submitted and waited for.
//
//   sdk::Client client(stack.client_options());
//   auto ids = submit_echo_batch(client, 0, 500);    // one SUBMIT_BATCH, keys t0..t499
//   wait_completed(client, ids, 120'000);            // one WAIT_TASKS; throws unless all COMPLETED
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/messages.h"
#include "sdk/cpp/client.h"

namespace orion::bench {

// An echo task needing one capability: "echo" for the example agent; a capability no agent has
// (the benchmarks use "bench-none") leaves it PENDING.
TaskSpec echo_task(std::int64_t input, const char* capability = "echo");

// Throws std::runtime_error unless the wait succeeded and the task ended COMPLETED.
void expect_completed(const Result<TaskView>& v, const std::string& id);

// The value, or std::runtime_error naming `what` and the error.
std::string require_ok(const Result<std::string>& r, const char* what);

// n echo tasks (inputs first_input..first_input+n-1) in one SUBMIT_BATCH (a fresh request id
// each call: Client::submit_batch); returns their task ids. Throws std::runtime_error on a refusal.
// limit_keys: each task carries them (protocol.md section 18); ns: the namespace of every task of it (section 19).
std::vector<std::string> submit_echo_batch(sdk::Client& client, std::int64_t first_input, int n,
                                           const std::vector<std::string>& limit_keys = {},
                                           const std::string& ns = "default");

// One WAIT_TASKS (Client::wait_all) for every id; throws std::runtime_error unless all of them
// ended COMPLETED within timeout_ms.
void wait_completed(sdk::Client& client, const std::vector<std::string>& ids, std::int64_t timeout_ms);

}  // namespace orion::bench
