// orion-dashboard: wiring only. Options, one start-up line, one DashboardService, run until
// SIGINT/SIGTERM, exit 0.
#include <csignal>
#include <exception>
#include <iostream>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/transport_security.h"
#include "common/service_main.h"
#include "services/dashboard/dashboard_service.h"

int main(int argc, char** argv) {
  cxxopts::Options options("orion-dashboard", "Orion dashboard: the cluster live in a web page");
  orion::dashboard::add_dashboard_options(options);
  auto args = orion::parse_or_exit(options, argc, argv);
  auto config = orion::dashboard::dashboard_config_from(args);
  if (!config) {
    std::cerr << "orion-dashboard: " << config.error().message << "\n";
    return 2;
  }
  if (auto s = orion::init_logging("dashboard", config->log_level, args["log-format"].as<std::string>()); !s) {
    std::cerr << "orion-dashboard: " << s.error().message << "\n";
    return 2;
  }
  // Every socket takes CURVE when keys are given: the dashboard's key is its principal.
  if (auto s = orion::use_client_keys(args["curve-key"].as<std::string>(), args["curve-server-key"].as<std::string>());
      !s) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(s.error().message));
    return 2;
  }

  try {
    orion::SystemClock clock;
    orion::dashboard::DashboardService service(*config, clock);
    if (auto s = service.start(); !s) {
      spdlog::critical("event=fatal error={}", orion::logfmt_value(s.error().message));
      return 1;
    }
    const std::string url = "http://" + config->http_host + ":" + std::to_string(service.http_port()) + "/";
    spdlog::info("event=start {} url={}", config->describe(), url);

    const orion::Json ready{{"http", url}, {"port", service.http_port()}};
    if (int rc = orion::serve_until_stopped(service, config->ready_file, ready.dump())) return rc;
    spdlog::info("event=stop");
  } catch (const std::exception& e) {
    spdlog::critical("event=fatal error={}", orion::logfmt_value(e.what()));
    return 1;
  }
  return 0;
}
