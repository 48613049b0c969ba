#include "common/raft_config.h"

#include <climits>

#include "common/config.h"

namespace orion {

std::string RaftConfig::describe() const {
  std::string list;
  for (const auto& [i, addr] : peers) list += (list.empty() ? "" : ",") + std::to_string(i) + "@" + addr;
  return "replica=" + replica_name() + " peers=" + (list.empty() ? "-" : list) +
         " election_ms=" + std::to_string(election_ms) + " raft_heartbeat_ms=" + std::to_string(heartbeat_ms) +
         " snapshot_threshold=" + std::to_string(snapshot_threshold) +
         " snapshot_trailing=" + std::to_string(snapshot_trailing) +
         " install_snapshot_ms=" + std::to_string(install_snapshot_ms) + " join=" + (join ? "true" : "false") + " log=" + (replicated() ? "raft" : "sqlite");
}

RaftOptions RaftConfig::options(const std::string& dir) const {
  RaftOptions o;
  o.id = id;
  o.peers = peers;
  o.dir = dir;
  o.election_timeout_ms = static_cast<unsigned>(election_ms);
  o.heartbeat_timeout_ms = static_cast<unsigned>(heartbeat_ms);
  o.snapshot_threshold = static_cast<unsigned>(snapshot_threshold);
  o.snapshot_trailing = snapshot_trailing > 0 ? static_cast<unsigned>(snapshot_trailing) : o.snapshot_threshold;
  o.install_snapshot_timeout_ms = static_cast<unsigned>(install_snapshot_ms);
  o.join = join;
  return o;
}

void add_raft_options(cxxopts::Options& options, const std::string& env_prefix, const std::string& default_port) {
  const RaftConfig d;
  const std::string id_env = env_prefix + "_ID", peers_env = env_prefix + "_PEERS";
  add_option(options, "id", id_env.c_str(), "", "this replica's id in --peers (Raft only)");
  add_option(options, "peers", peers_env.c_str(), "",
             "every Raft replica as ID@HOST:PORT,... (3 or 5; default port " + default_port +
                 "); empty = one replica on SQLite");
  add_option(options, "election-ms", "ORION_ELECTION_MS", std::to_string(d.election_ms), "Raft election timeout");
  add_option(options, "raft-heartbeat-ms", "ORION_RAFT_HEARTBEAT_MS", std::to_string(d.heartbeat_ms),
             "Raft heartbeat interval");
  add_option(options, "snapshot-threshold", "ORION_SNAPSHOT_THRESHOLD", std::to_string(d.snapshot_threshold),
             "Raft log entries between snapshots");
  add_option(options, "snapshot-trailing", "ORION_SNAPSHOT_TRAILING", std::to_string(d.snapshot_trailing),
             "Raft log entries kept after a snapshot, for followers that lag (0 = the threshold)");
  const std::string join_env = env_prefix + "_JOIN";
  add_option(options, "join", join_env.c_str(), "false",
             "true: join a running cluster, to be added by its leader (orionctl replica add), instead of "
             "bootstrapping one from --peers");
  add_option(options, "install-snapshot-ms", "ORION_INSTALL_SNAPSHOT_MS", std::to_string(d.install_snapshot_ms),
             "the leader sends a snapshot again when a follower has not acknowledged it within this");
}

Result<RaftConfig> raft_config_from(const cxxopts::ParseResult& args) {
  RaftConfig c;
  struct {
    const char* flag;
    std::int64_t lo, hi;
    std::int64_t* out;
  } ints[] = {{"election-ms", 10, 60'000, &c.election_ms},
              {"raft-heartbeat-ms", 1, 10'000, &c.heartbeat_ms},
              {"snapshot-threshold", 2, 100'000'000, &c.snapshot_threshold},
              {"snapshot-trailing", 0, 100'000'000, &c.snapshot_trailing},
              {"install-snapshot-ms", 10, 3'600'000, &c.install_snapshot_ms}};
  for (auto& i : ints) {
    auto v = parse_int(i.flag, args[i.flag].as<std::string>(), i.lo, i.hi);
    if (!v) return v.error();
    *i.out = *v;
  }
  const std::string join = args["join"].as<std::string>();
  if (join != "true" && join != "false") {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--join: '" + join + "' is not true or false");
  }
  c.join = join == "true";
  const std::string peers = args["peers"].as<std::string>();
  const std::string id = args["id"].as<std::string>();
  if (peers.empty()) {
    if (!id.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "--id: needs --peers");
    return c;
  }
  auto parsed = RaftLog::parse_peers(peers);
  if (!parsed) return parsed.error();
  if (!c.join && parsed->size() != 3 && parsed->size() != 5) {
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

}  // namespace orion
