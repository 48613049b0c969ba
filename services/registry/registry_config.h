// The registry's configuration and its command-line/environment form.
//
//   cxxopts::Options opts("orion-registry", "...");
//   add_registry_options(opts);
//   auto args = parse_or_exit(opts, argc, argv);
//   Result<RegistryConfig> config = registry_config_from(args);   // INVALID_ARGUMENT names the flag
#pragma once

#include <cstdint>
#include <string>

#include <cxxopts.hpp>

#include "common/metrics_bind.h"
#include "common/status.h"

namespace orion::registry {

struct RegistryConfig {
  std::string bind = "tcp://127.0.0.1:7100";             // ROUTER for agents and clients
  std::string bind_events_pub = "tcp://127.0.0.1:7101";  // XSUB: publishers connect PUB here
  std::string bind_events_sub = "tcp://127.0.0.1:7102";  // XPUB: subscribers connect SUB here
  std::string advertise_host;   // when set, replaces the bound host in endpoints handed out
  std::int64_t heartbeat_ms = 1000;  // agents send HEARTBEAT this often, 1..3'600'000
  std::int64_t liveness = 3;         // missed heartbeats before DOWN, 1..1000
  // A service replica silent this long is forgotten: 3 announce periods of the scheduler
  // (1000 ms) and 6 of consensus (500 ms), so one lost ANNOUNCE never unlists a replica.
  std::int64_t replica_expiry_ms = 3000;  // 100..3'600'000
  std::int64_t poll_ms = 100;        // longest loop turn: bounds stop and liveness latency
  std::string data_dir = "./data/registry";
  std::string ready_file;
  std::string log_level = "info";
  MetricsBind metrics{};  // /metrics and /healthz (--metrics-bind); off unless set

  // One line, key=value, for the start-up log.
  std::string describe() const;
};

// Adds --bind, --bind-events-pub, --bind-events-sub, --advertise-host, --heartbeat-ms,
// --liveness, --replica-expiry-ms and the common options, each defaulting from its ORION_* variable.
void add_registry_options(cxxopts::Options& options);

// Reads and range-checks the parsed options.
Result<RegistryConfig> registry_config_from(const cxxopts::ParseResult& args);

}  // namespace orion::registry
