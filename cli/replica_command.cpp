// orionctl replica add|remove|info: changes the Raft membership of orion-scheduler or
// orion-consensus on a running cluster (CHANGE_REPLICAS, docs/protocol.md 13.3), through the
// leader the registry names (a follower's NOT_LEADER is followed).
//
//   orion-scheduler --id 4 --peers 4@10.0.0.4:7209 --join true ...   # start it empty first
//   orionctl replica add --service scheduler --id 4 --raft 10.0.0.4:7209
//   orionctl replica remove --service scheduler --id 1
//   orionctl replica info --endpoint tcp://10.0.0.4:7200 --json     # GET_REPLICA, no redirect
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"
#include "common/consensus_messages.h"
#include "sdk/cpp/consensus_client.h"

namespace orion::cli {

namespace {

// GET_REPLICA at one replica's client endpoint, no redirect: its role, term and progress.
int replica_info(const cxxopts::ParseResult& args) {
  const std::string endpoint = args["endpoint"].as<std::string>();
  if (endpoint.empty()) throw UsageError("info needs --endpoint tcp://HOST:PORT (a replica's client endpoint)");
  consensus::ConsensusClientOptions co;
  co.registry = "";
  consensus::ConsensusClient client(co);
  auto r = client.replica(endpoint, call_timeout_ms(args), args.count("digest") > 0);
  if (!r) return fail(r.error());
  if (args.count("json")) {
    std::cout << text(r->to_body()) << "\n";
    return 0;
  }
  std::cout << "replica " << r->replica_id << " " << r->role << " term " << r->term << " commit " << r->commit_index
            << " applied " << r->applied << " leader " << (r->leader_client.empty() ? "-" : r->leader_client) << "\n";
  return 0;
}

}  // namespace

int cmd_replica(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("replica", "Add a replica to, or remove one from, a replicated service");
    o.add_options()("op", "add or remove", cxxopts::value<std::string>())(
        "service", "scheduler or consensus", cxxopts::value<std::string>()->default_value("scheduler"))(
        "id", "the replica's id", cxxopts::value<std::int64_t>())(
        "raft", "add: the new replica's Raft HOST:PORT", cxxopts::value<std::string>()->default_value(""))(
        "timeout", "seconds to wait for the change to commit (an add waits for the replica to catch up)",
        cxxopts::value<std::string>()->default_value("60s"))(
        "endpoint", "info: the replica's client endpoint", cxxopts::value<std::string>()->default_value(""))(
        "digest", "info: also a digest of its whole state");
    o.parse_positional({"op"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    ChangeReplicas c;
    c.op = args.count("op") ? args["op"].as<std::string>() : "";
    if (c.op == "info") return replica_info(args);
    if (c.op != "add" && c.op != "remove") throw UsageError("say add, remove or info");
    if (!args.count("id")) throw UsageError("--id is required");
    c.id = args["id"].as<std::int64_t>();
    c.address = args["raft"].as<std::string>();
    if (c.op == "add" && c.address.empty()) throw UsageError("add needs --raft HOST:PORT");
    const std::string service = args["service"].as<std::string>();
    const auto timeout_ms = duration_ms(args, "timeout", 1, kWeekMs);
    Result<Envelope> r = make_error(ErrorCode::INVALID_ARGUMENT, "");
    if (service == "scheduler") {
      auto client = make_client(args);
      r = client.call(true, MsgType::CHANGE_REPLICAS, c.to_body(), timeout_ms);
    } else if (service == "consensus") {
      consensus::ConsensusClientOptions co;
      co.registry = args["registry"].as<std::string>();
      consensus::ConsensusClient client(co);
      r = client.call(MsgType::CHANGE_REPLICAS, c.to_body(), timeout_ms);
    } else {
      throw UsageError("--service must be scheduler or consensus");
    }
    if (!r) return fail(r.error());
    if (args.count("json")) {
      std::cout << text(Json{{"service", service}, {"op", c.op}, {"id", c.id}, {"raft", c.address}}) << "\n";
      return 0;
    }
    std::cout << service << " replica " << c.id << (c.op == "add" ? " added" : " removed") << "\n";
    return 0;
  });
}

}  // namespace orion::cli
