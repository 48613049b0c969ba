// The ten-line agent of sdk/cpp/agent.h, as a user writes it: no signal handlers of its own.
// sdk_defaults_test.cpp checks what SIGTERM and SIGINT do to it.
#include <string>

#include "sdk/cpp/agent.h"

int main(int argc, char** argv) {
  orion::sdk::AgentOptions options;
  options.agent_id = argc > 1 ? argv[1] : "minimal";
  options.registry = argc > 2 ? argv[2] : "tcp://127.0.0.1:7100";
  options.capabilities = {"echo"};
  orion::sdk::Agent agent(options);
  agent.handle("echo", [](orion::sdk::TaskContext& ctx) { return ctx.input(); });
  return agent.run();
}
