// An agent as a user writes it outside Orion's tree. tests/install builds it against an installed
// prefix (find_package and pkg-config), an unpacked orion-dev package and the source tree
// (add_subdirectory), and runs each against a stack: agent_id registry capability.
#include <orion/agent.h>

#include <string>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  orion::sdk::AgentOptions options;
  options.agent_id = argv[1];
  options.registry = argv[2];
  options.capabilities = {argv[3]};
  orion::sdk::Agent agent(options);
  agent.handle("greet", [](orion::sdk::TaskContext& ctx) {
    return orion::Json{{"greeting", "hello " + ctx.input().at("name").get<std::string>()}};
  });
  return agent.run();
}
