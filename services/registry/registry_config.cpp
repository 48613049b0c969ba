#include "services/registry/registry_config.h"

#include <spdlog/fmt/fmt.h>

#include "common/config.h"

namespace orion::registry {

std::string RegistryConfig::describe() const {
  return fmt::format(
      "bind={} bind_events_pub={} bind_events_sub={} advertise_host={} heartbeat_ms={} liveness={} "
      "replica_expiry_ms={} data_dir={} ready_file={} log_level={}",
      bind, bind_events_pub, bind_events_sub, advertise_host.empty() ? "-" : advertise_host, heartbeat_ms, liveness,
      replica_expiry_ms, data_dir, ready_file.empty() ? "-" : ready_file, log_level);
}

void add_registry_options(cxxopts::Options& options) {
  const RegistryConfig d;
  add_option(options, "bind", "ORION_BIND", d.bind, "ROUTER endpoint for agents and clients");
  add_option(options, "bind-events-pub", "ORION_BIND_EVENTS_PUB", d.bind_events_pub,
             "event bus XSUB endpoint (publishers connect PUB here)");
  add_option(options, "bind-events-sub", "ORION_BIND_EVENTS_SUB", d.bind_events_sub,
             "event bus XPUB endpoint (subscribers connect SUB here)");
  add_option(options, "advertise-host", "ORION_ADVERTISE_HOST", d.advertise_host,
             "host put in the endpoints handed out (default: the bound host)");
  add_option(options, "heartbeat-ms", "ORION_HEARTBEAT_MS", std::to_string(d.heartbeat_ms),
             "agent heartbeat interval in ms");
  add_option(options, "liveness", "ORION_LIVENESS", std::to_string(d.liveness),
             "missed heartbeats before an agent is DOWN");
  add_option(options, "replica-expiry-ms", "ORION_REPLICA_EXPIRY_MS", std::to_string(d.replica_expiry_ms),
             "a scheduler or consensus replica that has not announced itself for this long is forgotten");
  add_metrics_option(options, 7180);
  add_common_options(options, d.data_dir);
}

Result<RegistryConfig> registry_config_from(const cxxopts::ParseResult& args) {
  RegistryConfig c;
  c.bind = args["bind"].as<std::string>();
  c.bind_events_pub = args["bind-events-pub"].as<std::string>();
  c.bind_events_sub = args["bind-events-sub"].as<std::string>();
  c.advertise_host = args["advertise-host"].as<std::string>();
  c.data_dir = args["data-dir"].as<std::string>();
  c.ready_file = args["ready-file"].as<std::string>();
  c.log_level = args["log-level"].as<std::string>();
  // Same bounds as RegisterOk::from_body, so every value we hand out decodes at the agent.
  auto hb = parse_int("heartbeat-ms", args["heartbeat-ms"].as<std::string>(), 1, 3'600'000);
  if (!hb) return hb.error();
  auto lv = parse_int("liveness", args["liveness"].as<std::string>(), 1, 1000);
  if (!lv) return lv.error();
  auto expiry = parse_int("replica-expiry-ms", args["replica-expiry-ms"].as<std::string>(), 100, 3'600'000);
  if (!expiry) return expiry.error();
  c.replica_expiry_ms = *expiry;
  c.heartbeat_ms = *hb;
  c.liveness = *lv;
  auto metrics = parse_metrics_bind(args);
  if (!metrics) return metrics.error();
  c.metrics = *metrics;
  return c;
}

}  // namespace orion::registry
