// orion-consensus's configuration and its command-line/environment form.
//
//   cxxopts::Options opts("orion-consensus", "...");
//   add_consensus_options(opts);
//   auto args = parse_or_exit(opts, argc, argv);
//   Result<ConsensusConfig> config = consensus_config_from(args);   // INVALID_ARGUMENT names the flag
//
// With no --peers the service is one replica over SQLite (the embedded default). With
// --peers listing 3 or 5 replicas as ID@HOST:PORT (the Raft peer addresses, 7309 by default)
// and --id naming this one, it is a Raft replica.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "common/consensus_messages.h"
#include "common/event_history_options.h"
#include "common/metrics_bind.h"
#include "common/raft_config.h"
#include "common/status.h"

namespace orion::consensus {

// The Raft settings (id, peers, election_ms, ...) are common/raft_config.h's, shared with
// orion-scheduler.
struct ConsensusConfig : RaftConfig {
  std::string bind_client = "tcp://127.0.0.1:7300";  // ROUTER for PROPOSE, VOTE, ...
  std::vector<std::string> registries = {"tcp://127.0.0.1:7100"};  // announced to, each
  std::string advertise_host;                        // replaces the bound host in what we announce
  std::string data_dir = "./data/consensus";
  std::string ready_file;
  std::string log_level = "info";
  std::int64_t verify_threads = 2;                   // threads checking vote signatures (the leader's); 0 = inline
  std::int64_t announce_ms = 500;                    // ANNOUNCE to the registry this often
  // How long decided proposals, ended leases and PROPOSE request ids are kept, from when they
  // ended (--retention, ORION_RETENTION). Over Raft, the leader's is carried in the log.
  std::int64_t retention_ms = kDefaultProposalRetentionMs;
  // The cluster's name, in every vote's signed bytes (--cluster-id, ORION_CLUSTER_ID): the same
  // on every replica of a cluster, and different between clusters that share agents' keys.
  std::string cluster_id = kDefaultClusterId;
  // The audit log (--audit on|off, --audit-keep N; protocol.md section 15): state, carried in the
  // log as retention_ms is.
  bool audit = true;
  std::int64_t audit_keep = 1'000'000;  // records kept, the newest
  // The event history (protocol.md section 16): configuration, the same on every replica.
  EventHistoryBounds event_history{};
  MetricsBind metrics{};                 // /metrics and /healthz (--metrics-bind); off unless set

  std::string describe() const;
};

void add_consensus_options(cxxopts::Options& options);
Result<ConsensusConfig> consensus_config_from(const cxxopts::ParseResult& args);

}  // namespace orion::consensus
