// The consensus messages (MsgType 60..73, ROUTER 7300) as value types, each with to_body() and a
// from_body() that returns INVALID_ARGUMENT naming the first bad field. docs/protocol.md
// section 13 is the specification; this file and that section change together.
//
//   Propose p;
//   p.proposer = "ops"; p.type = "deploy"; p.capability = "gpu";
//   p.consensus_type = ConsensusType::MAJORITY;
//   p.voters = {{"a1", 1.0, a1_public_key_hex}, {"a2", 1.0, a2_public_key_hex}};
//   Json body = p.to_body();
//   Result<Propose> back = Propose::from_body(body);
//
// What an agent signs (Ed25519, detached, libsodium) for a vote is vote_signing_bytes():
//   "ORION-VOTE/2" 0x00 cluster_id 0x00 proposal_id 0x00 content_digest 0x00 agent_id 0x00 ("yes" | "no")
// with no trailing byte. Ids are the UTF-8 bytes as sent; none may contain 0x00. The content
// digest (64 lower-case hex digits) is BLAKE2b-256 of proposal_content_bytes(): the vote holds
// only for that cluster, that proposal and the content the agent was shown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/codec.h"
#include "common/command_log.h"
#include "common/envelope.h"
#include "common/messages.h"

namespace orion {

// How a proposal is decided. Wire values are frozen.
enum class ConsensusType : std::uint8_t {
  UNKNOWN = 0,    // never valid in a message
  MAJORITY = 1,   // more than half of the eligible voters say yes
  UNANIMOUS = 2,  // every eligible voter says yes; one no rejects
  WEIGHTED = 3,   // more than half of the eligible weight says yes
  PBFT = 4,       // 2f+1 signed yes of n eligible, f = (n-1)/3; equivocators are discarded
  RAFT = 5,       // decided by the replicas themselves when the proposal commits: no agent votes
};
const char* to_string(ConsensusType type);
// Parses "MAJORITY", "majority", ... or returns UNKNOWN.
ConsensusType consensus_type_from_string(std::string_view name);

// Where a proposal stands. PENDING is the only state that changes; the others are final.
enum class Outcome : std::uint8_t {
  UNKNOWN = 0,   // never the state of a proposal
  PENDING = 1,
  APPROVED = 2,
  REJECTED = 3,
  EXPIRED = 4,   // its timeout passed while PENDING
};
const char* to_string(Outcome outcome);
inline bool is_decided(Outcome o) { return o == Outcome::APPROVED || o == Outcome::REJECTED || o == Outcome::EXPIRED; }

inline constexpr std::size_t kPublicKeyHexBytes = 64;   // Ed25519 public key, 32 bytes in hex
inline constexpr std::size_t kSignatureHexBytes = 128;  // Ed25519 detached signature, 64 bytes in hex
inline constexpr std::int64_t kMaxWaitProposalMs = kMaxWaitMs;  // kMaxVoters, kMaxLeaseTtlMs, ...: protocol_schema.h
// How long a decided proposal (its votes and its request id with it) and an ended lease are
// kept before they are forgotten, counted from when they ended: the service's --retention, or a
// proposal's own result_ttl_ms.
inline constexpr std::int64_t kDefaultProposalRetentionMs = 7LL * 86'400'000;  // 7 days
// kMinProposalRetentionMs (1 s) and kMaxProposalRetentionMs (10 years): protocol_schema.h

// A consensus cluster's name (--cluster-id): 1..64 of A-Z a-z 0-9 . _ -; every replica of one
// cluster has the same. It is part of every vote's signed bytes.
inline constexpr const char* kDefaultClusterId = "orion";
inline constexpr std::size_t kMaxClusterIdBytes = 64;
Status check_cluster_id(std::string_view id);

// What a vote is about: everything its signature covers but the answer.
struct VoteSubject {
  std::string cluster_id;
  std::string proposal_id;
  std::string content_digest;  // proposal_digest(), 64 lower-case hex digits (vote_signature.h)
  std::string agent_id;
};

// The exact bytes an agent signs for a vote (see the file comment).
std::string vote_signing_bytes(const VoteSubject& subject, bool yes);

// What a proposal's content digest covers, in canonical msgpack (codec.h encode_canonical):
//   [proposer, type, capability, consensus type name ("MAJORITY", ...), data]
std::string proposal_content_bytes(const std::string& proposer, const std::string& type,
                                   const std::string& capability, ConsensusType consensus_type, const Json& data);

// One eligible voter, as the caller resolved it from the registry.
struct Voter {
  std::string agent_id;
  double weight = 1.0;      // WEIGHTED only; 1e-9..1e9
  std::string public_key;   // Ed25519, 64 lower- or upper-case hex digits

  Json to_json() const;
  static Result<Voter> from_json(const Json& j);
};

struct Propose {
  std::string proposer;             // who asks, for people and events
  std::string type;                 // what is proposed ("deploy", "lease", ...), required
  Json data;                        // any value, encoded <= 4 MiB
  std::string capability;           // the capability whose agents vote; in the event topic
  ConsensusType consensus_type = ConsensusType::MAJORITY;
  std::vector<Voter> voters;        // 1..1024 distinct agents; empty (and ignored) for RAFT
  std::int64_t timeout_ms = kDefaultProposalTimeoutMs;  // 1..a week; then EXPIRED if still PENDING
  // How long the proposal is kept once decided; 0 = the service's retention, else
  // kMinProposalRetentionMs..kMaxProposalRetentionMs. Sent only when not 0.
  std::int64_t result_ttl_ms = 0;

  Json to_body() const;
  static Result<Propose> from_body(const Json& b);
  // The same body as msgpack bytes, without a Json tree (the leader's hot path): to_packed()
  // decodes to to_body(); from_packed(b) accepts and refuses what decode_value(b) then
  // from_body does, with the same first error.
  std::string to_packed() const;
  static Result<Propose> from_packed(std::string_view body);
};

struct ProposeOk {
  std::string proposal_id;
  Outcome outcome = Outcome::PENDING;  // RAFT proposals come back APPROVED
  bool duplicate = false;              // the request id was seen before: the first answer again
  Json to_body() const;
  std::string to_packed() const;  // to_body() as msgpack, without a Json tree
  static Result<ProposeOk> from_body(const Json& b);
  static Result<ProposeOk> from_packed(std::string_view body);  // as Propose::from_packed
};

struct Vote {
  std::string proposal_id;
  std::string agent_id;
  bool yes = false;
  std::string signature;  // Ed25519 over vote_signing_bytes(), 128 hex digits
  Json to_body() const;
  static Result<Vote> from_body(const Json& b);
  std::string to_packed() const;                       // as Propose::to_packed
  static Result<Vote> from_packed(std::string_view body);  // as Propose::from_packed
};

struct VoteOk {
  std::string proposal_id;
  std::string agent_id;
  Outcome outcome = Outcome::PENDING;  // the proposal's outcome after this vote
  bool duplicate = false;              // the same vote was counted before; nothing changed
  Json to_body() const;
  std::string to_packed() const;  // to_body() as msgpack, without a Json tree
  static Result<VoteOk> from_body(const Json& b);
  static Result<VoteOk> from_packed(std::string_view body);  // as Propose::from_packed
};

struct GetProposal {
  std::string proposal_id;
  Json to_body() const;
  static Result<GetProposal> from_body(const Json& b);
};

// Answered with PROPOSAL_INFO once the proposal is decided, or when timeout_ms has passed.
struct WaitProposal {
  std::string proposal_id;
  std::int64_t timeout_ms = 30'000;  // 0..3,600,000
  Json to_body() const;
  static Result<WaitProposal> from_body(const Json& b);
};

// A counted vote.
struct VoteRecord {
  std::string agent_id;
  bool yes = false;
  double weight = 1.0;
  std::int64_t at_ms = 0;  // wall clock of the leader when it was applied
  std::string signature;
};

struct Tally {
  std::int64_t eligible = 0;        // voters, faulty ones included
  std::int64_t yes = 0, no = 0;     // counted votes (faulty agents' votes are discarded)
  std::int64_t faulty = 0;          // PBFT: agents caught signing both ways
  double eligible_weight = 0, yes_weight = 0, no_weight = 0;
  std::int64_t quorum = 0;          // yes votes that approve (MAJORITY, UNANIMOUS, PBFT); 0 otherwise
  Json to_json() const;
  static Result<Tally> from_json(const Json& j);
};

struct ProposalView {
  std::string proposal_id;
  // The cluster it belongs to and the digest of its content (what a vote signs); sent when set.
  std::string cluster_id, content_digest;
  std::string proposer, type, capability;
  Json data;
  ConsensusType consensus_type = ConsensusType::UNKNOWN;
  std::vector<Voter> voters;
  std::vector<VoteRecord> votes;     // counted votes, in the order they were applied
  std::vector<std::string> faulty;   // agents reported faulty (PBFT equivocation)
  Tally tally;
  Outcome outcome = Outcome::UNKNOWN;
  std::int64_t created_ms = 0, deadline_ms = 0, decided_ms = 0;  // wall clock; decided_ms 0 = not yet
  std::int64_t result_ttl_ms = 0;  // as proposed (0 = the service's retention); sent only when not 0
  // When the decided proposal will be forgotten (decided_ms + its retention); 0 while PENDING.
  // Sent only when not 0.
  std::int64_t expires_ms = 0;
  Json to_json() const;
  static Result<ProposalView> from_json(const Json& j);
};

struct ProposalInfo {
  ProposalView proposal;
  Json to_body() const;
  static Result<ProposalInfo> from_body(const Json& b);
};

// ACQUIRE_LEASE and RENEW_LEASE carry the same fields.
struct LeaseRequest {
  std::string name;    // the lease, 1..256 bytes
  std::string holder;  // who asks, 1..256 bytes
  std::int64_t ttl_ms = 10'000;  // 1..a day
  Json to_body() const;
  static Result<LeaseRequest> from_body(const Json& b);
};

struct ReleaseLease {
  std::string name;
  std::string holder;
  Json to_body() const;
  static Result<ReleaseLease> from_body(const Json& b);
};

struct GetLease {
  std::string name;
  Json to_body() const;
  static Result<GetLease> from_body(const Json& b);
};

struct LeaseView {
  std::string name;
  std::string holder;          // "" when free
  std::int64_t token = 0;      // fencing token: grows each time the lease changes hands
  std::int64_t acquired_ms = 0, expires_ms = 0;  // wall clock; the lease is free at expires_ms
  Json to_json() const;
  static Result<LeaseView> from_json(const Json& j);
};

struct LeaseInfo {
  LeaseView lease;
  bool granted = false;  // the request took effect (acquired, renewed or released)
  Json to_body() const;
  static Result<LeaseInfo> from_body(const Json& b);
};

struct ReplicaInfo {
  std::string replica_id;     // "1", "2", ... ("single" for the embedded backend)
  std::string role;           // "leader", "follower", "candidate", "single", "unavailable"
  std::string leader_id;      // "" when unknown
  std::string leader_client;  // the leader's client endpoint, "" when unknown
  std::int64_t term = 0;
  std::int64_t applied = 0;   // commands applied to this replica's state machine
  std::int64_t proposals = 0;
  std::int64_t commit_index = 0;  // the replica's Raft commit index (0 for the embedded backend)
  std::int64_t tasks = 0;         // orion-scheduler: tasks held
  std::string digest;         // of the whole state, when GET_REPLICA asked for it: equal on replicas that applied the same log
  Json to_body() const;
  static Result<ReplicaInfo> from_body(const Json& b);
};

// CHANGE_REPLICAS (76): `op` "add" (the replica `id` at Raft `address` "host:port", started
// with --join) or "remove". CHANGE_REPLICAS_OK (77) echoes them once the new configuration is
// committed (for an add: once the replica caught up and votes).
struct ChangeReplicas {
  std::string op;
  std::int64_t id = 0;
  std::string address;
  Json to_body() const;
  static Result<ChangeReplicas> from_body(const Json& b);
  // The Raft log's form of it (common/command_log.h), numbered `seq`.
  MembershipChange to_change(std::uint64_t seq) const;
};

// The answer to a CHANGE_REPLICAS once the log's CHANGED item for it came back: OK echoing the
// request, or the ERROR the log gave.
Envelope change_replicas_answer(const std::string& request_id, const ChangeReplicas& request, const LogItem& done);

}  // namespace orion
