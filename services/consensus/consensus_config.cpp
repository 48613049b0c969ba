#include "services/consensus/consensus_config.h"

#include <spdlog/fmt/fmt.h>

#include "common/config.h"
#include "common/raft_log.h"

namespace orion::consensus {


std::string ConsensusConfig::describe() const {
  return fmt::format(
      "cluster_id={} bind_client={} registries={} advertise_host={} data_dir={} ready_file={} verify_threads={} "
      "retention_ms={} audit={} audit_keep={} event_history={} event_history_age_ms={} {}",
      cluster_id, bind_client, join_endpoints(registries), advertise_host.empty() ? "-" : advertise_host, data_dir,
      ready_file.empty() ? "-" : ready_file, verify_threads, retention_ms, audit ? "on" : "off", audit_keep,
      event_history.keep, event_history.max_age_ms, RaftConfig::describe());
}

void add_consensus_options(cxxopts::Options& options) {
  const ConsensusConfig d;
  add_option(options, "bind-client", "ORION_CONSENSUS_BIND_CLIENT", d.bind_client, "client API (ROUTER)");
  add_option(options, "registry", "ORION_REGISTRY", join_endpoints(d.registries),
             "registries to announce to, comma separated (tcp://a:7100,tcp://b:7100)");
  add_option(options, "advertise-host", "ORION_ADVERTISE_HOST", d.advertise_host,
             "host name others use to reach us (default: the bound host)");
  add_raft_options(options, "ORION_CONSENSUS", "7309");
  add_metrics_option(options, 7380);
  add_option(options, "verify-threads", "ORION_VERIFY_THREADS", std::to_string(d.verify_threads),
             "threads that check vote signatures (Ed25519), 0..64; 0 = on the service thread");
  add_option(options, "retention", "ORION_RETENTION", "7d",
             "how long decided proposals, ended leases and request ids are kept after they end "
             "(60s, 5m, 1.5h, 7d; a bare number is seconds; at least 1s)");
  add_option(options, "cluster-id", "ORION_CLUSTER_ID", d.cluster_id,
             "this cluster's name, part of every vote's signed bytes; the same on every replica "
             "(1..64 of A-Z a-z 0-9 . _ -)");
  add_option(options, "audit", "ORION_AUDIT", "on", "the audit log of state-changing requests: on or off");
  add_option(options, "audit-keep", "ORION_AUDIT_KEEP", std::to_string(d.audit_keep), "audit records kept (the newest)");
  add_event_history_options(options);
  add_common_options(options, d.data_dir);
}

Result<ConsensusConfig> consensus_config_from(const cxxopts::ParseResult& args) {
  ConsensusConfig c;
  c.bind_client = args["bind-client"].as<std::string>();
  auto registries = parse_endpoint_list("registry", args["registry"].as<std::string>());
  if (!registries) return registries.error();
  c.registries = std::move(*registries);
  c.advertise_host = args["advertise-host"].as<std::string>();
  c.data_dir = args["data-dir"].as<std::string>();
  c.ready_file = args["ready-file"].as<std::string>();
  c.log_level = args["log-level"].as<std::string>();
  auto raft = raft_config_from(args);
  if (!raft) return raft.error();
  static_cast<RaftConfig&>(c) = std::move(*raft);
  auto verify = parse_int("verify-threads", args["verify-threads"].as<std::string>(), 0, 64);
  if (!verify) return verify.error();
  c.verify_threads = *verify;
  auto retention = parse_duration_ms("retention", args["retention"].as<std::string>(), kMinProposalRetentionMs,
                                     kMaxProposalRetentionMs);
  if (!retention) return retention.error();
  c.retention_ms = *retention;
  c.cluster_id = args["cluster-id"].as<std::string>();
  if (auto s = check_cluster_id(c.cluster_id); !s) return s.error();
  const std::string audit = args["audit"].as<std::string>();
  if (audit != "on" && audit != "off") return make_error(ErrorCode::INVALID_ARGUMENT, "--audit: must be on or off");
  c.audit = audit == "on";
  auto keep = parse_int("audit-keep", args["audit-keep"].as<std::string>(), 1, 1'000'000'000);
  if (!keep) return keep.error();
  c.audit_keep = *keep;
  auto history = parse_event_history(args);
  if (!history) return history.error();
  c.event_history = *history;
  auto metrics = parse_metrics_bind(args);
  if (!metrics) return metrics.error();
  c.metrics = *metrics;
  return c;
}

}  // namespace orion::consensus
