// Distributed decisions from the client side: who votes, and the proposal that asks them. The
// Client's make_distributed_decision(), get_decision_status() and wait_decision() (client.h)
// use these; orionctl propose and decision too, so voters are resolved in one place.
//
//   orion::sdk::Client client({"tcp://127.0.0.1:7100"});
//   auto d = client.make_distributed_decision("deploy", {{"version", "1.2"}}, orion::ConsensusType::MAJORITY,
//                                             30'000, "deploy");    // every live agent with "deploy" votes
//   auto done = client.wait_decision(d->proposal_id, 30'000);     // Result<ProposalView>
//   if (done && done->outcome == orion::Outcome::APPROVED) go();
//   std::cout << orion::sdk::decision_json(*done).dump();         // outcome, yes_weight, no_weight, votes
//
// Voters come from the registry's LIST_AGENTS, each with its vote weight and Ed25519 public key
// (announced by the agent SDKs at REGISTER): the consensus service takes them as given (it never
// queries the registry, so its state machine stays deterministic).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/consensus_messages.h"
#include "common/messages.h"

namespace orion::sdk {

struct DecisionRequest {
  std::string type;                  // what is decided ("deploy", ...), required
  Json data = Json::object();        // handed to the voters' vote handlers, <= 4 MiB encoded
  ConsensusType consensus_type = ConsensusType::MAJORITY;  // MAJORITY, UNANIMOUS, WEIGHTED or PBFT
  std::int64_t timeout_ms = 60'000;  // then EXPIRED if still PENDING; 1..a week
  std::string capability;            // the event topic; voters default to its live agents
  std::vector<std::string> voters;   // explicit voters (any state); empty = every live agent with `capability`
  std::string proposer = "sdk";      // who asks, shown in events and views
  // How long the decided proposal is kept (then NOT_FOUND "expired"); 0 = the service's
  // --retention, else 1 s..10 years (docs/protocol.md section 13.10).
  std::int64_t result_ttl_ms = 0;
  std::string ns = "default";  // the proposal's namespace (docs/protocol.md section 19), shown in its view
};

struct Decision {
  std::string proposal_id;   // "p<N>"
  std::vector<Voter> voters;  // whom it asked, with the weights and keys the registry listed
};

// The voters of a decision among the registry's agents: the agents named in `named` (whatever
// their state: the proposer asked for them), or, when none are named, every agent UP with
// `capability`. Errors say what to fix: INVALID_ARGUMENT when neither is given, NOT_FOUND for a
// named agent the registry does not list, FAILED_PRECONDITION for a voter without a public key
// (it cannot sign) or when no live agent has the capability.
Result<std::vector<Voter>> resolve_voters(const std::vector<AgentView>& agents, const std::string& capability,
                                          const std::vector<std::string>& named);

// The PROPOSE for a request and its resolved voters. INVALID_ARGUMENT for a RAFT or UNKNOWN
// consensus type (agents vote only on the other four) or an empty type.
Result<Propose> decision_proposal(const DecisionRequest& request, std::vector<Voter> voters);

// A decision as `orionctl decision --json` prints it: proposal_id, type, consensus, outcome
// (names), yes_weight, no_weight, eligible_weight, votes [{agent_id, vote, weight}], faulty,
// decided_ms.
Json decision_json(const ProposalView& p);

}  // namespace orion::sdk
