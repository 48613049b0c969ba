#include "examples/example_handlers.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace orion::examples {

namespace {
constexpr std::int64_t kSleepSliceMs = 50;  // how often `sleep` reports its progress
}  // namespace

Json echo_handler(sdk::TaskContext& ctx) { return ctx.input(); }

Json merge_handler(sdk::TaskContext& ctx) { return {{"input", ctx.input()}, {"from", ctx.deps()}}; }

Json sleep_handler(sdk::TaskContext& ctx) {
  const Json& in = ctx.input();
  if (!in.is_object() || !in.contains("ms") || !in["ms"].is_number_integer() || in["ms"].get<std::int64_t>() < 0) {
    throw std::invalid_argument("input.ms must be a non-negative integer");
  }
  const auto total_ms = in["ms"].get<std::int64_t>();
  int reported = -1;  // last whole percent sent, so progress is not repeated
  for (std::int64_t slept_ms = 0; slept_ms < total_ms;) {
    auto slice_ms = std::min(kSleepSliceMs, total_ms - slept_ms);
    if (ctx.wait_cancelled(slice_ms)) throw std::runtime_error("cancelled");  // a cancel ends it at once
    slept_ms += slice_ms;
    int percent = static_cast<int>(slept_ms * 100 / total_ms);
    if (percent != reported) {
      ctx.progress(percent, "slept " + std::to_string(slept_ms) + " of " + std::to_string(total_ms) + " ms");
      reported = percent;
    }
  }
  return {{"slept_ms", total_ms}};
}

Json fail_handler(sdk::TaskContext& ctx) {
  const Json& in = ctx.input();
  if (in.is_object() && in.contains("message") && in["message"].is_string()) {
    throw std::runtime_error(in["message"].get<std::string>());
  }
  throw std::runtime_error("failed on purpose");
}

Json flaky_handler(sdk::TaskContext& ctx) {
  const Json& in = ctx.input();
  std::int64_t failures = 0;
  if (in.is_object() && in.contains("failures") && in["failures"].is_number_integer()) {
    failures = in["failures"].get<std::int64_t>();
  }
  if (ctx.attempt() <= failures) throw std::runtime_error("flaky failure " + std::to_string(ctx.attempt()));
  return in;
}

sdk::VoteHandler example_vote_handler(const std::string& agent_id, bool default_yes) {
  return [agent_id, default_yes](const ProposalView& p) {
    if (p.data.is_object() && p.data.contains("votes") && p.data["votes"].is_object()) {
      const Json& votes = p.data["votes"];
      if (votes.contains(agent_id) && votes[agent_id].is_string()) {
        const std::string& v = votes[agent_id].get_ref<const std::string&>();
        if (v == "yes") return true;
        if (v == "no") return false;
      }
    }
    return default_yes;
  };
}

void add_example_handlers(sdk::Agent& agent) {
  agent.handle("echo", echo_handler);
  agent.handle("merge", merge_handler);
  agent.handle("sleep", sleep_handler);
  agent.handle("fail", fail_handler);
  agent.handle("flaky", flaky_handler);
}

}  // namespace orion::examples
