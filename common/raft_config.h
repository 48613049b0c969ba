// The Raft settings of a replicated service (orion-consensus, orion-scheduler) and their
// command-line/environment form, defined once for both:
//
//   add_raft_options(opts, "ORION_SCHEDULER", "7209");   // --id, --peers, --election-ms, ...
//   auto raft = raft_config_from(args);                    // INVALID_ARGUMENT names the flag
//   if (raft->replicated()) RaftLog log(raft->options(data_dir + "/raft"));
//
// No --peers: one replica (the embedded default). --peers names 3 or 5 replicas as
// ID@HOST:PORT (their Raft addresses) and --id this one.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <cxxopts.hpp>

#include "common/raft_log.h"
#include "common/status.h"

namespace orion {

struct RaftConfig {
  std::uint64_t id = 0;                        // this replica's id; 0 = single replica
  std::map<std::uint64_t, std::string> peers;  // id -> Raft "host:port"; empty = single replica
  std::int64_t election_ms = 300;              // election timeout (randomised up to 2x)
  std::int64_t heartbeat_ms = 30;              // leader heartbeat
  std::int64_t snapshot_threshold = 1024;      // entries between snapshots
  std::int64_t snapshot_trailing = 0;          // entries kept after one; 0 = snapshot_threshold
  std::int64_t install_snapshot_ms = 1000;     // the leader resends an unanswered InstallSnapshot after this
  bool join = false;                           // join a running cluster (added by its leader) instead of bootstrapping

  bool replicated() const { return !peers.empty(); }
  std::string replica_name() const { return replicated() ? std::to_string(id) : "single"; }
  // "replica=2 peers=1@h:7309,... election_ms=300 ..." for the config log line.
  std::string describe() const;
  // The RaftLog's options, its files in `dir`.
  RaftOptions options(const std::string& dir) const;
};

// --id (env <env_prefix>_ID), --peers (<env_prefix>_PEERS), --election-ms, --raft-heartbeat-ms,
// --snapshot-threshold, --snapshot-trailing, --install-snapshot-ms (ORION_ELECTION_MS, ...),
// --join (<env_prefix>_JOIN).
// `default_port` is only for the help text.
void add_raft_options(cxxopts::Options& options, const std::string& env_prefix, const std::string& default_port);
Result<RaftConfig> raft_config_from(const cxxopts::ParseResult& args);

}  // namespace orion
