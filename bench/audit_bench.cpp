// The audit log's cost per command: the same load of SUBMITs (8 clients, each submitting one at
// a time, tasks that stay queued: the scheduler's own work and its group commit, no agents) on a
// fresh single scheduler with --audit off, then on, twice over; the best run of each mode counts
// (the noise of a shared machine only slows a run down).
#include "bench/audit_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "bench/echo_tasks.h"
#include "bench/stack.h"

namespace orion::bench {
namespace {

using Clock = std::chrono::steady_clock;

double submits_per_s(bool audit, int total, int round) {
  constexpr int kClients = 8;
  StackConfig config;
  config.scheduler_args = {"--audit", audit ? "on" : "off"};
  Stack stack(std::string("audit-") + (audit ? "on-" : "off-") + std::to_string(round), config);
  std::vector<std::unique_ptr<sdk::Client>> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(std::make_unique<sdk::Client>(stack.client_options()));
    require_ok(clients.back()->submit(echo_task(-1 - c, "bench-none")), "warm-up submit");
  }
  std::atomic<int> next{0};
  std::string failure;
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      for (int i; (i = next++) < total;) {
        auto r = clients[static_cast<std::size_t>(c)]->submit(echo_task(i, "bench-none"));
        if (!r) {
          failure = r.error().to_string();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!failure.empty()) throw std::runtime_error("submit: " + failure);
  return total / s;
}

}  // namespace

void bench_audit(bool quick, Reporter& out) {
  const int total = quick ? 2'000 : 40'000;
  std::cerr << "[orion-bench] audit: " << total << " submits from 8 clients, --audit off then on, twice" << std::endl;
  double off = 0, on = 0;
  for (int round = 1; round <= 2; ++round) {
    off = std::max(off, submits_per_s(false, total, round));
    on = std::max(on, submits_per_s(true, total, round));
    std::cerr << "[orion-bench] audit: round " << round << " best off " << off << "/s, on " << on << "/s" << std::endl;
  }
  out.print({"audit_off_submits_per_s", off, "tasks/s"});
  out.print({"audit_on_submits_per_s", on, "tasks/s"});
  out.print({"audit_cost_ratio", on / off, "ratio"});
  out.print({"audit_us_per_submit", (1.0 / on - 1.0 / off) * 1e6, "us"});
}

}  // namespace orion::bench
