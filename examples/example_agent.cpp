// orion-example-agent: an agent that runs the example task types (echo, merge, sleep, fail, flaky).
//
//   orion-example-agent --id a1 --cap echo --cap sleep --capacity 4 --registry tcp://127.0.0.1:7100
//
// It also votes on the proposals that name it (--vote yes|no, default yes; a proposal's data
// {"votes": {"<agent id>": "yes"|"no"}} overrides it), with the Ed25519 key --secret-key (128
// hex digits, or a 64-digit seed) or the key file --vote-key (orionctl keygen --vote FILE; with
// a policy, its public key is the one the policy's vote_keys hold for this agent), else a new one
// whose public key it logs and registers.
//
// Every flag has an environment default: ORION_AGENT_ID, ORION_CAPS (comma-separated),
// ORION_CAPACITY, ORION_WEIGHT, ORION_REGISTRY, ORION_VOTE, ORION_SECRET_KEY, ORION_VOTE_KEY, ORION_LOG_LEVEL,
// ORION_CURVE_KEY, ORION_CURVE_SERVER_KEY (a cluster with keys: its own pair, the services' public key).
// SIGINT/SIGTERM stop it cleanly.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/config.h"
#include "common/log.h"
#include "common/transport_security.h"
#include "common/vote_signature.h"
#include "examples/example_handlers.h"
#include "sdk/cpp/agent.h"

namespace {

orion::sdk::Agent* g_agent = nullptr;  // set before the signal handlers are installed

volatile std::sig_atomic_t g_terms = 0;

// Both are async-signal-safe: an atomic store and a write(2).
// SIGTERM drains: no new work, running tasks finish, then it leaves; a second SIGTERM stops.
extern "C" void on_sigterm(int) {
  if (!g_agent) return;
  if (g_terms++ == 0) g_agent->drain();
  else g_agent->stop();
}
// SIGINT stops at once: running handlers are cancelled.
extern "C" void on_sigint(int) {
  if (g_agent) g_agent->stop();
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string default_agent_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "example-agent";
  return std::string("example-") + host;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options opts("orion-example-agent", "An Orion agent running the example task types");
  orion::add_option(opts, "id", "ORION_AGENT_ID", default_agent_id(), "agent id, unique in the cluster");
  opts.add_options()("cap", "a capability (repeatable; default from ORION_CAPS, comma-separated)",
                     cxxopts::value<std::vector<std::string>>());
  orion::add_option(opts, "capacity", "ORION_CAPACITY", "1", "concurrent tasks");
  orion::add_option(opts, "weight", "ORION_WEIGHT", "1.0", "vote weight");
  orion::add_option(opts, "registry", "ORION_REGISTRY", "tcp://127.0.0.1:7100", "registry endpoint");
  orion::add_option(opts, "vote", "ORION_VOTE", "yes", "answer to every proposal naming this agent: yes or no");
  orion::add_option(opts, "secret-key", "ORION_SECRET_KEY", "", "Ed25519 vote key in hex (default: a new one)");
  orion::add_option(opts, "vote-key", "ORION_VOTE_KEY", "",
                    "Ed25519 vote key file (orionctl keygen --vote FILE), instead of --secret-key");
  orion::add_option(opts, "log-level", "ORION_LOG_LEVEL", "info", "trace, debug, info, warn, error");
  orion::add_option(opts, "log-format", "ORION_LOG_FORMAT", "logfmt", "logfmt (key=value) or json (one object per line)");
  orion::add_option(opts, "curve-key", "ORION_CURVE_KEY", "", "CURVE key pair file, for a cluster with keys");
  orion::add_option(opts, "curve-server-key", "ORION_CURVE_SERVER_KEY", "", "public key file the services present");
  opts.add_options()("h,help", "show this help")("version", "print the version and exit");
  auto args = orion::parse_or_exit(opts, argc, argv);
  if (auto s = orion::init_logging("agent", args["log-level"].as<std::string>(), args["log-format"].as<std::string>()); !s) {
    std::cerr << "orion-example-agent: " << s.error().message << "\n";
    return 2;
  }
  // Every socket the agent makes takes CURVE when keys are given (before the agent is made).
  if (auto s = orion::use_client_keys(args["curve-key"].as<std::string>(), args["curve-server-key"].as<std::string>());
      !s) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(s.error().message));
    return 2;
  }

  if (auto r = orion::parse_endpoint_list("registry", args["registry"].as<std::string>()); !r) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(r.error().message));
    return 2;
  }
  orion::sdk::AgentOptions options;
  options.agent_id = args["id"].as<std::string>();
  options.registry = args["registry"].as<std::string>();
  options.capabilities = args.count("cap") ? args["cap"].as<std::vector<std::string>>()
                                           : split_commas(orion::env_or("ORION_CAPS", ""));
  try {
    options.capacity = std::stoi(args["capacity"].as<std::string>());
    options.weight = std::stod(args["weight"].as<std::string>());
  } catch (const std::exception&) {
    std::cerr << "orion-example-agent: --capacity must be an integer and --weight a number\n";
    return 2;
  }
  const std::string vote = args["vote"].as<std::string>();
  if (vote != "yes" && vote != "no") {
    std::cerr << "orion-example-agent: --vote must be yes or no\n";
    return 2;
  }
  options.secret_key_hex = args["secret-key"].as<std::string>();
  if (const std::string file = args["vote-key"].as<std::string>(); !file.empty()) {
    auto keys = orion::consensus::read_vote_key(file);
    if (!keys) {
      std::cerr << "orion-example-agent: --vote-key: " << keys.error().message << "\n";
      return 2;
    }
    options.secret_key_hex = orion::consensus::to_hex(keys->secret_key);
  }
  spdlog::info("event=config agent={} registry={} capacity={} weight={} capabilities={} vote={}", options.agent_id,
               options.registry, options.capacity, options.weight, orion::Json(options.capabilities).dump(), vote);

  try {
    orion::sdk::Agent agent(options);
    orion::examples::add_example_handlers(agent);
    agent.on_vote(orion::examples::example_vote_handler(options.agent_id, vote == "yes"));
    g_agent = &agent;
    std::signal(SIGINT, on_sigint);
    std::signal(SIGTERM, on_sigterm);
    int rc = agent.run();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_agent = nullptr;
    return rc;
  } catch (const std::exception& e) {
    spdlog::critical("event=agent_failed error={}", e.what());
    return 1;
  }
}
