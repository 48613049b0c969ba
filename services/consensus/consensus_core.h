// The consensus state machine: proposals, their votes and outcomes, and leases. It changes
// only by apply(Command), in log order, and never reads a clock or anything else outside the
// command: the time it uses is the leader's stamp on each command (kept monotonic), so every
// replica that applies the same log holds the same state and gives the same replies.
//
//   ConsensusCore core;
//   Command c{CommandKind::PROPOSE, clock.wall_ms(), "req-1", "", 0, propose.to_body()};
//   Result<Reply> r = core.apply(c);          // PROPOSE_OK {proposal_id: "p1"} or an Error
//   for (auto& e : core.take_events()) publish(e.topic, e.data);
//   core.drain_dirty([&](std::uint64_t key, std::string rec) { batch.put(key, rec); });
//
// The proposal lifecycle (docs/consensus.md has the whole table):
//
//   state     event                                   action                        next
//   -         PROPOSE (RAFT type)                     created, decided at once      APPROVED
//   -         PROPOSE (other types)                   created, deadline set         PENDING
//   PENDING   VOTE, valid, first from this agent      counted, re-tallied           PENDING / APPROVED / REJECTED
//   PENDING   VOTE identical to the counted one       nothing (duplicate)           PENDING
//   PENDING   VOTE changed, PBFT                      agent faulty, votes discarded PENDING / REJECTED
//   PENDING   VOTE changed, other types               refused                       PENDING
//   PENDING   any command stamped >= deadline         expired                       EXPIRED
//   decided   VOTE identical to the counted one       nothing (duplicate)           decided
//   decided   any other VOTE                          refused                       decided
//   decided   any command stamped >= expires_ms       forgotten (retention)         (expired id)
//
// Every command first moves time to max(now, stamp), expires the proposals whose deadline has
// passed, and forgets at most kMaxForgetPerCommand decided proposals and ended leases whose
// retention has run out (oldest first); then it does its own work. A TICK does only the first
// part.
//
// Retention. A decided proposal is kept, with its votes and its PROPOSE request id (the dedup
// record), for its result_ttl_ms or else the retention in force when it was decided, counted
// from decided_ms; expires_ms records when it goes. An ended lease is kept for the retention
// after its expires_ms. The retention is state, carried in the log (HELLO's retention_ms: each
// new leader states its --retention), so every replica forgets the same records at the same
// entry; the stamps on the entries are the only clock. A forgotten proposal's id answers
// NOT_FOUND "... expired ..." (its number is below next_number), distinct from an id never
// issued; a PROPOSE retried with a forgotten request id is a new proposal.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <unordered_map>
#include <vector>

#include "common/audit_log.h"
#include "common/event_history.h"
#include "common/consensus_messages.h"
#include "common/metric_histogram.h"
#include "services/consensus/cast_vote.h"
#include "services/consensus/command.h"
#include "services/consensus/lease_table.h"
#include "services/consensus/voter_pool.h"

namespace orion::consensus {

struct Reply {
  MsgType type = MsgType::UNKNOWN;
  Json body = Json::object();
  std::string packed;  // when set, the body as msgpack (the hot replies), used instead of `body`
  Json value() const;  // the body either way
};

struct CoreEvent {
  std::string topic;
  Json data;
  std::string body;  // the EVENT body as the history recorded it; "" with the history off
};

// Event topics: "proposal.created.<capability>" and "proposal.decided.<capability>", or without
// the last part when the proposal names no capability. SUB filters by prefix, so a voter with
// capability gpu subscribes to "proposal.created.gpu" (and checks data.capability, since the
// prefix also matches "gpu2").
std::string proposal_topic(const char* what, const std::string& capability);

// The refusal of a vote whose signature does not verify (PERMISSION_DENIED), wherever checked.
Error bad_signature(const Vote& v);

// Record keys in the Log: 0 is the meta record, 1.. the proposals by number, and leases from
// kLeaseKeyBase on by slot.
inline constexpr std::uint64_t kMetaKey = 0;
inline constexpr std::uint64_t kLeaseKeyBase = 1ULL << 48;
// Audit records (protocol.md section 15) from kAuditKeyBase on, by seq.
inline constexpr std::uint64_t kAuditKeyBase = 1ULL << 50;
// The event history (protocol.md section 16) from kEventKeyBase on, by position.
inline constexpr std::uint64_t kEventKeyBase = 1ULL << 52;

// Records (decided proposals and ended leases) one command forgets at most: expiry is spread
// over entries so that no apply, on any replica, stalls behind a large backlog; the leader keeps
// appending TICKs while one is due (next_expiry_ms()).
inline constexpr std::size_t kMaxForgetPerCommand = 256;

class ConsensusCore {
 public:
  // Applies one command and returns the reply for whoever sent it (an Error is a reply too: it
  // is decided by the log, so every replica reaches the same one).
  Result<Reply> apply(const Command& c);

  // ---- Reads (no state change) --------------------------------------------------------------
  Result<ProposalView> proposal(const std::string& proposal_id) const;
  LeaseView lease(const std::string& name, std::int64_t now_ms) const { return leases_.get(name, now_ms); }
  // The checks of a VOTE that do not depend on the votes before it (the proposal exists and
  // names the agent, the signature is good), so a leader can refuse a bad vote without putting
  // it in the log. apply() checks them again, the signature only when the command does not say
  // it was checked (Command::signature_checked).
  Status precheck_vote(const Vote& v, bool check_signature = true) const;
  // What a vote's signature must verify against: the voter's key, and what the vote is about
  // (this cluster, the proposal, the digest of its content, the agent).
  struct VoteCheck {
    std::string public_key;
    VoteSubject subject;
  };
  // precheck_vote's checks but the signature; returns what the signature must verify against
  // (the leader verifies it on VoteVerifier's thread).
  Result<VoteCheck> vote_check(const Vote& v) const;
  // The cluster's name, in every vote's signed bytes: the service's --cluster-id, the same on
  // every replica (set before the first command).
  void set_cluster_id(std::string id) { cluster_id_ = std::move(id); }
  const std::string& cluster_id() const { return cluster_id_; }
  // Deadline of the earliest PENDING proposal; INT64_MAX when none.
  std::int64_t next_deadline_ms() const;
  // When the next decided proposal or ended lease is due to be forgotten; INT64_MAX when none.
  std::int64_t next_expiry_ms() const;
  std::int64_t retention_ms() const { return retention_ms_; }
  // The single replica (no log to carry it: its state is its own) sets its --retention here;
  // replicas over Raft take it from HELLO. It applies to what is decided or ends from now on.
  void set_retention_ms(std::int64_t retention_ms);
  // The audit log (core_audit.cpp; protocol.md section 15): a record per PROPOSE, VOTE and lease
  // command and per AUDIT command, with the command's principal and the log's time (the
  // stamps), so every replica holds the same chain. It keeps the newest audit_keep() records;
  // 0 records nothing. State, in the meta record: the single replica sets it here (--audit,
  // --audit-keep), replicas over Raft take it from HELLO.
  const AuditLog& audit() const { return audit_; }
  std::size_t audit_keep() const { return audit_keep_; }
  void set_audit_keep(std::size_t keep);
  // Proposals and leases forgotten by retention since the state began (kept in the meta record).
  std::uint64_t forgotten() const { return forgotten_; }
  std::int64_t now_ms() const { return now_ms_; }
  std::uint64_t applied() const { return applied_; }
  std::size_t proposal_count() const { return proposals_.size(); }
  // Distinct voter lists held (proposals with equal lists share one).
  std::size_t voter_lists() const { return voters_.size(); }
  // A proposal as the core holds it: ProposalView's fields less what is derived or held
  // compactly. Its id is "p<number>"; its voters are one list shared with every proposal that
  // has the same list (VoterPool); its votes are CastVotes naming a voter by its index.
  // proposal() makes the view.
  struct Proposal {
    std::uint64_t number = 0;
    std::string request_id;  // PROPOSE's, "" when none (then not deduplicated)
    VoterList voters;        // the eligible voters, shared with equal lists (voters_); never null
    std::vector<CastVote> votes;  // the counted votes, in the order applied; each names a voter
    std::string proposer, type, capability;
    std::string ns = "default";  // its namespace (protocol.md section 19): shown, not interpreted
    Json data;
    ConsensusType consensus_type = ConsensusType::UNKNOWN;
    std::string digest;  // of the content (proposal_digest()): derived, never stored
    Outcome outcome = Outcome::UNKNOWN;
    std::vector<std::string> faulty;  // agents reported faulty (PBFT equivocation)
    Tally tally;
    std::int64_t created_ms = 0, deadline_ms = 0, decided_ms = 0;  // decided_ms 0 = not yet
    std::int64_t result_ttl_ms = 0;  // as proposed (0 = the service's retention)
    std::int64_t expires_ms = 0;     // decided_ms + its retention; 0 while PENDING
  };
  // Calls fn(const Proposal&) for every proposal, in number order (PROPOSAL_STATS).
  template <class Fn>
  void for_each_proposal(Fn&& fn) const {
    for (const auto& entry : proposals_) fn(entry.second);
  }
  // The client endpoint a replica announced in its HELLO, "" when unknown.
  std::string replica_client(const std::string& replica_id) const;

  // ---- Outputs since the last call ----------------------------------------------------------
  // Whether apply() builds events (on by default). They are outputs, not state: a replica that
  // would throw them away (a follower, or a leader with no event bus) turns them off and saves
  // building them; the state and the replies stay the same.
  void set_events(bool on) { events_on_ = on; }
  // The event history (core_events.cpp; protocol.md section 16): every event apply() makes,
  // numbered by the core itself (publisher "consensus", an epoch drawn from the cluster id and
  // the log's time at the first event, seq 1, 2, ... as state), so every replica holds the same
  // history and a new leader goes on with the same numbering. Its bounds are configuration
  // (--event-history, --event-history-age): give every replica the same. Keep 0: no history,
  // and events numbered by the publishing replica as before.
  void set_event_history(EventHistory::Bounds bounds) { history_.set_bounds(bounds); }
  const EventHistory& history() const { return history_; }
  std::vector<CoreEvent> take_events();
  std::vector<std::string> take_decided();  // ids of proposals that were decided

  // ---- Persistence --------------------------------------------------------------------------
  // Records changed since the last call (key, encoded record): what the SQLite Log stores. An
  // empty record is the deletion of its key (a proposal or lease forgotten by retention), as in
  // LogBatch.
  void drain_dirty(const std::function<void(std::uint64_t key, std::string record)>& fn);
  // Forgets what changed without encoding it: a replica over Raft, whose state goes to disk as
  // snapshots only, calls this every turn so that the change sets stay empty.
  void discard_dirty();
  // Rebuilds state from records (any order), then finish_restore().
  Status restore_record(std::uint64_t key, std::string_view record);
  void finish_restore();
  // Every record in key order as one value: the Raft snapshot, and the determinism check.
  std::string snapshot() const;
  Status restore_snapshot(std::string_view bytes);
  void reset();

  // Broken invariants, one per line; "" when the state is consistent.
  std::string check_invariants() const;

  // ---- Metrics ------------------------------------------------------------------------------
  // What this replica applied, for its /metrics page: decisions by outcome, and how long after a
  // proposal's creation each vote was applied and each decision made (log time, seconds). Not
  // state: a restored snapshot adds nothing; a restart that replays its log's tail counts that
  // tail again.
  struct AppliedMetrics {
    std::array<std::uint64_t, 5> decided_by_outcome{};  // by Outcome value
    MetricHistogram vote_seconds{MetricHistogram::kLatencySeconds};
    MetricHistogram decision_seconds{MetricHistogram::kLatencySeconds};
  };
  const AppliedMetrics& metrics() const { return *metrics_; }

 private:

  Result<Reply> apply_kind(const Command& c);
  // The record of a command: what it asks, read before it is applied (apply() may move its
  // body), then its outcome.
  AuditEvent audit_note(const Command& c) const;
  void record_audit(AuditEvent ev, const Command& c, const Result<Reply>& r);
  void advance(std::int64_t stamp_ms);
  void forget_slice();  // retention: at most kMaxForgetPerCommand records, oldest first
  Error not_found(const std::string& proposal_id) const;
  void settle(Proposal& p);  // re-tally; decide when certain
  void decided(Proposal& p, Outcome outcome, std::int64_t at_ms);
  Result<Reply> on_propose(const Command& c);
  Result<Reply> on_vote(const Command& c);
  Result<Reply> on_lease(const Command& c);
  Result<Reply> on_hello(const Command& c);
  static Tally tally_of(const Proposal& p);
  Proposal* find(const std::string& proposal_id);
  const Proposal* by_request(const std::string& request_id) const;
  void index_request(const Proposal& p);    // replaces the entry of another proposal with its id
  void unindex_request(const Proposal& p);
  const Proposal* find(const std::string& proposal_id) const;
  std::string encode_meta() const;
  std::string encode_proposal(const Proposal& p) const;
  std::string encode_lease(const LeaseTable::Lease& l) const;

  // Time of the log: the largest stamp applied so far (wall-clock ms). Never goes back.
  std::int64_t now_ms_ = 0;
  std::uint64_t applied_ = 0;        // commands applied
  std::uint64_t next_number_ = 1;    // the next proposal is "p<next_number_>"
  // Every proposal made and not yet forgotten, by number. Invariant: view.outcome is PENDING exactly for the
  // proposals in deadlines_, and a PENDING proposal's votes do not yet decide it.
  std::map<std::uint64_t, Proposal> proposals_;
  // PROPOSE request id -> proposal number, keyed by the id's hash: the proposal's own
  // request_id is what is compared, so the id is held once and two ids of one hash are told apart.
  std::unordered_multimap<std::uint64_t, std::uint64_t> by_request_;
  std::set<std::pair<std::int64_t, std::uint64_t>> deadlines_;    // (deadline_ms, number), PENDING only
  // (expires_ms, number) of every decided proposal, and only those: the retention index.
  std::set<std::pair<std::int64_t, std::uint64_t>> expiries_;
  std::int64_t retention_ms_ = kDefaultProposalRetentionMs;  // in the meta record; set by HELLO
  std::string cluster_id_ = kDefaultClusterId;  // configuration, not state (set_cluster_id)
  std::uint64_t forgotten_ = 0;
  LeaseTable leases_;
  std::map<std::string, std::string> replicas_;  // replica id -> client endpoint (HELLO)
  VoterPool voters_;  // the voter lists of the proposals held; memory only, not state
  AuditLog audit_;
  std::size_t audit_keep_ = AuditLog::kDefaultKeep;  // in the meta record; 0 = off

  // An event made by apply(): recorded in the history when it is on, kept for take_events()
  // when events are on.
  void emit(std::string topic, Json data);
  std::vector<CoreEvent> events_;
  bool events_on_ = true;
  EventHistory history_;
  std::uint64_t event_epoch_ = 0;  // in the meta record; 0 until the first event
  std::uint64_t event_seq_ = 0;    // in the meta record: of the last event made
  std::unique_ptr<AppliedMetrics> metrics_ = std::make_unique<AppliedMetrics>();  // kept across reset()
  std::vector<std::string> decided_;
  std::set<std::uint64_t> dirty_;  // proposal numbers
  std::vector<std::uint64_t> erased_;  // record keys forgotten since the last drain
  bool meta_dirty_ = false;
};

}  // namespace orion::consensus
