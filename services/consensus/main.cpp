// orion-consensus: wiring only. Options, one start-up line, one ConsensusService, run until
// SIGINT/SIGTERM, exit 0.
#include <csignal>
#include <exception>
#include <iostream>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/fd_limit.h"
#include "common/huge_page_heap.h"
#include "common/log.h"
#include "common/service_main.h"
#include "common/service_security.h"
#include "services/consensus/consensus_service.h"

int main(int argc, char** argv) {
  orion::restart_with_huge_page_heap(argv);  // first: before any thread or socket
  cxxopts::Options options("orion-consensus", "Orion consensus: proposals, signed votes, leases; one replica or Raft");
  orion::consensus::add_consensus_options(options);
  auto args = orion::parse_or_exit(options, argc, argv);
  auto config = orion::consensus::consensus_config_from(args);
  if (!config) {
    std::cerr << "orion-consensus: " << config.error().message << "\n";
    return 2;
  }
  if (auto s = orion::init_logging("consensus", config->log_level, args["log-format"].as<std::string>()); !s) {
    std::cerr << "orion-consensus: " << s.error().message << "\n";
    return 2;
  }
  if (auto s = orion::setup_service_security(args); !s) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(s.error().message));
    return 2;
  }
  orion::raise_fd_limit();
  spdlog::info("event=start {}", config->describe());
  orion::log_heap_tunables();

  try {
    orion::SystemClock clock;
    orion::consensus::ConsensusService service(*config, clock);
    if (auto s = service.start(); !s) {
      spdlog::critical("event=start_failed error={}", orion::logfmt_value(s.error().to_string()));
      return 1;
    }
    if (int rc = orion::serve_until_stopped(service, config->ready_file, service.ready_json())) return rc;
    spdlog::info("event=stop send_failures_total={}", service.send_failures());
  } catch (const std::exception& e) {
    spdlog::critical("event=fatal error={}", orion::logfmt_value(e.what()));
    return 1;
  }
  return 0;
}
