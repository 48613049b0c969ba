// The scheduler's state machine: tasks, their dependency graph, the ready queues, the
// attached agents and their leases. Single-threaded and free of sockets and disk: the service
// feeds it decoded messages and clock ticks, then persists what it marked dirty, and only
// after that commit sends what it queued in its outbox. Tests drive it with a ManualClock.
//
//   SchedulerCore core(clock, {});
//   auto ok = core.submit("req-1", spec);        // Result<SubmitOk>
//   core.attach("ident", agent_spec);
//   core.tick();                                  // timers, then dispatch
//   for (auto& m : core.outbox().to_agents) ...   // ASSIGN to the agent
//
// Task lifecycle: which state changes are allowed is the table kTransitions in task_lifecycle.h
// (code, checked by transition(), through which every change goes). What the core does with
// each (cause: actions):
//   SUBMIT             indexed; waits on unmet dependencies (and its gate), or joins its class's queue
//   (a dependency COMPLETED, a gate APPROVED: no state change) the last one met queues it
//   ASSIGN             dispatch found an agent: attempt+1, lease, ASSIGN with the deps' outputs
//   START              first TASK_PROGRESS of the attempt (not durable by itself)
//   RESULT_OK          output kept; dependants whose last dependency it was are queued
//   RETRY              slot freed; due again after the backoff (ReadyQueues: the retry wait)
//   RESULT_FAILED, TIMEOUT (CANCEL_TASK to the agent), UNSCHEDULABLE, INPUT_UNRESOLVED,
//   GATE_CLOSED, CANCEL (CANCEL_TASK if leased)       dependants cascade: DEPENDENCY_FAILED
//   FENCED             agent lost, detached, re-attached without the attempt, or its adopted
//                      lease unclaimed at the grace's end: re-queued keeping its place (ready_ms)
//   REOPEN             RETRY_WORKFLOW: reset in place (error, output, failures), attempt kept
// No state change: an agent re-attaching with the attempt keeps the lease and its deadline;
// adopt_leases keeps leases for a grace at a start; a late or stale result is answered
// accepted=false.
//
// What an agent holds (AgentSession::running, ::stale). An attempt an agent reports (ATTACH or
// AGENT_HEARTBEAT `running`) that is not leased to it (fenced, re-queued, ended, leased to another,
// an older attempt) is stale: it is sent CANCEL_TASK once and takes one of the agent's slots
// until the agent reports it gone (a later report without it, or its TASK_RESULT, answered
// accepted=false). An attempt the scheduler times out or cancels on an agent that reports what it
// holds is stale from then on too. So an agent is never given more work than its capacity while
// attempts it can no longer finish still run on it.
//
// Queue order: each ready task has a key ready_ms - effective_priority * ageing_ms, served
// lowest first (then by seq). A task of priority p therefore overtakes one of priority p+1
// that became ready more than ageing_ms later: LOW work waits at most 4 * ageing_ms behind a
// steady stream of URGENT work. Ready tasks are queued per class (same capabilities and
// exclusions), so a class no agent can serve costs one check per dispatch, not one per task.
//
// Attempt numbers. An ASSIGN may reach its agent before the records of its turn are durable
// (SchedulerService::hold: the agent works while the commit is on its way), but never two
// attempts of one task at once: the ASSIGN of an attempt goes early only when the record of the
// task's previous assignment is durable, and a task's own record, when not durable, only below
// the durable seq_floor(). So an agent holds at most one attempt past the durable one, and the
// first assignment after a restart or a change of leader skips one number (skip_attempt) and
// waits for its commit: no attempt number is ever leased twice, and no task id is reused.
//
// Parts, each owning its data and checking its own invariants (check_invariants() runs theirs):
// ReadyQueues (ready_queues.h: the ready queues and the retry wait), Waiters (waiters.h: held
// WAIT_TASK / WAIT_TASKS), BatchLedger (batch_ledger.h: SUBMIT_BATCH's books), ConsensusGates
// (consensus_gates.h: undecided gates and their proposals), AgentPool
// (agent_pool.h: attached agents), LiveStats (live_stats.h: SCHEDULER_STATS counts). The core
// holds the task table and orchestrates: every task state change goes through transition().
#pragma once

#include <cstdint>
#include <array>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/agent_claim.h"
#include "common/clock.h"
#include "common/consensus_messages.h"
#include "common/envelope.h"
#include "common/limit_messages.h"
#include "common/namespace_messages.h"
#include "common/peer_quota.h"
#include "common/topic_subscriptions.h"
#include "common/stats_messages.h"
#include "services/scheduler/agent_pool.h"
#include "services/scheduler/batch_entries.h"
#include "services/scheduler/batch_ledger.h"
#include "services/scheduler/consensus_gates.h"
#include "services/scheduler/key_limits.h"
#include "services/scheduler/limit_waits.h"
#include "services/scheduler/live_stats.h"
#include "services/scheduler/ready_queues.h"
#include "services/scheduler/task_lifecycle.h"
#include "services/scheduler/task_record.h"
#include "services/scheduler/task_table.h"
#include "services/scheduler/waiters.h"

namespace orion::scheduler {

struct CoreOptions {
  std::int64_t heartbeat_ms = 1000;          // agents heartbeat this often
  std::int64_t liveness = 3;                 // an agent unheard for heartbeat_ms * liveness is lost
  std::size_t max_waiters = 100'000;         // WAIT_TASK / WAIT_TASKS requests held in all
  std::int64_t ageing_ms = 10'000;           // waiting this long is worth one priority level
  std::int64_t unschedulable_timeout_ms = 0; // default for tasks that do not set it; 0 = never
  // A terminal task (with its output, request id and idempotency key) is kept this long after
  // it ended, unless its spec sets result_ttl_ms; then it expires (core_retention.cpp).
  std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // 7 days
  std::size_t expire_slice = 1000;           // removals per tick at most (retained records)
  // Held waits per connection (routing id), and task ids named by held waits (one per
  // WAIT_TASK) per connection and in all. Past a bound: UNAVAILABLE (protocol.md section 9).
  std::size_t max_waiters_per_peer = 1'000;
  std::size_t max_wait_ids_per_peer = 100'000;
  std::size_t max_wait_ids = 1'000'000;
  // A secret the consensus gates' PROPOSE request ids are keyed with, so that nobody without it
  // can predict them (the service's CURVE secret key, which its replicas share); "" without
  // security: the ids are then readable (gate-<task>-<created_ms>).
  std::string gate_key{};
};

// Messages the core wants sent once the current batch is durable.
struct Outbox {
  struct ToPeer {
    std::string identity;
    std::string agent_id;  // for agent messages, so a failed send can expire the agent
    Envelope envelope;
    // ASSIGN only: its task, and whether it may go before its turn's records are durable (false
    // for an assignment that skipped an attempt number: Attempt numbers, below).
    std::uint64_t seq{};
    bool early{};
  };
  struct EventOut {
    std::string topic;
    std::string data;  // msgpack map: the event's data
  };
  std::vector<ToPeer> to_agents;
  std::vector<ToPeer> to_clients;  // answers to WAIT_TASK
  std::vector<EventOut> events;
  // Requests to orion-consensus for consensus gates; the service sends them and feeds the
  // answers back (gate_proposed, gate_decided, gate_refused).
  struct ToConsensus {
    std::string gate_id;
    std::string request_id;  // the same on every try of one request
    MsgType type;            // PROPOSE or GET_PROPOSAL
    Json body;
  };
  std::vector<ToConsensus> to_consensus;
  void clear() { to_agents.clear(), to_clients.clear(), events.clear(), to_consensus.clear(); }
};

// A batch accepted without a record per task (submit_batch with an intake): what the service
// stores beside the SUBMIT_BATCH body as one batch record (batch_record.h), from which
// restore_batch() makes its tasks again. Its new tasks have seqs first..last.
struct BatchIntake {
  std::string request_id;
  std::int64_t created_ms = 0;      // wall clock: every task of the batch was created then
  std::uint64_t first = 0, last = 0;
  std::vector<std::uint64_t> seqs;  // per entry, in entry order: the seq of its task (new, or an idempotent hit)
  bool recorded = false;            // false: a gated batch, written a record per task as usual
};

// The seq of task id "t<seq>", or nullopt when `id` is not a task id.
std::optional<std::uint64_t> parse_task_seq(const std::string& id);

class SchedulerCore {
 public:
  SchedulerCore(const Clock& clock, CoreOptions options);

  // Puts stored tasks back at start-up, in any order; then finish_restore() links the graph,
  // queues what is ready and adopts the leases of tasks that were ASSIGNED or RUNNING
  // (adopt_leases, for heartbeat_ms * liveness).
  void restore(TaskRecord record);
  void finish_restore();
  // Keeps every lease that no attached agent's session holds (after a restart, or when a replica
  // takes over as leader) for grace_ms: the task stays ASSIGNED or RUNNING on its agent with its
  // attempt and its deadline (assigned_ms + timeout, on the wall clock). When the agent attaches
  // within the grace and reports the attempt in `running`, the lease is its again and its result
  // is accepted; an attempt it does not report is fenced off and re-queued at once. At the end of
  // the grace (tick), the leases no agent claimed are fenced off and re-queued (attempt+1). Its
  // result, should it come first, is accepted like any leased attempt's. O(tasks), once.
  void adopt_leases(std::int64_t grace_ms);
  // The same for these tasks only (a promoted follower knows which are leased).
  void adopt_leases(const std::vector<std::uint64_t>& seqs, std::int64_t grace_ms);

  // ---- Hot standby (core_standby.cpp). A follower replica applies each record the leader
  // wrote, in commit order, as it commits: the task table, the indexes (request ids,
  // idempotency keys), the dependency links and the ready queues stay as the leader's are, so a
  // promoted follower serves at once. Nothing is sent and nothing is marked dirty.
  //
  // The task as the leader wrote it (task_codec.h): created, or replacing the one held.
  void apply_record(TaskRecord record);
  // A batch record (batch_record.h): its tasks not held yet are made as restore_batch makes
  // them, and linked. INTERNAL when it does not fit the tasks held.
  Status apply_batch_record(const BatchIntake& intake, BatchEntries& entries);
  Status apply_batch_record(const BatchIntake& intake, std::vector<BatchEntry> entries);
  // This replica became the leader: open its consensus gates and start dispatching. Tasks
  // leased (ASSIGNED, RUNNING) by the previous leader keep their lease for one liveness window
  // (heartbeat_ms * liveness), as after a restart (adopt_leases).
  void promote();
  // This leader lost its term with every change it made committed: its tasks are the
  // committed state, so it stays up as a follower. What only a leader holds goes (agent
  // sessions, waits, adopted leases, gates, the outbox); the leased and gated sets a promotion
  // needs are taken again from the tasks (O(tasks), once).
  void demote();

  // Accepts a validated spec; the same request id or idempotency key returns the first task.
  Result<SubmitOk> submit(const std::string& request_id, TaskSpec spec);
  // All or nothing: a bad entry or a cycle refuses the whole batch and changes nothing.
  // `gate`, when enabled, holds every task of the batch until one proposal is approved.
  //
  // With `intake`, a new batch is answered through it: intake->seqs names each entry's task and
  // the returned task_ids map is left empty (building it costs a 100,000-task batch 40 ms). When
  // the batch has no consensus gate and creates tasks, intake->recorded is set and its new tasks
  // are not marked for a record each: the caller writes one batch record (intake + the request's
  // body) in this turn's commit. A task's own record supersedes its batch record from its first
  // change on; drain_spent_batches names the batch records that no task needs any more. A
  // retried batch (duplicate) is answered in task_ids, with intake->seqs empty.
  Result<SubmitBatchOk> submit_batch(const std::string& request_id, std::vector<BatchEntry> entries,
                                     const ConsensusGate& gate = {}, BatchIntake* intake = nullptr);
  // submit_batch in two steps, for a service that answers a large batch once it is durable,
  // before every task of it is made: accept_batch validates it all (a refusal changes nothing)
  // and hands out its seqs; apply_batches(n) then makes up to n of its tasks per call, in
  // dependency order, and says whether any are left. While applying() the caller must feed the
  // core nothing else: every later command must see the whole batch.
  Result<SubmitBatchOk> accept_batch(const std::string& request_id, std::vector<BatchEntry> entries,
                                     const ConsensusGate& gate = {}, BatchIntake* intake = nullptr);
  bool apply_batches(std::size_t max_tasks);
  bool applying() const { return books_.applying(); }
  // At start-up, after every task record was restored: makes again, from a batch record, each
  // of its tasks that has no record of its own (exactly as submit_batch made them), each spec
  // read straight into its task's record (batch_entries.h). INTERNAL when the record does not
  // fit the tasks held or an entry does not read (a corrupt store); the core is then as before.
  Status restore_batch(const BatchIntake& intake, BatchEntries& entries);
  Status restore_batch(const BatchIntake& intake, std::vector<BatchEntry> entries);
  // At start-up: the idempotent hits of a batch accepted before (BatchHits), in any order.
  void restore_batch_hits(BatchHits hits);
  Result<CancelOk> cancel(const Cancel& request);
  Result<ReprioritizeOk> reprioritize(const Reprioritize& request);
  Result<TaskList> list(const ListTasks& request) const;
  // The task with why it is where it is; NOT_FOUND for an unknown id.
  Result<TaskView> get(const std::string& task_id) const;
  // Why a PENDING task waits (its gate, its dependencies, a retry's pause, the agents): get()'s
  // reason, and a workflow step's.
  std::string explain_pending(const TaskRecord& t) const;
  // Answers now (returns the view) when the task is terminal or timeout_ms is 0; otherwise holds
  // the request and answers through the outbox when it ends or the timeout passes.
  Result<std::optional<TaskView>> wait(const std::string& identity, const std::string& request_id,
                                       const WaitTask& request);
  // WAIT_TASKS: answers now (the views, in the order asked) when every task is terminal or
  // timeout_ms is 0; otherwise holds one request for all of them, answered through the outbox
  // (a packed TASK_LIST) when the last one ends or the timeout passes.
  Result<std::optional<std::vector<TaskView>>> wait_all(const std::string& identity, const std::string& request_id,
                                                        const WaitTasks& request);
  // Forgets every WAIT_TASK / WAIT_TASKS held for `identity` (its connection closed): nothing is
  // answered. Returns how many were dropped.
  std::size_t drop_waiters(const std::string& identity);
  const PeerQuota& wait_quota() const { return waiters_.quota(); }

  // `running`: what the agent holds (ATTACH `running`), or nullptr when it did not say. Its
  // leased attempts that it reports keep their lease (at most its capacity); its other leases are
  // fenced off and re-queued; reported attempts not leased to it become stale (CANCEL_TASK, a slot
  // each until reported gone). nullptr: a new connection fences every lease of the agent, as an
  // agent that reports nothing may have lost them all.
  AttachOk attach(const std::string& identity, const AgentSpec& spec, const std::vector<TaskRef>* running = nullptr);
  // ATTACH as the service takes it: the identity rule (common/agent_claim.h) first, with the
  // policy in force (nullptr: no CURVE). PERMISSION_DENIED when another key holds the id,
  // ALREADY_EXISTS when it is live under another instance token (live: attached, heard within
  // heartbeat_ms x liveness, its connection not known closed); nothing changes then. Accepted:
  // attach() above; the session keeps the claim's token, and a claim with a principal holds the
  // id from now on (its binding written in this turn's commit: drain_holders).
  Result<AttachOk> attach(const std::string& identity, const AgentSpec& spec, const std::vector<TaskRef>* running,
                          const AgentClaim& claim, const Policy* policy);
  // The agent connection `identity` closed: its session, if any, is no longer live for the
  // identity rule (its leases stay until its liveness window passes or it attaches again).
  void connection_gone(const std::string& identity);
  // Who holds which agent id (rule 1 of agent_claim.h). Bindings changed since the last call, once
  // each: fn(number, agent_id, principal); the caller stores them (agent_holder_record.h).
  const AgentHolders& holders() const { return holders_; }
  template <class Fn>
  void drain_holders(Fn&& fn) {
    for (const auto& id : dirty_holders_) {
      if (auto it = holders_.all().find(id); it != holders_.all().end()) fn(it->second.number, id, it->second.principal);
    }
    dirty_holders_.clear();
  }
  // A stored binding: at start-up, and on a hot standby applying the leader's record.
  void restore_holder(std::uint64_t number, const std::string& agent_id, const std::string& principal) {
    holders_.restore(number, agent_id, principal);
  }
  // NOT_FOUND when the agent is unknown: it must ATTACH again. Its `running` updates the stale
  // attempts: those it no longer reports are gone, those it reports that are not leased to it
  // are stale from now.
  Status heartbeat(const std::string& identity, const AgentHeartbeat& hb);
  void detach(const std::string& agent_id);
  // No new work for the agent; it is told (DRAIN) to finish what it runs and leave. NOT_FOUND
  // when no such agent is attached.
  Result<DrainAgentOk> drain(const DrainAgent& request);
  // Every agent seen since start-up, attached or not, by id.
  AgentStatsOk agent_stats() const;
  void progress(const TaskProgress& p);
  ResultOk result(const TaskResult& r);
  // The registry published agent.down for it: a hint to look now, never the verdict (anyone
  // who can reach the bus can publish it). The agent is fenced only when this scheduler's own
  // liveness says it is lost (unheard for heartbeat_ms x liveness; leases adopted at start-up:
  // their grace is over), which the next tick would find as well.
  void agent_down(const std::string& agent_id);
  // The send of a message to this agent failed: its connection is gone.
  void agent_unreachable(const std::string& agent_id);

  // Consensus gates (core_gates.cpp). orion-consensus accepted the gate's proposal; a
  // proposal was decided ("APPROVED", "REJECTED", "EXPIRED"; anything else is ignored); it
  // refused the proposal (the gate's tasks end CANCELLED with the error).
  void gate_proposed(const std::string& gate_id, const std::string& proposal_id);
  // The outcome as orion-consensus's leader answered it (PROPOSE_OK, PROPOSAL_INFO): never
  // from an event, which anyone on the bus could have sent.
  void gate_decided(const std::string& proposal_id, const std::string& outcome);
  // A `proposal.decided` event named this proposal: a hint only. The gate asks the leader
  // (GET_PROPOSAL) at the next tick and acts on its answer.
  void gate_hint(const std::string& proposal_id);
  void gate_refused(const std::string& gate_id, const Error& error);
  std::size_t open_gates() const { return gates_.size(); }

  // Expires lost agents, timed-out tasks, due retries, unschedulable tasks and waits; then
  // assigns ready tasks; then expires retained records (expire_retained).
  void tick();

  // ---- Retention (core_retention.cpp). A terminal task expires retention_ms (or its spec's
  // result_ttl_ms) after it ended (finished_ms, wall clock): it is removed with its output, its
  // request id and its idempotency key, and leaves the SCHEDULER_STATS counts. A task something
  // still needs is kept until that ends, then expires as soon as it is due: a dependant not yet
  // terminal, a WAIT_TASKS still held, an undecided consensus gate, a batch record that still
  // makes other tasks of its batch at a restart, or a hold (hold(): a workflow's steps).
  // Expired ids answer NOT_FOUND "... has expired" (ids below the next seq no task holds).
  //
  // Removes the due records, oldest due first: at most options_.expire_slice removals and
  // 2 * expire_slice entries of the expiry index examined per call, so a turn with a million due
  // tasks costs about 1 ms and the rest follow on the next turns. Due order comes from an index
  // ordered by due time: O(log n) per removal, no scan. Returns the number removed.
  std::size_t expire_retained();
  // Keeps these tasks past their expiry until release_hold (a workflow's steps live as long as
  // the workflow does). Seqs of tasks not held yet are fine: a restore may tell of them first.
  void hold(const std::vector<std::uint64_t>& seqs);
  // The holder let go of these tasks: each expires when it is due (at once if overdue).
  void release_hold(const std::vector<std::uint64_t>& seqs);
  // What expired since the last call, once each: the seq of each task and the id of each
  // BatchHits record. The caller deletes their records in this turn's commit.
  template <class TaskFn, class HitsFn>
  void drain_expired(TaskFn&& task, HitsFn&& hits) {
    for (auto seq : expired_tasks_) task(seq);
    expired_tasks_.clear();
    books_.drain_expired_hits(hits);
  }
  // Hot standby: the leader expired this task (its record's deletion) or BatchHits record (by id).
  void apply_task_expiry(std::uint64_t seq);
  void apply_hits_expiry(std::uint64_t id);
  // Ids are never handed out twice, also once the newest tasks expired and the process
  // restarted: the next seq is stored (retention_mark.h) and restored with this.
  std::uint64_t next_seq() const { return next_seq_; }
  void restore_next_seq(std::uint64_t next) { next_seq_ = std::max(next_seq_, next); }
  // Seqs below the floor may have been handed out (the retention mark stores it, so a restart or
  // a new leader starts its seqs there): raised by the service ahead of next_seq(), written
  // before an ASSIGN of a task whose own record is not durable yet may go out.
  std::uint64_t seq_floor() const { return std::max(seq_floor_, next_seq_); }
  void raise_seq_floor(std::uint64_t floor) { seq_floor_ = std::max(seq_floor_, floor); }
  // True for a task id that was handed out and whose task expired.
  bool expired_id(const std::string& task_id) const;
  // A standby decides no expiry of its own: what its applying noted is dropped, not written.
  void discard_expired() { expired_tasks_.clear(), books_.discard_expired_hits(); }
  // Entries of the expiry index (due or not), for tests of its bound.
  std::size_t expiry_index_size() const { return expiry_.size(); }

  // Every task changed since the last call, once each.
  template <class Fn>
  void drain_dirty(Fn&& fn) {
    for (auto seq : dirty_) {
      TaskRecord& t = tasks_.at(seq);
      if (t.in_batch_record) written_alone(t);
      fn(t);
    }
    dirty_.clear();
  }
  // The first seq of each batch record that no task needs any more (every task of it has a
  // record of its own, written with the same commit): the caller deletes them. Once each.
  template <class Fn>
  void drain_spent_batches(Fn&& fn) {
    books_.drain_spent(fn);
  }
  // The BatchHits of each batch accepted since the last call: the caller stores each, with the
  // batch, in this turn's commit. Once each.
  template <class Fn>
  void drain_batch_hits(Fn&& fn) {
    books_.drain_new_hits(fn);
  }
  // Every BatchHits held, with its record's id (a snapshot's: the leader deletes a record by id).
  template <class Fn>
  void each_batch_hits(Fn&& fn) const {
    books_.each_hits(fn);
  }
  Outbox& outbox() { return outbox_; }
  // Task events are built only for topics some subscriber wants (nullptr: every topic). The
  // service passes its XPUB's view; events are news, so skipping one changes no state.
  void set_event_subscriptions(const TopicSubscriptions* subscriptions) { subscriptions_ = subscriptions; }

  std::size_t task_count() const { return tasks_.size(); }
  const CoreOptions& options() const { return options_; }
  // Every task held, by seq.
  const TaskTable& tasks() const { return tasks_; }
  // SCHEDULER_STATS (core_stats.cpp), from counts kept as tasks change (live_stats.h) and from
  // the ready queues: O(task types + queue classes), not a pass over the tasks. The counts equal
  // task_stats(tasks(), now_ms)'s; its percentiles are within 1% of the exact ones.
  SchedulerStatsOk stats(std::int64_t now_ms) const;
  // The same for one namespace (ns not ""): total, by_state and waiting are its own; by_priority
  // and types are left empty (not kept per namespace). by_namespace holds it alone.
  SchedulerStatsOk stats(std::int64_t now_ms, const std::string& ns) const;

  // ---- Namespaces (core_namespaces.cpp; protocol.md section 19). Settings per namespace: the
  // fair share weight dispatch uses (fair_share.h) and the default of on_exhausted for its tasks
  // that leave it out. Set by the leader's NamespaceBook (namespace_book.h) and by the records it
  // wrote (start-up, hot standby), so every replica holds the same. Fair share itself (the
  // passes, the slots served) is the serving leader's own and starts afresh at each promotion.
  struct NamespaceSettings {
    double weight = FairShare::kDefaultWeight;
    bool park = false;  // its tasks that leave on_exhausted out are PARKED when their retries are spent
  };
  // INVALID_ARGUMENT for a bad name or weight (nothing changes).
  Status set_namespace(const std::string& ns, const NamespaceSettings& settings);
  void reset_namespace(const std::string& ns);
  const std::map<std::string, NamespaceSettings>& namespace_settings() const { return ns_settings_; }
  // The view of one namespace (its settings, its live counts, its slots); configured or not.
  NamespaceView namespace_view(const std::string& ns) const;
  // Every namespace configured or holding tasks, by name, at most kMaxNamespacesListed (*more
  // set when some were left out).
  std::vector<NamespaceView> namespace_views(bool* more) const;
  // Whether a task whose retries are spent is PARKED: its own on_exhausted, else its namespace's.
  bool parks(const TaskSpec& spec) const {
    if (!spec.on_exhausted.empty()) return spec.on_exhausted == "park";
    auto it = ns_settings_.find(spec.ns);
    return it != ns_settings_.end() && it->second.park;
  }
  const LiveStats& live_stats() const { return live_; }
  const FairShare& fair_share() const { return share_; }
  // Queue waits and run times of the tasks this core assigned and ended (its /metrics histograms).
  const TaskTimings& timings() const { return live_.timings(); }
  std::size_t ready_count() const { return ready_.size(); }
  const AgentSession* agent(const std::string& agent_id) const { return pool_.find(agent_id); }
  AgentPool& pool() { return pool_; }

  // Checks every invariant documented on the members; returns the first broken one.
  Status check_invariants() const;

  // ---- Workflow commands (workflow_manager.h drives them; bodies in core_workflow_commands.cpp).
  // Workflows are a client of the core: they tell it what it needs (hold, resolve_input_from,
  // reopen) and learn what changed from drain_dirty; the core never calls into them.
  //
  // The steps of one workflow by name, shared by its steps' entries: what ${steps.NAME...}
  // in a step's input names.
  struct StepTable {
    std::string workflow_id;
    std::vector<std::string> names;                          // by step index
    std::map<std::string, std::uint64_t, std::less<>> seqs;  // step name -> its task's seq
  };
  // Task `seq` is step `step` of `steps`, and its input may reference other steps' outputs: at
  // each assignment the references are resolved from those steps' outputs (each COMPLETED by
  // then, as dependencies) and the resolved input is sent instead of the spec's. One that cannot
  // be resolved fails the task (FAILED, INPUT_UNRESOLVED, "workflow W step S: ...") and its
  // dependants cascade, instead of assigning it. Kept until the task is erased.
  void resolve_input_from(std::uint64_t seq, std::shared_ptr<const StepTable> steps, std::size_t step);
  // Re-opens ended tasks in place, all or nothing (RETRY_WORKFLOW): each must be FAILED,
  // CANCELLED or TIMEOUT, and each of its dependencies COMPLETED, not ended, or re-opened too.
  // A re-opened task is PENDING again with its error, output, failures and retry budget reset
  // and its attempt count kept, so its next assignment is attempt+1 (a late result of an old
  // attempt stays fenced off). FAILED_PRECONDITION or NOT_FOUND, changing nothing, otherwise.
  Status reopen(const std::vector<std::string>& task_ids, const std::string& why);
  // The task with this seq, or nullptr.
  const TaskRecord* task(std::uint64_t seq) const;

  // ---- Dead letters (core_parked.cpp). A task whose retries are spent and whose spec says
  // on_exhausted "park" is PARKED (RETRIES_EXHAUSTED) with its last error, instead of FAILED. It
  // holds no slot and is not terminal: its dependants keep waiting, a workflow it is a step of
  // stays RUNNING, it never expires. It leaves only by:
  //   retry_parked    PARKED_RETRY: PENDING and queued again; failures reset to 0 (the full retry
  //                   budget again), error cleared (kept in its history), attempt kept (the next
  //                   assignment is attempt + 1, so a late result of an old attempt stays fenced)
  //   discard_parked  DISCARD: CANCELLED, error "discarded: ..." with the last error; dependants
  //                   cascade as after a CANCEL (a CANCEL of a parked task is a discard too)
  // Either takes task ids (all PARKED, or nothing changes: NOT_FOUND, FAILED_PRECONDITION) or a
  // type (every parked task of it, at most kMaxWaitTasks per call; `more` when some are left);
  // INVALID_ARGUMENT for both or neither.
  Result<RetryParkedOk> retry_parked(const RetryParked& request);
  Result<DiscardParkedOk> discard_parked(const DiscardParked& request);
  std::size_t parked_count() const { return parked_.size(); }
  std::optional<std::uint64_t> seq_of(const std::string& task_id) const { return lookup(task_id); }

  // ---- Limits (core_limits.cpp; key_limits.h, protocol.md section 18). A task with limit keys
  // starts only while every key's rule allows one more: dispatch checks the head of a queue, and
  // a task a limit holds leaves its queue for the limit wait (limit_waits.h) with its reason, so
  // it never blocks other work. transition() acquires the keys when a task becomes ASSIGNED and
  // releases them whenever it stops being ASSIGNED or RUNNING (result, retry, fencing, timeout,
  // cancel, parking), so no count can leak; a release takes the key's first waiting task back to
  // its queue, and so does the key's next token (tick). A new term (adopt_leases: a start, a
  // promotion) counts the leased tasks again (no token taken) and starts every bucket empty.
  // Rules (not durable here: the service's LimitBook stores them and calls these):
  // INVALID_ARGUMENT as KeyLimits::set_rule; a rule set or deleted takes the tasks waiting on the
  // keys it covers back to their queues, to be checked against the rules as they are now.
  Status set_limit(const LimitRule& rule);
  bool delete_limit(const std::string& pattern);
  // The rule with its counts now (LIST_LIMITS).
  LimitView limit_view(const LimitRule& rule) const;
  const KeyLimits& limits() const { return limits_; }
  std::size_t limit_waiting() const { return limit_waits_.size(); }

 private:
  // The single hook of SCHEDULER_STATS: t may have changed (state, priority, its times); the
  // counts take it as it is now. Called where a task changes (mark, make_ready, place, create,
  // restore, apply_record, reprioritize); a second call changes nothing.
  void restat(TaskRecord& t) {
    live_.update(t);
    if (t.state == TaskState::PARKED) parked_.insert(t.seq);
    else if (!parked_.empty()) parked_.erase(t.seq);
  }
  LiveStats live_;
  // The PARKED tasks, by seq (kept by restat). Invariant: exactly the tasks in state PARKED.
  std::set<std::uint64_t> parked_;

  TaskRecord* find(const std::string& task_id);
  const TaskRecord* find(const std::string& task_id) const;
  std::optional<std::uint64_t> lookup(const std::string& task_id) const;
  // NOT_FOUND for a task id no task holds: "has expired" or "does not exist".
  Error missing(const std::string& task_id) const;
  // Retention (core_retention.cpp).
  std::int64_t expiry_of(const TaskRecord& t) const;
  // Puts t in the expiry index if it is terminal (again: the index is checked when due).
  void index_expiry(const TaskRecord& t);
  // Something still needs t: kept past its due time (see expire_retained).
  bool retained(const TaskRecord& t) const;
  // Removes t and everything that points at it (indexes, dependants' lists, stats, spans).
  void erase_task(std::uint64_t seq);

  // A dependency that is not held expired, and only ended tasks expire: it counts as met.
  bool dep_met(std::uint64_t d) const {
    auto it = tasks_.find(d);
    return it == tasks_.end() || it->second.state == TaskState::COMPLETED;
  }
  // index_request = false: the caller indexes the request id itself (a batch: its request id is in the BatchLedger).
  // seq 0: the next one.
  TaskRecord& create(const std::string& request_id, TaskSpec&& spec, bool index_request = true, std::uint64_t seq = 0);
  // A task record just put in the table at start-up or on a standby (restore, restore_batch):
  // the indexes (by_request_ when index_request), next_seq_ and the counts take it in.
  void held(TaskRecord& t, bool index_request);
  // t.spec holds the task's spec already.
  void fill_new(TaskRecord& t, std::uint64_t seq, std::string request_id, std::int64_t created_ms);
  void unmake(const std::vector<std::uint64_t>& seqs, bool index_request, std::uint64_t next_seq);
  std::size_t live_in(std::uint64_t first, std::uint64_t last) const;
  void written_alone(TaskRecord& t);
  // Standby: (re)queues t where the leader holds it (ready queue or retry wait), from its record.
  void place(TaskRecord& t);
  void link_standby(TaskRecord& t);
  // Standby: tasks leased or waiting on a consensus gate, for promote() (no scan of every task).
  // Invariant: they hold only tasks ASSIGNED or RUNNING, respectively not ended with a pending
  // gate; both are empty on a serving leader.
  std::set<std::uint64_t> standby_leased_, standby_gated_;
  // The wall clock, held at one instant while a batch is taken in (WallFreeze).
  std::int64_t wall_ms() const { return frozen_wall_ms_ >= 0 ? frozen_wall_ms_ : clock_.wall_ms(); }
  SubmitBatchOk batch_again(const std::string& request_id, const std::vector<BatchEntry>& entries) const;
  void link(TaskRecord& t, const std::vector<std::uint64_t>& deps);
  void note(TaskRecord& t, TaskState state, const std::string& text);
  // Marks t changed: written to the log with this turn's batch, and its event (if topic) sent
  // once that batch is durable. durable = false: the change is not worth a write of its own
  // (it may be lost in a crash without harm: see progress()); it reaches the disk with the
  // task's next durable change.
  void mark(TaskRecord& t, const char* topic, bool durable = true);
  void make_ready(TaskRecord& t);
  // Delayed tasks (make_ready): true when t's not_before_ms is still ahead; t then waits in the
  // retry wait until it (retry_due_ms set).
  bool hold_until_due(TaskRecord& t);
  bool not_before_ahead(const TaskRecord& t) const;
  std::string explain_delay(const TaskRecord& t) const;  // "scheduled for <ISO-8601 UTC>"
  // SCHEDULER_STATS' `waiting`: ready tasks by capabilities (core_stats.cpp); ns: of it only.
  std::vector<WaitingClass> waiting_classes(std::int64_t now_ms, const std::string* ns) const;
  // The input to assign t with: nullopt for its spec's, else its step references resolved
  // (resolve_input_from); an error when one cannot be.
  Result<std::optional<Json>> input_for(const TaskRecord& t) const;
  // INVALID_ARGUMENT when a spec's not_before_ms is more than kMaxDelayMs ahead (at acceptance).
  Status check_not_before(const TaskSpec& spec) const;
  void unqueue(TaskRecord& t);
  // Ends t (state is terminal, reached under cause: transition()), with its end event.
  void finish(TaskRecord& t, TaskState state, Cause cause);
  // Dead letters (core_parked.cpp): t's retries are spent (RETRIES_EXHAUSTED), or it is queued
  // again (PARKED_RETRY).
  void park(TaskRecord& t);
  void unpark(TaskRecord& t);
  // The parked tasks a request names (ids or a type), or why none may be touched.
  Result<std::vector<std::uint64_t>> select_parked(const std::vector<std::string>& task_ids, const std::string& type,
                                                   bool* more) const;
  void cascade(TaskRecord& root, std::vector<std::string>* ended);
  void on_completed(TaskRecord& t);
  void requeue(TaskRecord& t, const std::string& why);
  void release_slot(TaskRecord& t);
  void raise_priority(std::uint64_t seq, Priority p);
  void recompute_priority(std::uint64_t seq);
  void start_draining(AgentSession& a, const std::string& why);
  void lose_agent(const std::string& agent_id, const std::string& why);
  // Reconciliation (core_reconcile.cpp).
  bool leased_to(const TaskRecord& t, const std::string& agent_id, std::int64_t attempt) const;
  void send_cancel(const AgentSession& a, const std::string& task_id, std::int64_t attempt, const std::string& reason);
  // CANCEL_TASK for t's attempt to its agent, if attached; stale there if the agent reports what
  // it holds. Before t is ended (its lease still names the agent).
  void cancel_on_agent(const TaskRecord& t, const std::string& reason);
  void add_stale(AgentSession& a, const AttemptKey& key);
  void drop_stale(AgentSession& a, AttemptKey key);
  void clear_stale(AgentSession& a);
  // Reported attempts not leased to the agent become stale; stale ones not reported are gone.
  void reconcile_stale(AgentSession& a, const std::set<AttemptKey>& reported);
  void expire_unclaimed();
  void expire_agents();
  void expire_tasks();
  void expire_retries();
  void expire_unschedulable();
  void expire_waiters();
  void answer_waiters(const TaskRecord& t);
  void dispatch();
  void assign(TaskRecord& t, AgentSession& a, const std::string& why);
  // Every task state change of the core: the lifecycle's guarded transition (task_lifecycle.h),
  // and the limit keys acquired on entering ASSIGNED and released on leaving ASSIGNED or RUNNING.
  // Hides the free function inside the core, so no change can bypass the counts.
  bool transition(TaskRecord& t, TaskState to, Cause cause);
  // Dispatch: true when a limit holds t (the head of c): taken out of c into the limit wait.
  bool hold_by_limit(ReadyQueues::Class& c, TaskRecord& t);
  // The first task waiting on key back to its ready queue (no-op when none waits).
  void wake_limited(const std::string& key);
  // Tick: keys whose next token is due; once a second, every key that has room (a safety net)
  // and KeyLimits::trim.
  void expire_limit_waits();
  // A new term: counts from the leased tasks `seqs` (every leased task), buckets empty.
  void rebuild_limits(const std::vector<std::uint64_t>& seqs);
  Status check_limit_invariants() const;
  Status check_gate(const TaskSpec& spec, const ConsensusGate& gate) const;
  void open_gate(TaskRecord& t, const std::string& gate_id);
  std::string explain_gate(const TaskRecord& t) const;
  std::vector<Voter> gate_voters(const ConsensusGate& gate, const std::string& capability, std::string* missing) const;
  void expire_gates();
  void close_gate(const std::string& gate_id, const std::string& outcome, const std::string& cause);

  const Clock& clock_;
  CoreOptions options_;
  // Every task ever accepted, by seq (a dense table). Invariant: ids are "t<seq>" and never change.
  TaskTable tasks_;
  std::unordered_map<std::string, std::uint64_t> by_request_;
  std::unordered_map<std::string, std::uint64_t> by_idempotency_;
  // SUBMIT_BATCH's books (batch_ledger.h): pending batches, batch records still needed, batch
  // request ids and their spans, idempotent hits.
  BatchLedger books_;
  std::uint64_t next_seq_ = 1;  // Invariant: > every seq in tasks_
  std::uint64_t seq_floor_ = 0;  // seq_floor()
  // Ready tasks by class, and PENDING tasks waiting out a retry backoff (ready_queues.h: a task
  // is in its class's queue iff is_queued(), in the retry wait iff retry_due_ms != 0).
  ReadyQueues ready_;
  // Which namespace a free slot goes to when several have ready work (dispatch), and the
  // settings of the namespaces configured (set_namespace). Invariant: share_'s weights are
  // exactly the weights of ns_settings_.
  FairShare share_;
  std::map<std::string, NamespaceSettings> ns_settings_;
  // Invariant: a task is ASSIGNED or RUNNING on agent a iff it is in pool_ agent a's running set,
  // in unclaimed_[a], or (on a hot standby) in standby_leased_: exactly one of the three.
  AgentPool pool_;
  // Leases adopted (adopt_leases) that no session holds yet, by agent id: kept until until_ms
  // (monotonic), then fenced off; claimed (or fenced) at the agent's next ATTACH.
  struct Unclaimed {
    std::int64_t until_ms = 0;
    std::set<std::uint64_t> seqs;
  };
  std::map<std::string, Unclaimed> unclaimed_;
  // Which agent holds each stale attempt, for a TASK_RESULT (which names no agent). Invariant:
  // each entry names an attached agent whose stale set has the key.
  std::map<AttemptKey, std::string> stale_owner_;
  // WAIT_TASK and WAIT_TASKS held open (waiters.h), within their quota.
  Waiters waiters_;
  // Answers a WAIT_TASKS (its TASK_LIST to the outbox) and a WAIT_TASK (its TASK_INFO).
  void answer_group(const Waiters::Waiter& w, const std::vector<std::uint64_t>& seqs);
  void answer_single(const Waiters::Waiter& w, const TaskView& view);
  std::set<std::uint64_t> dirty_;
  std::int64_t frozen_wall_ms_ = -1;
  bool dispatch_needed_ = false;
  Outbox outbox_;
  // Undecided consensus gates (consensus_gates.h). Invariant: a non-terminal task with
  // gate.pending() is held by its gate (on a hot standby: in standby_gated_), and counts the gate
  // in its unmet.
  ConsensusGates gates_;
  // Workflow steps whose input references other steps (resolve_input_from), by seq.
  // Invariant: no key is a task that was erased (erase_task drops it).
  std::unordered_map<std::uint64_t, std::pair<std::shared_ptr<const StepTable>, std::size_t>> input_refs_;
  // ---- Retention.
  // Terminal tasks by (due wall ms, seq). Invariant: every terminal task that nothing retains
  // has its current due time here; entries may be stale (a task re-opened, expired or retained
  // since), and are dropped when they come due. A retained task is indexed again when what
  // retained it lets go (finish of a dependant, answer_group, close_gate, a spent batch record,
  // release_hold).
  std::set<std::pair<std::int64_t, std::uint64_t>> expiry_;
  std::vector<std::uint64_t> expired_tasks_;  // not yet drained (drain_expired)
  std::unordered_set<std::uint64_t> held_;  // hold()'s seqs, until release_hold or erase_task
  // ---- Agent identity (core_reconcile.cpp). Bindings of agent ids to principals, kept for good
  // (stored: a restart or a new leader keeps them); dirty_holders_: ids whose binding changed
  // and is not drained yet.
  AgentHolders holders_;
  std::set<std::string> dirty_holders_;
  const TopicSubscriptions* subscriptions_ = nullptr;  // not owned; nullptr: build every event
  // ---- Limits (core_limits.cpp). Invariant (serving): each key's running count is the number of
  // tasks ASSIGNED or RUNNING that carry it, outside standby_leased_ (a follower counts nothing).
  KeyLimits limits_;
  // Invariant: exactly the tasks with limit_held (limit_waits.h).
  LimitWaits limit_waits_;
  std::int64_t next_limit_sweep_ms_ = 0;  // monotonic
};

}  // namespace orion::scheduler
