// orion-scheduler's event loop: owns the client ROUTER, the agent ROUTER and the link to every
// registry (common/registry_link.h: announcements, the event buses), and drives a
// SchedulerCore over a Log.
//
// One turn of the loop: read every waiting message (bounded per socket), apply each to the
// core, tick the core, hand everything it changed to the group-commit writer as one batch,
// and hold the turn's replies, assignments and events until that batch (and every one before
// it) is durable. The loop serves the next turn while the writer fsyncs, and the writer folds
// all batches queued meanwhile into one transaction. So an acknowledgement always follows its
// fsync, nothing a client sees is ahead of the disk, and concurrent requests share fsyncs.
//
//   SchedulerService svc(options, clock);
//   if (auto s = svc.start(); !s) die(s.error());   // binds, recovers state from disk
//   std::thread t([&] { svc.run(); });
//   ... svc.stop(); t.join();
#pragma once

#include <atomic>
#include <deque>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/audit_log.h"
#include "common/event_history.h"
#include "common/clock.h"
#include "common/consensus_messages.h"
#include "common/http_endpoint.h"
#include "common/metrics_bind.h"
#include "common/peer_watch.h"
#include "common/policy.h"
#include "common/raft_config.h"
#include "common/registry_link.h"
#include "common/sockets.h"
#include "services/scheduler/consensus_link.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/early_assigns.h"
#include "services/scheduler/replica_entry.h"
#include "services/scheduler/limit_book.h"
#include "services/scheduler/namespace_book.h"
#include "services/scheduler/schedule_book.h"
#include "services/scheduler/service_logs.h"
#include "services/scheduler/workflow_manager.h"
#include "common/group_commit.h"

namespace orion::scheduler {

struct ServiceOptions {
  std::string bind_client = "tcp://127.0.0.1:7200";
  std::string bind_agent = "tcp://127.0.0.1:7201";
  std::vector<std::string> registries = {"tcp://127.0.0.1:7100"};  // announced to, each
  std::string advertise_host;      // host others use to reach us; empty = as bound
  std::string data_dir = "./data/scheduler";
  std::int64_t announce_ms = 1000; // re-announce to the registry this often
  CoreOptions core;
  // No peers: one replica, its state in data_dir/scheduler.db (SQLite, group commit). With 3 or
  // 5 peers: a Raft replica (service_replica.cpp), its log in data_dir/raft.
  RaftConfig raft;
  // The audit log (audit_trail.h, protocol.md section 15): on by default; off records nothing
  // (the records kept stay, listed as they are). It keeps the newest audit_keep records.
  bool audit = true;
  std::size_t audit_keep = AuditLog::kDefaultKeep;
  // The event history (protocol.md section 16): every event published, the newest `keep` no
  // older than `max_age_ms`; keep 0 = none (events are then built only when someone wants them).
  EventHistory::Bounds event_history{};
  // The HTTP endpoint for /metrics and /healthz (metrics_bind.h); off unless set.
  MetricsBind metrics{};
};

struct ServiceStats {
  std::uint64_t send_failures = 0;
  std::uint64_t bad_frames = 0;
  std::uint64_t assigns = 0, early_assigns = 0;  // ASSIGNs sent; those sent before their commit
};

class SchedulerService {
 public:
  SchedulerService(ServiceOptions options, const Clock& clock);
  ~SchedulerService();

  Status start();
  void run();   // until stop()
  void stop();  // thread-safe

  const std::string& client_endpoint() const { return client_ep_; }
  const std::string& agent_endpoint() const { return agent_ep_; }
  std::string metrics_endpoint() const { return metrics_url(http_, options_.metrics); }  // "" when off
  const ServiceStats& stats() const { return stats_; }
  std::uint64_t fsyncs() const { return commit_ ? commit_->fsyncs() : 0; }
  // A Raft replica that led and lost its leadership stops (run() returns) with this set: its
  // state may hold turns that never committed, so it must start again from its log. main()
  // starts the process again in place.
  bool restart_wanted() const { return restart_wanted_; }

 private:
  struct Reply {
    std::string identity;
    Envelope envelope;
  };
  // What one turn produced, sent once batch `batch` is committed.
  struct Held {
    std::uint64_t batch = 0;
    std::vector<Reply> client, agent;
    Outbox outbox;
    bool events_recorded = false;  // each outbox event's data is its EVENT body (record_events)
  };
  void turn(int poll_ms);
  void handle_client(Incoming& in);
  // The policy's answer for a request on task_id by principal, in the task's namespace.
  Status authorize_in_namespace(const std::string& principal, Action action, const std::string& task_id) const;
  // RETRY_PARKED, DISCARD_PARKED: by id, each task's namespace; by type, every namespace granted.
  Status authorize_parked(const std::string& principal, const std::vector<std::string>& task_ids) const;
  // Counts and logs a message that did not decode (stats_.bad_frames).
  void bad_frame(const char* socket, const Error& error);
  void handle_agent(Incoming& in);
  // The audit record of a request just handled (audit_trail.h), its reply (if any) at replies[at].
  void audit(const Incoming& in, const std::vector<Reply>& replies, std::size_t at);
  // A policy reload (SIGHUP) since the last turn, and the count of refusals not recorded.
  void audit_service_events();
  Envelope audit_list(const Envelope& request) const;
  // Events (service_events.cpp): with the history on, the turn's events numbered and recorded at
  // hold() (each EventOut's data becomes its EVENT body), sent at release(); EVENT_HISTORY.
  bool record_events(Outbox& out);  // false: the history is off, nothing numbered
  void publish(const Outbox::EventOut& event, bool recorded);
  Envelope event_history(const Envelope& request) const;
  // What each ANNOUNCE says (RegistryLink asks every announce_ms). A replicated scheduler adds
  // its replica id, role, term and indices here.
  AnnounceInfo announce_info() const;
  void on_discovery(const Discovery& d);
  void hold();
  void release();
  // The turn's ASSIGNs that may go before its batch is durable (early_assigns.h) go now; the
  // rest stay in `out`, held with the turn's answers.
  void send_early(Outbox& out);
  void handle_bus(const Event& ev);
  void handle_consensus(const Outbox::ToConsensus& request, const Result<Envelope>& answer);
  // Hands a turn's records to the log (GroupCommit, or a Raft entry); returns its number.
  std::uint64_t persist(LogBatch batch);
  // Numbered turns up to this one are durable.
  std::uint64_t committed() const;

  // ---- Raft replica (service_replica.cpp) ----
  Status start_replica();
  Status bind_and_link();  // start() and start_replica(): bind both sockets, start the registry link
  // Takes what the Raft log made ready: committed entries to apply, snapshots, failures.
  void take_log();
  void apply_entry(std::string_view bytes);
  Status apply_records(const LogBatch& records);
  void restore_snapshot(std::string_view state);
  // Role changes: a new leader sends its HELLO; a leader that lost its term stops (restart).
  void check_role();
  void promote();
  void deposed(const std::string& why);
  // True when this replica serves requests now (the single replica always does).
  bool serving() const { return !raft_ || serving_; }
  // Answers a request this replica does not serve: NOT_LEADER naming the leader's endpoint on
  // the same socket kind, or UNAVAILABLE while this leader cannot confirm its leadership.
  bool refuse(std::vector<Reply>& replies, const Incoming& in, bool agent_socket);
  // GET_REPLICA: this replica's role and progress (served by every replica, never redirected).
  Envelope replica_info(const Envelope& request) const;
  // GET /metrics and /healthz (service_metrics.cpp).
  HttpAnswer http(const HttpRequest& request) const;

  std::unique_ptr<RaftLog> raft_;
  std::uint64_t origin_ = 0;          // this process's mark on its entries (random per start)
  std::uint64_t own_applied_ = 0;     // our entries up to this number are committed and seen
  std::uint64_t hello_number_ = 0;    // our HELLO of this term, once sent
  bool serving_ = false;              // a leader whose HELLO applied: it serves
  bool restart_wanted_ = false;
  // Deposed with turns not known committed: the core may be ahead of the log, so it takes no
  // more entries and the process starts again from its log (execv) once the log has settled:
  // when an entry of the new leader is applied here (the new leader's truncation of our
  // uncommitted entries is on disk by then: restarting in the middle of one left libraft
  // files it refused to load), or at restart_deadline_ms_ (cut off: no new leader reaches us).
  bool restart_pending_ = false;
  std::int64_t restart_deadline_ms_ = 0;
  void restart_now(const char* why);
  // Raft asked for a snapshot while our own turns were in flight: the core is ahead of the log
  // then, so the answer waits until they are all applied (the state must be committed state).
  bool snapshot_wanted_ = false;
  void maybe_snapshot();
  RoleInfo role_;
  std::map<std::uint64_t, ReplicaAddress> replicas_;  // as they said in their HELLOs
  // CHANGE_REPLICAS requests handed to the log, by their change number.
  struct PendingChange {
    std::string identity, request_id;
    ChangeReplicas request;
  };
  std::map<std::uint64_t, PendingChange> changes_;
  std::uint64_t next_change_ = 0;
  void change_replicas(const Incoming& in);

  ServiceOptions options_;
  const Clock& clock_;
  zmq::context_t ctx_;
  zmq::socket_t client_, agent_;
  PeerWatch client_watch_;  // client connections that closed: their held waits are dropped
  PeerWatch agent_watch_;   // agent connections that closed: their sessions are no longer live
  // Every registry: announcements, our events onto every bus (the core builds only the events
  // some bus's subscribers want: registry_link_.subscriptions()), and the registry's
  // agent.down and consensus decisions heard from every bus, each once.
  RegistryLink registry_link_;
  std::string client_ep_, agent_ep_;
  std::unique_ptr<GroupCommit> commit_;
  std::uint64_t last_batch_ = 0;  // number of the latest batch handed to commit_
  LogBatch batch_records_;        // batch records of this turn's SUBMIT_BATCHes (batch_record.h)
  std::deque<Held> held_;
  EarlyAssigns early_;                  // ASSIGNs sent before their batch is durable
  std::vector<std::string> early_unreachable_;  // agents an early ASSIGN did not reach (release())
  SchedulerCore core_;
  ConsensusLink consensus_;  // consensus gates' requests to orion-consensus
  WorkflowManager workflows_{core_, clock_};  // workflows over core_ (after it: built from it)
  ScheduleBook schedules_{core_, workflows_, clock_};  // schedules: they submit through both
  // What loads, applies and snapshots the state takes beside the core and the workflows.
  LimitBook limits_{core_};  // limit rules: stored here, counted by the core
  NamespaceBook namespaces_{core_};  // namespace settings (the core holds them; this writes their records)
  ServiceLogs logs() { return {&audit_, &history_, &schedules_, &limits_, &namespaces_}; }
  std::vector<Reply> client_replies_, agent_replies_;
  // Kept in memory as stored, for AUDIT_LIST and snapshots; what a turn recorded goes out with
  // its records (hold). Only a serving replica records; a follower holds the leader's records.
  AuditLog audit_;
  RefusalBudget refusals_;
  // Every event published, as stored (a follower holds the leader's); see record_events().
  EventHistory history_;
  std::string audit_note_;  // set by a handler that knows more than the request says (a batch)
  std::atomic<bool> stopping_{false};
  ServiceStats stats_;
  HttpEndpoint http_;
};

}  // namespace orion::scheduler
