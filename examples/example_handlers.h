// The task types every demo and test relies on, as plain handlers.
//
//   Agent agent(options);
//   orion::examples::add_example_handlers(agent);   // echo, merge, sleep, fail, flaky
//   agent.run();
//
//   echo   output = input
//   merge  output = {"input": input, "from": {dependency task id: its output, ...}}: the
//          outputs of its dependencies flow on
//   sleep  input {"ms": N}: sleeps N ms in slices of <= 50 ms, reporting progress; output
//          {"slept_ms": N}; fails with "cancelled" as soon as it sees the cancel token
//   fail   fails with input["message"] (default "failed on purpose")
//   flaky  fails attempts 1..input["failures"] with "flaky failure <attempt>", then echoes
//
// And a vote handler: `default_yes` on every proposal, unless the proposal's data is
// {"votes": {"<agent_id>": "yes" | "no", ...}}, which then decides this agent's vote.
//   agent.on_vote(orion::examples::example_vote_handler(options.agent_id, /*default_yes=*/true));
#pragma once

#include <string>

#include "sdk/cpp/agent.h"

namespace orion::examples {

Json echo_handler(sdk::TaskContext& ctx);
Json merge_handler(sdk::TaskContext& ctx);
Json sleep_handler(sdk::TaskContext& ctx);
Json fail_handler(sdk::TaskContext& ctx);
Json flaky_handler(sdk::TaskContext& ctx);

sdk::VoteHandler example_vote_handler(const std::string& agent_id, bool default_yes);

void add_example_handlers(sdk::Agent& agent);

}  // namespace orion::examples
