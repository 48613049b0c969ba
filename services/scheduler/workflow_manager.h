// Workflows in the scheduler: named DAGs of steps, each step one task of the SchedulerCore.
// Single-threaded, on the service's loop, beside the core it drives; no sockets, no disk.
//
//   WorkflowManager wf(core, clock);
//   auto ok = wf.run("req-1", spec);                 // the steps, created as one batch
//   core.tick();                                     // the core runs the tasks
//   core.drain_dirty([&](const TaskRecord& t) { persist(t); wf.on_task(t); });
//   wf.drain_dirty([&](std::uint64_t key, std::string rec) { persist(key, rec); });
//
// Workflow lifecycle (state, event -> actions, next state):
//   (none)     WORKFLOW_RUN, valid      -> every step's task in one submit_batch;
//                                          workflow.started                         -> RUNNING
//   (none)     WORKFLOW_RUN with consensus -> the same, in one gated batch: every step
//                                          PENDING until the proposal is APPROVED   -> RUNNING
//   RUNNING    a step's task changes state -> workflow.step                         -> RUNNING
//   RUNNING    every step COMPLETED     -> workflow.completed                       -> COMPLETED
//   RUNNING    every step ended, some not COMPLETED -> reason names the first step that
//                                          ended by itself; workflow.failed         -> FAILED
//              ... and that step was CANCELLED (CANCEL of its task, a gate that did not
//                  approve); workflow.cancelled                                      -> CANCELLED
//   RUNNING    CANCEL_WORKFLOW          -> CANCEL of every unfinished step (dependants
//                                          cascade); workflow.cancelled             -> CANCELLED
//   FAILED/CANCELLED  RETRY_WORKFLOW    -> core.reopen() of every step not COMPLETED, in
//                                          place (same task ids, next attempt); run+1;
//                                          workflow.retried                         -> RUNNING
//   COMPLETED/FAILED/CANCELLED  CANCEL_WORKFLOW -> nothing; answered with its state
//   RUNNING/COMPLETED  RETRY_WORKFLOW   -> FAILED_PRECONDITION, nothing changes
//   ended, a step's gate not APPROVED   RETRY_WORKFLOW -> FAILED_PRECONDITION (re-opening
//                                          would run it ungated), nothing changes
// A workflow does not fail fast: when a step fails, its dependants fail with it (the core's
// cascade), independent branches run on, and the workflow ends once no step can change.
//
// Retention: an ended workflow expires the core's retention_ms (or its spec's result_ttl_ms)
// after it ended (expire()); its id then answers NOT_FOUND "has expired". Its steps' tasks are
// kept while it is (core.hold(), then release_hold) and expire after it, each when its own
// time is due (a step without its own result_ttl_ms takes the workflow's).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/envelope.h"
#include "common/log_store.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/workflow_record.h"

namespace orion::scheduler {

class WorkflowManager {
 public:
  WorkflowManager(SchedulerCore& core, const Clock& clock);
  WorkflowManager(const WorkflowManager&) = delete;
  WorkflowManager& operator=(const WorkflowManager&) = delete;

  // Answers one of the four workflow requests (WORKFLOW_RUN, GET_WORKFLOW, CANCEL_WORKFLOW,
  // RETRY_WORKFLOW): the reply, or an ERROR envelope.
  Envelope handle(const Envelope& request);

  // Creates the workflow and its steps' tasks, all or nothing. The same request id again
  // returns the first answer (duplicate = true) and creates nothing.
  Result<WorkflowRunOk> run(const std::string& request_id, WorkflowSpec spec);
  Result<WorkflowView> get(const std::string& workflow_id) const;
  Result<CancelWorkflowOk> cancel(const CancelWorkflow& request);
  Result<RetryWorkflowOk> retry(const std::string& request_id, const RetryWorkflow& request);

  // A task the core changed (call for each one drain_dirty gives): step events, and the
  // workflow's end once every step has ended.
  void on_task(const TaskRecord& task);

  // Start-up, after the core has restored its tasks: each stored record, then finish_restore()
  // (INTERNAL when a record names a task that does not exist).
  Status restore(std::uint64_t seq, std::string_view bytes);
  Status finish_restore();
  // Hot standby (scheduler_core.h): the workflow record as the leader wrote it, replacing the
  // one held. INTERNAL when it does not decode.
  Status apply_record(std::uint64_t seq, std::string_view bytes);
  // This replica became the leader: each workflow's view of its steps is brought up to its
  // tasks (a follower does not follow step changes one by one).
  void promote();

  // Removes the ended workflows that are due, oldest due first, at most the core's
  // expire_slice per call (an index by due time: O(log n) each), and lets the core expire
  // their tasks from the next tick on. Call once per loop turn, after the core's tick.
  std::size_t expire();
  // The log key of each workflow expired since the last call, once each (to delete).
  template <class Fn>
  void drain_expired(Fn&& fn) {
    for (auto seq : expired_) fn(log_key(kWorkflowRecordKind, seq));
    expired_.clear();
  }
  // Hot standby: the leader expired this workflow.
  void apply_expiry(std::uint64_t seq);
  std::uint64_t next_seq() const { return next_seq_; }
  void restore_next_seq(std::uint64_t next) { next_seq_ = std::max(next_seq_, next); }

  // Every workflow changed since the last call, once each, as (log key, record).
  template <class Fn>
  void drain_dirty(Fn&& fn) {
    for (auto seq : dirty_) fn(log_key(kWorkflowRecordKind, seq), encode_workflow_record(flows_.at(seq)));
    dirty_.clear();
  }

  // Every workflow held, as (log key, record): a snapshot's.
  template <class Fn>
  void each_record(Fn&& fn) const {
    for (const auto& [seq, w] : flows_) fn(log_key(kWorkflowRecordKind, seq), encode_workflow_record(w));
  }
  std::size_t workflow_count() const { return flows_.size(); }
  // Holds between turns (once on_task has seen every changed task): every documented
  // invariant; the first broken one.
  Status check_invariants() const;

  // The namespace of a workflow run this manager holds; nullopt for an unknown id.
  std::optional<std::string> namespace_of(const std::string& workflow_id) const {
    const WorkflowRecord* w = find(workflow_id);
    return w ? std::optional<std::string>(w->spec.ns) : std::nullopt;
  }

 private:
  WorkflowRecord* find(const std::string& workflow_id);
  const WorkflowRecord* find(const std::string& workflow_id) const;
  // NOT_FOUND for an id no workflow holds: "has expired" (below next_seq_) or "does not exist".
  Error missing(const std::string& workflow_id) const;
  std::int64_t expiry_of(const WorkflowRecord& w) const;
  void index_expiry(const WorkflowRecord& w);
  void erase(std::uint64_t seq);
  void index(WorkflowRecord& w);
  void end_if_done(WorkflowRecord& w);
  void publish(const char* topic, const WorkflowRecord& w);
  WorkflowRunOk run_ok(const WorkflowRecord& w, bool duplicate) const;

  SchedulerCore& core_;
  const Clock& clock_;
  // Every workflow accepted, by seq. Invariant: ids are "w<seq>"; seq < next_seq_.
  std::map<std::uint64_t, WorkflowRecord> flows_;
  std::uint64_t next_seq_ = 1;
  // Invariant: task seq -> (workflow seq, step index) for every step of every workflow.
  std::unordered_map<std::uint64_t, std::pair<std::uint64_t, std::size_t>> by_task_;
  std::unordered_map<std::string, std::uint64_t> by_request_;  // WORKFLOW_RUN request id -> seq
  std::set<std::uint64_t> dirty_;
  std::vector<std::uint64_t> restored_;  // seqs restored, for finish_restore()
  // Ended workflows by (due wall ms, seq); entries of a workflow retried or expired since are
  // stale and dropped when due.
  std::set<std::pair<std::int64_t, std::uint64_t>> expiry_;
  std::vector<std::uint64_t> expired_;  // not yet drained
};

}  // namespace orion::scheduler
