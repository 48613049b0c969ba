// orion-dashboard's settings: flags, each with an ORION_* environment variable (common/config.h).
//
//   cxxopts::Options options("orion-dashboard", "...");
//   add_dashboard_options(options);
//   auto config = dashboard_config_from(parse_or_exit(options, argc, argv));   // Result<DashboardConfig>
#pragma once

#include <cstdint>
#include <string>

#include <cxxopts.hpp>

#include "common/status.h"

namespace orion::dashboard {

struct DashboardConfig {
  std::string registry = "tcp://127.0.0.1:7100";  // one or a comma-separated list
  std::string http_host = "127.0.0.1";            // --http-bind HOST:PORT
  int http_port = 7400;                           // 0: one the OS picks (read it from the ready file)
  std::string action_token{};                     // from --action-token FILE; "" = none
  std::int64_t refresh_ms = 1000;                 // between two rounds of queries
  std::string log_level = "info";
  std::string ready_file{};

  std::string describe() const;  // for the start-up line (no token)
};

void add_dashboard_options(cxxopts::Options& options);
// INVALID_ARGUMENT naming the flag: a bad --http-bind, --refresh or registry list, or a token
// file that cannot be read or holds fewer than 16 characters.
Result<DashboardConfig> dashboard_config_from(const cxxopts::ParseResult& args);

}  // namespace orion::dashboard
