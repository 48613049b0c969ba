#include "services/consensus/consensus_config.h"

#include <spdlog/fmt/fmt.h>

#include "common/config.h"
#include "services/consensus/raft_log.h"

namespace orion::consensus {

std::string ConsensusConfig::describe() const {
  std::string peer_list;
  for (const auto& [i, addr] : peers) peer_list += (peer_list.empty() ? "" : ",") + std::to_string(i) + "@" + addr;
  return fmt::format(
      "bind_client={} registries={} advertise_host={} data_dir={} ready_file={} replica={} peers={} election_ms={} "
      "heartbeat_ms={} snapshot_threshold={} snapshot_trailing={} install_snapshot_ms={} verify_threads={} log={}",
      bind_client, join_endpoints(registries), advertise_host.empty() ? "-" : advertise_host, data_dir,
      ready_file.empty() ? "-" : ready_file, replica_name(), peer_list.empty() ? "-" : peer_list, election_ms,
      heartbeat_ms, snapshot_threshold, snapshot_trailing, install_snapshot_ms, verify_threads,
      replicated() ? "raft" : "sqlite");
}

void add_consensus_options(cxxopts::Options& options) {
  const ConsensusConfig d;
  add_option(options, "bind-client", "ORION_CONSENSUS_BIND_CLIENT", d.bind_client, "client API (ROUTER)");
  add_option(options, "registry", "ORION_REGISTRY", join_endpoints(d.registries),
             "registries to announce to, comma separated (tcp://a:7100,tcp://b:7100)");
  add_option(options, "advertise-host", "ORION_ADVERTISE_HOST", d.advertise_host,
             "host name others use to reach us (default: the bound host)");
  add_option(options, "id", "ORION_CONSENSUS_ID", "", "this replica's id in --peers (Raft only)");
  add_option(options, "peers", "ORION_CONSENSUS_PEERS", "",
             "every Raft replica as ID@HOST:PORT,... (3 or 5; default port 7309); empty = one replica on SQLite");
  add_option(options, "election-ms", "ORION_ELECTION_MS", std::to_string(d.election_ms), "Raft election timeout");
  add_option(options, "raft-heartbeat-ms", "ORION_RAFT_HEARTBEAT_MS", std::to_string(d.heartbeat_ms),
             "Raft heartbeat interval");
  add_option(options, "snapshot-threshold", "ORION_SNAPSHOT_THRESHOLD", std::to_string(d.snapshot_threshold),
             "Raft log entries between snapshots");
  add_option(options, "snapshot-trailing", "ORION_SNAPSHOT_TRAILING", std::to_string(d.snapshot_trailing),
             "Raft log entries kept after a snapshot, for followers that lag (0 = the threshold)");
  add_option(options, "install-snapshot-ms", "ORION_INSTALL_SNAPSHOT_MS", std::to_string(d.install_snapshot_ms),
             "the leader sends a snapshot again when a follower has not acknowledged it within this");
  add_option(options, "verify-threads", "ORION_VERIFY_THREADS", std::to_string(d.verify_threads),
             "threads that check vote signatures (Ed25519), 0..64; 0 = on the service thread");
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
  auto election = parse_int("election-ms", args["election-ms"].as<std::string>(), 10, 60'000);
  if (!election) return election.error();
  auto heartbeat = parse_int("raft-heartbeat-ms", args["raft-heartbeat-ms"].as<std::string>(), 1, 10'000);
  if (!heartbeat) return heartbeat.error();
  auto threshold = parse_int("snapshot-threshold", args["snapshot-threshold"].as<std::string>(), 2, 100'000'000);
  if (!threshold) return threshold.error();
  auto trailing = parse_int("snapshot-trailing", args["snapshot-trailing"].as<std::string>(), 0, 100'000'000);
  if (!trailing) return trailing.error();
  auto install = parse_int("install-snapshot-ms", args["install-snapshot-ms"].as<std::string>(), 10, 3'600'000);
  if (!install) return install.error();
  auto verify = parse_int("verify-threads", args["verify-threads"].as<std::string>(), 0, 64);
  if (!verify) return verify.error();
  c.election_ms = *election;
  c.heartbeat_ms = *heartbeat;
  c.snapshot_threshold = *threshold;
  c.snapshot_trailing = *trailing;
  c.install_snapshot_ms = *install;
  c.verify_threads = *verify;
  const std::string peers = args["peers"].as<std::string>();
  const std::string id = args["id"].as<std::string>();
  if (peers.empty()) {
    if (!id.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "--id: needs --peers");
    return c;
  }
  auto parsed = RaftLog::parse_peers(peers);
  if (!parsed) return parsed.error();
  if (parsed->size() != 3 && parsed->size() != 5) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--peers: name 3 or 5 replicas (a majority must survive a loss)");
  }
  auto n = parse_int("id", id, 1, INT64_MAX);
  if (!n) return n.error();
  if (!parsed->count(static_cast<std::uint64_t>(*n))) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--id: " + id + " is not one of --peers");
  }
  c.id = static_cast<std::uint64_t>(*n);
  c.peers = std::move(*parsed);
  return c;
}

}  // namespace orion::consensus
