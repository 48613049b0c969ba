// A ConsensusCore driven by hand in simulated time, with a deterministic Ed25519 key pair per
// agent. Every test ends by checking the core's invariants (TearDown).
//
//   CoreFixture f;
//   auto id = f.propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"});
//   f.vote(id, "a1", true);
//   f.clock.advance(60'000);
//   f.tick();
#pragma once

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "services/consensus/consensus_core.h"
#include "common/vote_signature.h"

namespace orion::consensus::testing {

class CoreFixture : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(core.check_invariants(), "") << "invariants after the test"; }

  const VoteKeys& keys(const std::string& agent) {
    auto it = keys_.find(agent);
    if (it != keys_.end()) return it->second;
    std::string seed(32, '\0');
    for (std::size_t i = 0; i < agent.size() && i < 32; ++i) seed[i] = agent[i];
    return keys_.emplace(agent, VoteKeys::from_seed(seed)).first->second;
  }

  Voter voter(const std::string& agent, double weight = 1.0) { return Voter{agent, weight, keys(agent).public_key_hex()}; }

  Command command(CommandKind kind, Json body, const std::string& request_id = "") {
    return Command{kind, clock.wall_ms(), request_id, "", 0, encode_value(body)};
  }

  Result<Reply> apply(const Command& c) {
    log.push_back(c);
    return core.apply(c);
  }

  Propose proposal(ConsensusType type, const std::vector<Voter>& voters, std::int64_t timeout_ms = 60'000) {
    Propose p;
    p.proposer = "tester";
    p.type = "deploy";
    p.capability = "gpu";
    p.consensus_type = type;
    p.voters = voters;
    p.timeout_ms = timeout_ms;
    return p;
  }

  // Proposes and returns the new id (fails the test on error).
  std::string propose(ConsensusType type, const std::vector<std::string>& agents, std::int64_t timeout_ms = 60'000) {
    std::vector<Voter> voters;
    for (const auto& a : agents) voters.push_back(voter(a));
    return propose(proposal(type, voters, timeout_ms));
  }

  std::string propose(const Propose& p, const std::string& request_id = "") {
    auto r = apply(command(CommandKind::PROPOSE, p.to_body(), request_id));
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().to_string());
    if (!r) return "";
    EXPECT_EQ(r->type, MsgType::PROPOSE_OK);
    return ProposeOk::from_body(r->value())->proposal_id;
  }

  // Signed over the proposal as the core holds it (its cluster and content digest); a proposal
  // the core does not hold is signed over an empty content.
  Vote signed_vote(const std::string& proposal_id, const std::string& agent, bool yes) {
    VoteSubject about{core.cluster_id(), proposal_id, "", agent};
    if (auto view = core.proposal(proposal_id)) about = vote_subject(*view, agent);
    return Vote{proposal_id, agent, yes, sign_vote(keys(agent).secret_key, about, yes)};
  }

  Result<VoteOk> vote(const std::string& proposal_id, const std::string& agent, bool yes) {
    return vote(signed_vote(proposal_id, agent, yes));
  }

  Result<VoteOk> vote(const Vote& v) {
    auto r = apply(command(CommandKind::VOTE, v.to_body()));
    if (!r) return r.error();
    return VoteOk::from_body(r->value());
  }

  void tick() { apply(command(CommandKind::TICK, Json::object())); }

  Outcome outcome(const std::string& proposal_id) {
    auto p = core.proposal(proposal_id);
    return p ? p->outcome : Outcome::UNKNOWN;
  }

  ManualClock clock{0, 1'700'000'000'000};
  ConsensusCore core;
  std::vector<Command> log;  // every command applied, for replay

 private:
  std::map<std::string, VoteKeys> keys_;
};

}  // namespace orion::consensus::testing
