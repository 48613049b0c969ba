// The Orion client: submit tasks, read their status, wait for them, list agents. Configured
// with the registry's address alone; it learns the scheduler's from the registry.
//
//   orion::sdk::Client client({"tcp://127.0.0.1:7100"});
//   orion::TaskSpec spec;
//   spec.type = "echo"; spec.input = {{"hello", "world"}};
//   auto id = client.submit(spec);                  // Result<std::string>
//   auto done = client.wait(*id, 10'000);           // Result<TaskView>
//   if (done && done->state == orion::TaskState::COMPLETED) use(done->output);
//
//   orion::BatchEntry a{"a", spec}, b{"b", spec};
//   b.spec.depends_on = {"a"};                      // a key of the batch, or an existing id
//   auto ids = client.submit_batch({a, b});         // Result<map key -> task id>
//
//   orion::WorkflowStep collect{"collect", spec}, train{"train", spec};
//   train.task.depends_on = {"collect"};
//   train.task.input = {{"rows", "${steps.collect.output.rows}"}};
//   auto run = client.coordinate_multi_agent_workflow("ml", {collect, train});  // WorkflowRunOk
//   auto end = client.wait_workflow(run->workflow_id, 60'000);                 // WorkflowView
//   spec.consensus.type = "unanimous";              // runs only once the agents approve it
//
//   auto d = client.make_distributed_decision("deploy", data, orion::ConsensusType::MAJORITY, 30'000, "deploy");
//   auto decided = client.wait_decision(d->proposal_id, 30'000);   // decisions.h
//
// Every call is a request with a fresh request id that follows the leader by itself (common/
// leader_follower.h, docs/protocol.md 6.1): NOT_LEADER naming the leader is resent there at
// once; NOT_LEADER without one, UNAVAILABLE or no reply within request_timeout_ms pauses
// briefly, asks the registries again and resends. Every try carries the same request id, so a
// retried submit never makes two tasks. After call_timeout_ms the call fails UNAVAILABLE naming
// the endpoints it tried, its tries and the last error. `registry` may be a comma-separated list
// of registries: a silent one is skipped for the next. A Client is not thread-safe: use one per
// thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/consensus_messages.h"
#include "common/envelope.h"
#include "common/leader_follower.h"
#include "common/workflow_messages.h"
#include "common/limit_messages.h"
#include "common/namespace_messages.h"
#include "common/schedule_messages.h"
#include "common/stats_messages.h"
#include "sdk/cpp/decisions.h"

namespace orion::consensus {
class ConsensusClient;
}

namespace orion::sdk {

struct ClientOptions {
  std::string registry = "tcp://127.0.0.1:7100";  // one, or a comma-separated list to fail over between
  std::int64_t request_timeout_ms = 3000;  // one try at one endpoint
  std::int64_t call_timeout_ms = 10'000;   // one call: every try, redirect and pause (plus a long poll's wait)
  std::int64_t batch_timeout_ms = 30'000;  // one try of SUBMIT_BATCH: at least this (100,000 tasks take a while)
  // >= 0: until the registry (or the scheduler) has answered anything, a call gives up after this
  // long saying whether the service runs (common/leader_follower.h); -1: the whole call timeout.
  std::int64_t first_answer_ms = -1;
  // Client endpoints of the consensus replicas, tried in turn instead of asking the registry
  // where the leader is (a follower redirects to it). Empty: the registry's DISCOVERY.
  std::vector<std::string> consensus_replicas;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;  // its followers keep pointers into it: neither copied nor moved
  Client& operator=(const Client&) = delete;

  Result<Discovery> discover();
  // spec.result_ttl_ms keeps the ended task that long (-1: the scheduler's --retention), then
  // it expires: status() and the other calls on its id fail NOT_FOUND "... has expired", and a
  // retry of this submit would make a new task (docs/protocol.md 6.3.2). WorkflowSpec has the same.
  Result<std::string> submit(const TaskSpec& spec);
  Result<TaskView> status(const std::string& task_id);
  // Returns when the task is terminal or timeout_ms has passed (then with its current,
  // non-terminal state: check view.state).
  Result<TaskView> wait(const std::string& task_id, std::int64_t timeout_ms);
  // Waits for many tasks (at most 10,000) in one long-poll; returns their views in the order
  // given once every one is terminal, or when timeout_ms passes (some may not be terminal).
  Result<std::vector<TaskView>> wait_all(const std::vector<std::string>& task_ids, std::int64_t timeout_ms);
  Result<std::vector<AgentView>> agents();

  // Submits every entry in one request, accepted or refused as a whole (a cycle, an unknown
  // dependency or a bad field refuses all, with INVALID_ARGUMENT naming the entry). Returns
  // key -> task id. Each try waits max(request_timeout_ms, batch_timeout_ms). With `gate`
  // enabled, no task of the batch runs before one proposal to the agents is APPROVED; on
  // REJECTED or EXPIRED they all end CANCELLED (docs/protocol.md 13.9).
  Result<std::map<std::string, std::string>> submit_batch(const std::vector<BatchEntry>& tasks,
                                                          const ConsensusGate& gate = {});
  // Cancels the task and, transitively, its dependants. A task already terminal is unchanged
  // (CancelOk.state says which state it is in).
  Result<CancelOk> cancel(const std::string& task_id, const std::string& reason);
  // The agent gets no new task; it finishes what it runs, then deregisters. NOT_FOUND if it is
  // not attached to the scheduler.
  Result<DrainAgentOk> drain(const std::string& agent_id);
  // Every agent's performance as the scheduler saw it: outcomes, success rate, run times.
  Result<std::vector<AgentPerf>> agent_stats();
  // Changes the priority of a task that is not yet running.
  Result<ReprioritizeOk> reprioritize(const std::string& task_id, Priority priority);
  // One page of tasks matching the filters; pass TaskList::next as `after` for the next one.
  Result<TaskList> list(const ListTasks& query);
  // Dead letters (PARKED tasks: their retries spent, their spec on_exhausted "park"), by task ids
  // (each must be PARKED, else FAILED_PRECONDITION and nothing changes) or every parked task of a
  // type (at most 10,000 per call; `more` says some are left). Retry queues them again with a
  // fresh retry budget; discard ends them CANCELLED. List them with list() and states {PARKED}.
  Result<RetryParkedOk> retry_parked(const std::vector<std::string>& task_ids, const std::string& type = "");
  Result<DiscardParkedOk> discard_parked(const std::vector<std::string>& task_ids, const std::string& type = "",
                                         const std::string& reason = "");

  // ---- Workflows (docs/workflows.md) ----
  // Runs a workflow: every step's task is created in one request, all or nothing (a bad step,
  // a cycle or a wrong reference refuses it, INVALID_ARGUMENT naming the place). Returns the
  // workflow id and step name -> task id. Checked here first, so a bad spec is not sent.
  Result<WorkflowRunOk> run_workflow(const WorkflowSpec& spec);
  // The one-call form: a workflow named `name` of `steps` (each a task template whose
  // task.depends_on names other steps), gated by `require_consensus`: null or false for no
  // gate, true for {"type": "majority"}, or the gate's map ({"type", "capability", "voters",
  // "timeout_ms", "data"}): no step runs until the agents approve it.
  Result<WorkflowRunOk> coordinate_multi_agent_workflow(const std::string& name, const std::vector<WorkflowStep>& steps,
                                                        const Json& require_consensus = nullptr);
  // Every step's state, progress and timing, and the workflow's.
  Result<WorkflowView> workflow_status(const std::string& workflow_id);
  // Cancels every unfinished step; a workflow already ended is unchanged.
  Result<CancelWorkflowOk> cancel_workflow(const std::string& workflow_id, const std::string& reason = "");
  // Re-runs a FAILED or CANCELLED workflow's steps that did not complete, in place.
  Result<RetryWorkflowOk> retry_workflow(const std::string& workflow_id);
  // Returns when the workflow has ended, or when timeout_ms has passed (then with its current,
  // RUNNING state: check view.state).
  Result<WorkflowView> wait_workflow(const std::string& workflow_id, std::int64_t timeout_ms);
  // ---- Schedules (client_schedules.cpp; docs/protocol.md section 17) ----
  // Creates a schedule: a task (spec.task) or a workflow (spec.workflow) fired on a cron
  // expression in a time zone (spec.cron, spec.time_zone) or every spec.interval_ms. Checked
  // here first; a bad cron expression or zone comes back INVALID_ARGUMENT with the reason.
  // A retried create (same request id, done by call()) is answered with the first schedule.
  Result<ScheduleView> create_schedule(const ScheduleSpec& spec);
  // Every schedule, in id order (all pages); ns not "": those of that namespace only.
  Result<std::vector<ScheduleView>> list_schedules(const std::string& ns = "");
  Result<ScheduleView> pause_schedule(const std::string& schedule_id);
  Result<ScheduleView> resume_schedule(const std::string& schedule_id);
  Result<ScheduleDeleteOk> delete_schedule(const std::string& schedule_id);
  // Fires it now; the id of the task (or workflow) it made and the firing's idempotency key.
  Result<ScheduleTriggerOk> trigger_schedule(const std::string& schedule_id);

  // ---- Limits (client_limits.cpp; docs/protocol.md section 18) ----
  // Sets (adds or replaces) the rule of rule.pattern: a key, or a prefix ending in '*'.
  // INVALID_ARGUMENT (checked here first, and by the scheduler) for a bad pattern or bounds.
  Result<LimitView> set_limit(const SetLimit& rule);
  // NOT_FOUND when no rule has the pattern.
  Result<DeleteLimitOk> delete_limit(const std::string& pattern);
  // Every rule with its counts, by pattern (all pages).
  Result<std::vector<LimitView>> list_limits();

  // Distributed decisions (decisions.h; implemented in decisions.cpp). Resolves the voters from
  // the registry (the named ones, or every live agent with the capability, with their weights
  // and public keys), proposes to the consensus leader (found through the registry, NOT_LEADER
  // followed, retried with the same request id) and returns the proposal id and its voters.
  Result<Decision> make_distributed_decision(const DecisionRequest& request);
  Result<Decision> make_distributed_decision(const std::string& type, const Json& data, ConsensusType consensus_type,
                                             std::int64_t timeout_ms, const std::string& capability);
  // The decision now: outcome, tally (yes/no counts and weights), the counted votes.
  Result<ProposalView> get_decision_status(const std::string& proposal_id);
  // Returns once it is decided, or when timeout_ms has passed (then PENDING: check outcome).
  Result<ProposalView> wait_decision(const std::string& proposal_id, std::int64_t timeout_ms);

  // Statistics (client_stats.cpp; docs/stats.md): the scheduler's tasks by state, priority
  // and type, with wait and run percentiles; the consensus leader's proposals by outcome and
  // type (UNAVAILABLE when the registry knows no consensus service or it does not answer in 3 s).
  // ns not "": that namespace's counts only (docs/protocol.md section 19).
  Result<SchedulerStatsOk> scheduler_stats(const std::string& ns = "");

  // ---- Namespaces (client_namespaces.cpp; docs/protocol.md section 19). A task's namespace is
  // TaskSpec::ns (list() filters by ListTasks::ns); these set a namespace's fair share weight
  // and its on_exhausted default ("fail" or "park"), list every namespace with its counts, and
  // reset one to the defaults.
  Result<NamespaceView> set_namespace(const std::string& ns, double weight, const std::string& on_exhausted = "fail");
  Result<NamespaceList> list_namespaces();
  Result<NamespaceView> delete_namespace(const std::string& ns);
  Result<ProposalStatsOk> proposal_stats();

  // One request/reply that follows the leader. `to_scheduler` selects the scheduler's client
  // socket, otherwise the registries. timeout_ms is one try (more than request_timeout_ms for
  // a request the server holds: the difference is added to call_timeout_ms too). An ERROR
  // reply comes back as its Error.
  // keep_packed: reply types whose body stays packed (Envelope::packed_body), for a decoder
  // that reads msgpack directly (TaskList::from_packed).
  Result<Envelope> call(bool to_scheduler, MsgType type, const Json& body, std::int64_t timeout_ms,
                        KeepPacked keep_packed = nullptr);
  // The same with a body already packed (common/task_pack.h), e.g. a SUBMIT_BATCH.
  Result<Envelope> call_packed(bool to_scheduler, MsgType type, std::string packed_body, std::int64_t timeout_ms);

 private:
  // One request to the scheduler, its reply decoded as Reply (an ERROR reply as its Error).
  template <class Reply>
  Result<Reply> ask(MsgType type, const Json& body) {
    auto r = call(true, type, body, options_.request_timeout_ms);
    if (!r) return r.error();
    return Reply::from_body(r->body);
  }

  Result<Envelope> call_envelope(bool to_scheduler, const Envelope& request, std::int64_t timeout_ms,
                                 KeepPacked keep_packed);
  consensus::ConsensusClient& consensus();  // made on first use

  ClientOptions options_;
  zmq::context_t ctx_;
  Registries registries_;
  LeaderFollower scheduler_;  // DISCOVERY scheduler_client, NOT_LEADER followed
  std::unique_ptr<consensus::ConsensusClient> consensus_;
};

}  // namespace orion::sdk
