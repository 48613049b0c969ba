// A client of orion-consensus: propose, vote (signed), read and wait for a decision, and
// leases. Configured with the registry's address (it asks the registry where the consensus
// leader is; a comma-separated list of registries fails over between them) and/or the replicas'
// client endpoints; every call goes through a LeaderFollower (common/leader_follower.h): it
// follows NOT_LEADER redirects, waits out elections, and retries with the same request id, so a
// retried PROPOSE creates one proposal and a retried VOTE counts once.
//
//   orion::consensus::ConsensusClient c({"tcp://127.0.0.1:7100"});
//   Propose p; p.type = "deploy"; p.consensus_type = ConsensusType::MAJORITY; p.voters = voters;
//   auto id = c.propose(p);                                  // Result<ProposeOk>
//   auto seen = c.status(id->proposal_id);                   // what is voted on
//   c.vote(*seen, "a1", true, a1_keys.secret_key);           // signs it, then VOTE
//   auto done = c.wait(id->proposal_id, 10'000);             // Result<ProposalView>
//   if (done && done->outcome == Outcome::APPROVED) go();
//
//   auto lease = c.acquire("scheduler-leader", "s1", 5'000); // lease->granted, lease->lease.token
//
// Not thread-safe: one per thread. Part of the SDK (orion_sdk): it needs no service library.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/consensus_messages.h"
#include "common/envelope.h"
#include "common/leader_follower.h"

namespace orion::consensus {

struct ConsensusClientOptions {
  std::string registry = "tcp://127.0.0.1:7100";  // one or a comma-separated list; "" = use `replicas` only
  std::vector<std::string> replicas;              // client endpoints of the replicas, tried in turn
  std::int64_t request_timeout_ms = 2000;         // one try at one replica
  std::int64_t call_timeout_ms = 15'000;          // one call, redirects, elections and retries included
  std::int64_t first_answer_ms = -1;              // >= 0: the bound before any answer (leader_follower.h)
};

class ConsensusClient {
 public:
  explicit ConsensusClient(ConsensusClientOptions options = {});
  ~ConsensusClient();
  ConsensusClient(const ConsensusClient&) = delete;  // its followers keep pointers into it: neither copied nor moved
  ConsensusClient& operator=(const ConsensusClient&) = delete;

  Result<ProposeOk> propose(const Propose& proposal);
  Result<VoteOk> vote(const Vote& vote);
  // Signs with the agent's Ed25519 secret key (64 bytes, VoteKeys::secret_key), then votes:
  // the signature covers the cluster, the proposal and the digest of the content `seen` shows
  // (vote_signature.h), so it counts only if that is the proposal's content.
  Result<VoteOk> vote(const ProposalView& seen, const std::string& agent_id, bool yes, const std::string& secret_key);
  // The same for the proposal as the leader holds it (GET_PROPOSAL first): for a caller that
  // decided on the proposal's id alone.
  Result<VoteOk> vote(const std::string& proposal_id, const std::string& agent_id, bool yes,
                      const std::string& secret_key);
  Result<ProposalView> status(const std::string& proposal_id);
  // Returns when the proposal is decided or timeout_ms has passed (then PENDING: check outcome).
  Result<ProposalView> wait(const std::string& proposal_id, std::int64_t timeout_ms);

  Result<LeaseInfo> acquire(const std::string& name, const std::string& holder, std::int64_t ttl_ms);
  Result<LeaseInfo> renew(const std::string& name, const std::string& holder, std::int64_t ttl_ms);
  Result<LeaseInfo> release(const std::string& name, const std::string& holder);
  Result<LeaseInfo> lease(const std::string& name);

  // GET_REPLICA at one replica, no redirect: its role, leader and progress (and a digest of
  // its whole state when asked: replicas that applied the same log have the same digest).
  Result<ReplicaInfo> replica(const std::string& endpoint, std::int64_t timeout_ms = 1000, bool digest = false);

  // One request with redirects and retries, the same request id throughout. An ERROR reply
  // that is not NOT_LEADER or UNAVAILABLE comes back as its Error; so does giving up after
  // call_timeout_ms (UNAVAILABLE, naming the replicas tried).
  Result<Envelope> call(MsgType type, const Json& body, std::int64_t call_timeout_ms);

  // Where the last call was answered: the leader, as far as this client knows.
  const std::string& leader() const { return follower_.leader(); }

 private:
  // Where to send when no leader is known: the configured replicas in turn, else the registry's
  // DISCOVERY `consensus`.
  Result<std::string> next_endpoint(std::int64_t budget_ms);

  ConsensusClientOptions options_;
  zmq::context_t ctx_;
  Registries registries_;
  LeaderFollower follower_;
  std::size_t next_replica_ = 0;
};

}  // namespace orion::consensus
