// orionctl's consensus subcommands: propose, vote, decision. propose and decision use the SDK
// client's distributed decisions (sdk/cpp/decisions.h: voters resolved from the registry);
// vote speaks to orion-consensus through ConsensusClient. Both find the leader through the
// registry.
#include <iostream>

#include "cli/commands.h"
#include "cli/support.h"
#include "common/consensus_messages.h"
#include "common/vote_signature.h"
#include "sdk/cpp/consensus_client.h"
#include "sdk/cpp/decisions.h"

namespace orion::cli {
namespace {

consensus::ConsensusClient make_consensus(const cxxopts::ParseResult& args) {
  return consensus::ConsensusClient(consensus_options(args));
}

void print_decision(const ProposalView& p, bool json) {
  if (json) {
    std::cout << text(sdk::decision_json(p)) << "\n";
    return;
  }
  std::cout << p.proposal_id << " " << to_string(p.outcome) << " (" << to_string(p.consensus_type) << ", yes "
            << p.tally.yes_weight << " / no " << p.tally.no_weight << " of " << p.tally.eligible_weight << ")\n";
  for (const auto& v : p.votes) std::cout << "  " << v.agent_id << " " << (v.yes ? "yes" : "no") << "\n";
}

}  // namespace

int cmd_propose(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("propose", "Ask the agents to decide: prints the proposal id");
    o.add_options()("type", "what is proposed", cxxopts::value<std::string>())(
        "consensus", "majority|unanimous|weighted|pbft", cxxopts::value<std::string>()->default_value("majority"))(
        "data", "JSON handed to the voters", cxxopts::value<std::string>()->default_value("{}"))(
        "timeout", "how long until it expires (30s, 5m)", cxxopts::value<std::string>()->default_value("30s"))(
        "cap", "the capability whose live agents vote (and the event topic)", cxxopts::value<std::string>())(
        "voter", "a voting agent (repeatable; default: every live agent with --cap)",
        cxxopts::value<std::vector<std::string>>())("proposer", "who asks", cxxopts::value<std::string>()->default_value("orionctl"))(
        "namespace", "the proposal's namespace (shown in its view)", cxxopts::value<std::string>()->default_value("default"));
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    if (!args.count("type")) throw UsageError("--type is required");
    auto kind = consensus_type_from_string(args["consensus"].as<std::string>());
    if (kind == ConsensusType::UNKNOWN || kind == ConsensusType::RAFT) {
      throw UsageError("--consensus must be one of majority, unanimous, weighted, pbft");
    }
    const double timeout_s = static_cast<double>(duration_ms(args, "timeout", 1, kWeekMs)) / 1000.0;
    sdk::DecisionRequest r;
    r.proposer = args["proposer"].as<std::string>();
    r.type = args["type"].as<std::string>();
    r.data = parse_json_arg("data", args["data"].as<std::string>());
    r.consensus_type = kind;
    r.timeout_ms = static_cast<std::int64_t>(timeout_s * 1000);
    if (args.count("cap")) r.capability = args["cap"].as<std::string>();
    r.voters = strings(args, "voter");
    r.ns = args["namespace"].as<std::string>();
    if (!valid_namespace(r.ns)) throw UsageError("--namespace must be 1..64 letters, digits, '_', '-' or '.'");
    if (r.voters.empty() && r.capability.empty()) throw UsageError("name the voters with --voter, or --cap");

    // Voters, their weights and public keys, from the registry: the agents named, or every live
    // agent with the capability.
    auto client = make_client(args);
    auto ok = client.make_distributed_decision(r);
    if (!ok) return fail(ok.error());
    if (args.count("json")) {
      Json voters = Json::array();
      for (const auto& v : ok->voters) voters.push_back(v.agent_id);
      std::cout << text(Json{{"proposal_id", ok->proposal_id}, {"voters", voters}}) << "\n";
    } else {
      std::cout << ok->proposal_id << "\n";
    }
    return 0;
  });
}

int cmd_vote(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("vote", "Cast an agent's signed vote on a proposal");
    o.add_options()("id", "proposal id", cxxopts::value<std::string>())(
        "agent", "the voting agent", cxxopts::value<std::string>())("yes", "vote yes")("no", "vote no")(
        "secret-key", "the agent's Ed25519 key: 64 hex digits (seed) or 128 (secret key)",
        cxxopts::value<std::string>());
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "proposal id");
    if (!args.count("agent")) throw UsageError("--agent is required");
    if (args.count("yes") == args.count("no")) throw UsageError("give exactly one of --yes and --no");
    if (!args.count("secret-key")) throw UsageError("--secret-key is required: votes are signed");
    std::string raw = consensus::from_hex(args["secret-key"].as<std::string>());
    if (raw.size() != 32 && raw.size() != 64) throw UsageError("--secret-key must be 64 or 128 hex digits");
    auto keys = consensus::VoteKeys::from_seed(std::string_view(raw).substr(0, 32));
    auto c = make_consensus(args);
    auto ok = c.vote(id, args["agent"].as<std::string>(), args.count("yes") > 0, keys.secret_key);
    if (!ok) return fail(ok.error());
    if (args.count("json")) {
      std::cout << text(Json{{"proposal_id", id}, {"outcome", to_string(ok->outcome)}, {"duplicate", ok->duplicate}})
                << "\n";
    } else {
      std::cout << id << " vote counted; outcome " << to_string(ok->outcome) << "\n";
    }
    return 0;
  });
}

int cmd_decision(int argc, char** argv) {
  return guarded([&] {
    auto o = base_options("decision", "Show a proposal's votes and outcome");
    o.add_options()("id", "proposal id", cxxopts::value<std::string>())(
        "wait", "how long to wait for the decision (10s, 5m; 0 = now)", cxxopts::value<std::string>()->default_value("0"));
    o.parse_positional({"id"});
    cxxopts::ParseResult args;
    if (!parse(o, argc, argv, args)) return 0;
    auto id = positional_id(args, "proposal id");
    const double wait_s = static_cast<double>(duration_ms(args, "wait", 0, 3'600'000)) / 1000.0;
    auto client = make_client(args);
    auto p = wait_s > 0 ? client.wait_decision(id, static_cast<std::int64_t>(wait_s * 1000))
                        : client.get_decision_status(id);
    if (!p) return fail(p.error());
    print_decision(*p, args.count("json") > 0);
    return 0;
  });
}

}  // namespace orion::cli
