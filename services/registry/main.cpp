// orion-registry: wiring only. Options, one start-up line, one RegistryService, run until
// SIGINT/SIGTERM, exit 0.
#include <csignal>
#include <exception>
#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/fd_limit.h"
#include "common/log.h"
#include "common/service_main.h"
#include "common/service_security.h"
#include "services/registry/registry_service.h"

int main(int argc, char** argv) {
  cxxopts::Options options("orion-registry", "Orion registry: agent directory, service discovery, event bus");
  orion::registry::add_registry_options(options);
  auto args = orion::parse_or_exit(options, argc, argv);
  auto config = orion::registry::registry_config_from(args);
  if (!config) {
    std::cerr << "orion-registry: " << config.error().message << "\n";
    return 2;
  }
  if (auto s = orion::init_logging("registry", config->log_level, args["log-format"].as<std::string>()); !s) {
    std::cerr << "orion-registry: " << s.error().message << "\n";
    return 2;
  }
  if (auto s = orion::setup_service_security(args); !s) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(s.error().message));
    return 2;
  }
  orion::raise_fd_limit();

  try {
    std::filesystem::create_directories(config->data_dir);
    orion::SystemClock clock;
    orion::registry::RegistryService service(*config, clock);
    const auto& ep = service.endpoints();
    spdlog::info("event=start {} registry={} events_pub={} events_sub={}", config->describe(), ep.registry,
                 ep.events_pub, ep.events_sub);

    if (int rc = orion::serve_until_stopped(service, config->ready_file, ep.to_json())) return rc;
    spdlog::info("event=stop send_failures_total={}", service.send_failures());
  } catch (const std::exception& e) {
    spdlog::critical("event=fatal error={}", orion::logfmt_value(e.what()));
    return 1;
  }
  return 0;
}
