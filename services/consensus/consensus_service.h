// orion-consensus's event loop: owns the client ROUTER and the link to every registry
// (common/registry_link.h: announcements, the event buses), and drives a ConsensusCore over a CommandLog (LocalLog + SQLite records for
// one replica, RaftLog for 3 or 5).
//
// One turn: read waiting requests (bounded); turn each write (PROPOSE, VOTE, ACQUIRE_LEASE,
// RENEW_LEASE, RELEASE_LEASE) into a Command stamped with this replica's wall clock and append
// them all to the log at once; apply whatever the log says is ready, in order, answering the
// requests this replica appended; answer reads from the applied state; answer WAIT_PROPOSAL
// once its proposal is decided. With SQLite, what the turn changed goes to the group-commit
// writer and the turn's replies and events wait until it is durable; with Raft, a command is
// durable on a majority before it is applied, so they go out at once.
//
// Roles. A follower (or candidate) answers every request but GET_REPLICA with ERROR NOT_LEADER
// whose body names the leader's client endpoint (field `leader`, "" while unknown). A new leader
// first appends HELLO (its client endpoint, replicated to all): once that is applied, everything
// committed before it is applied too, and only then does it serve reads, check votes early,
// drive expiry and announce itself as leader. Only the leader (or the single replica) publishes
// events.
//
//   ConsensusService svc(config, clock);
//   if (auto s = svc.start(); !s) die(s.error());   // binds; recovers state or starts Raft
//   std::thread t([&] { svc.run(); });
//   ... svc.stop(); t.join();
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/group_commit.h"
#include "common/peer_quota.h"
#include "common/peer_watch.h"
#include "common/http_endpoint.h"
#include "common/registry_link.h"
#include "common/sockets.h"
#include "common/topic_subscriptions.h"
#include "common/command_log.h"
#include "services/consensus/consensus_config.h"
#include "services/consensus/consensus_core.h"
#include "services/consensus/vote_verifier.h"

namespace orion::consensus {

class ConsensusService {
 public:
  ConsensusService(ConsensusConfig config, const Clock& clock);
  ~ConsensusService();
  ConsensusService(const ConsensusService&) = delete;
  ConsensusService& operator=(const ConsensusService&) = delete;

  Status start();
  void run();                                  // until stop()
  void stop() noexcept { stopping_.store(true); }  // any thread, or a signal handler

  const std::string& client_endpoint() const { return client_ep_; }
  // The ready file: {"client": ..., "replica": ...}
  std::string ready_json() const;
  std::uint64_t send_failures() const { return send_failures_; }

 private:
  struct Pending {  // a command this replica appended, waiting to be applied
    std::string identity, request_id;
    MsgType type = MsgType::UNKNOWN;
  };
  struct Waiter {  // a WAIT_PROPOSAL held until its proposal is decided or deadline_ms
    std::string identity, request_id, proposal_id;
    std::int64_t deadline_ms = 0;  // monotonic
  };
  // An accepted write, waiting for the writes before it and, for a vote, for its signature
  // check on the verifier's thread (the leader logs writes in the order they arrived).
  struct Staged {
    Staged(CommandKind k, std::string id, std::string rid, std::string b, MsgType t)
        : kind(k), identity(std::move(id)), request_id(std::move(rid)), body(std::move(b)), type(t) {}
    CommandKind kind = CommandKind::UNKNOWN;
    std::string identity, request_id;
    std::string logged_id;  // the command's request id when not request_id (PROPOSE: logged_request_id)
    std::string body;  // the command's body, msgpack
    MsgType type = MsgType::UNKNOWN;
    bool signature_checked = false;  // the command's flag: true once verify_id's verdict is good
    std::string principal;           // the request's (audit log)
    std::uint64_t verify_id = 0;     // its VoteVerifier job, 0 = nothing to wait for
    std::shared_ptr<Propose> propose;  // the body, read (PROPOSE)
    std::shared_ptr<Vote> vote;        // the body, read (VOTE)
  };
  // A command this replica appended, as appended: bytes and read body (see apply_ready).
  struct Own {
    std::string bytes;
    Command command;
  };
  struct Out {
    std::string identity;
    Envelope envelope;
  };
  struct Held {  // a turn's output, sent once batch `batch` is durable
    std::uint64_t batch = 0;
    std::vector<Out> replies;
    std::vector<CoreEvent> events;
  };

  void turn();
  void check_role();
  void maybe_hello();
  void handle(Incoming& in);
  void handle_write(const Incoming& in, const Envelope& e);
  void handle_read(const Incoming& in, const Envelope& e);
  void append(Staged st);
  void log_command(Staged st);
  void take_verdicts();
  void flush_staged();
  void refused_vote(const Vote& v, const Error& error);
  // Log the first ten of a kind, then one in a thousand.
  static bool sampled(std::uint64_t count) { return count <= 10 || count % 1000 == 0; }
  void maybe_tick();
  void apply_ready();
  void answer_waiters();
  void fail_pending(const Error& error);
  void finish_turn();
  void release();
  // What each ANNOUNCE says: the client endpoint, replica id, role, term and applied index.
  AnnounceInfo announce_info() const;
  void reply(const std::string& identity, Envelope envelope) { replies_.push_back({identity, std::move(envelope)}); }
  void reply_error(const std::string& identity, const std::string& request_id, const Error& error);
  // ---- Audit log (service_audit.cpp): what the core records from the commands, plus an AUDIT
  // command for each refusal made before the log (the first 100 a second), membership change and
  // policy reload, appended by the serving leader.
  std::size_t audit_keep() const { return config_.audit ? static_cast<std::size_t>(config_.audit_keep) : 0; }
  void log_audit(const std::string& principal, std::string action, std::string target, std::string outcome,
                 std::string detail);
  void audit_refused(const Incoming& in, std::size_t reply_at);
  void audit_service_events();
  Envelope audit_list(const Envelope& request) const;
  RefusalBudget refusals_;
  void publish(const CoreEvent& event);
  bool leading() const { return role_.role == Role::LEADER || role_.role == Role::SINGLE; }
  ReplicaInfo replica_info() const;
  // GET /metrics and /healthz (service_metrics.cpp).
  HttpAnswer http(const HttpRequest& request) const;
  HttpEndpoint http_;

  const ConsensusConfig config_;
  const Clock& clock_;
  zmq::context_t ctx_;
  zmq::socket_t client_;
  PeerWatch client_watch_;  // connections that closed: their held WAIT_PROPOSALs are dropped
  std::string client_ep_;
  // Every registry: announcements, and our events onto every bus whose subscribers want them.
  RegistryLink registry_link_;
  std::unique_ptr<CommandLog> log_;
  std::unique_ptr<GroupCommit> commit_;  // SQLite records; single replica only
  ConsensusCore core_;

  RoleInfo role_;
  // True while this replica may serve: the single replica always; a leader once its HELLO of
  // this term is applied (so its state holds everything committed before its term).
  bool ready_ = false;
  std::string origin_;             // this incarnation: replica id + random suffix
  std::uint64_t next_seq_ = 1;
  std::uint64_t hello_seq_ = 0;    // the HELLO of the current leadership, 0 = none pending
  std::uint64_t tick_seq_ = 0;     // the TICK in flight, 0 = none
  std::map<std::uint64_t, Pending> pending_;
  // CHANGE_REPLICAS requests handed to the log, by their change number.
  struct PendingChange {
    std::string identity, request_id, principal;
    ChangeReplicas request;
  };
  std::map<std::uint64_t, PendingChange> changes_;
  std::uint64_t next_change_ = 0;
  void change_replicas(const Incoming& in, const Envelope& e);
  std::vector<std::pair<std::uint64_t, std::string>> commands_;  // this turn's, not yet appended
  // Our PROPOSE and VOTE commands not yet applied, in the order appended. Invariant: in log
  // order, seq increasing; an applied entry equal byte for byte to the front is that command.
  std::deque<Own> own_;
  // Signature checks off the service thread (vote_verifier.h). Invariant: staged_ is in arrival
  // order, and its front is waiting for a verdict (else flush_staged() would have logged it)
  // at the end of every turn; verdicts_ holds verdicts of jobs >= first_live_job_ only.
  std::unique_ptr<VoteVerifier> verifier_;
  std::deque<Staged> staged_;
  std::vector<VoteVerifier::Job> jobs_;     // this turn's, not yet submitted
  std::map<std::uint64_t, bool> verdicts_;  // job -> signature good, not yet used
  std::uint64_t next_job_ = 1;
  std::uint64_t first_live_job_ = 1;        // older jobs' requests were answered already
  std::multimap<std::string, Waiter> waiters_;  // by proposal id
  // Invariant: one hold (of one unit) per entry of waiters_, under its identity.
  PeerQuota wait_quota_{kWaitLimits};
  // WAIT_PROPOSAL held per connection and in all (protocol.md section 9).
  static constexpr PeerQuotaLimits kWaitLimits{1'000, 1'000, 100'000, 100'000};
  void drop_waiters(const std::string& identity);

  std::vector<Out> replies_;
  std::vector<CoreEvent> turn_events_;
  std::deque<Held> held_;
  std::uint64_t last_batch_ = 0;

  std::uint64_t send_failures_ = 0;
  std::uint64_t refused_votes_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace orion::consensus
