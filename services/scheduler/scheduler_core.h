// The scheduler's state machine: tasks, their queue, the attached agents and their leases.
// Single-threaded and free of sockets and disk: the service feeds it decoded messages and
// clock ticks, then persists what it marked dirty, and only after that commit sends what it
// queued in its outbox. Tests drive it with a ManualClock.
//
//   SchedulerCore core(clock, {});
//   auto ok = core.submit("req-1", spec);       // Result<SubmitOk>
//   core.attach("ident", agent_spec);
//   core.tick();                                 // expiries, timeouts, then dispatch
//   for (auto& m : core.outbox().to_agents) ...  // ASSIGN to the agent
//
// Task lifecycle (state, event -> actions, next state):
//   PENDING   dispatch finds an agent  -> attempt+1, lease, ASSIGN         -> ASSIGNED
//   ASSIGNED  TASK_PROGRESS (attempt)  -> started_ms                        -> RUNNING
//   ASSIGNED/RUNNING  TASK_RESULT ok   -> output, free the slot            -> COMPLETED
//   ASSIGNED/RUNNING  TASK_RESULT !ok  -> error, free the slot             -> FAILED
//   ASSIGNED/RUNNING  timeout passes   -> CANCEL_TASK to agent, free slot  -> TIMEOUT
//   ASSIGNED/RUNNING  agent lost or re-attached -> fence the attempt       -> PENDING
//   any terminal      anything         -> a late result is answered accepted=false
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/envelope.h"
#include "services/scheduler/task_record.h"

namespace orion::scheduler {

struct CoreOptions {
  std::int64_t heartbeat_ms = 1000;  // agents heartbeat this often
  std::int64_t liveness = 3;         // an agent unheard for heartbeat_ms * liveness is lost
  std::size_t max_waiters = 100'000; // concurrent WAIT_TASK requests held
};

struct AgentSession {
  AgentSpec spec;
  std::string identity;             // ROUTER identity of its current connection
  std::int64_t last_seen_ms = 0;    // monotonic
  std::set<std::uint64_t> running;  // seqs of tasks leased to it; size() <= spec.capacity
  std::uint64_t last_assigned = 0;  // dispatch counter at its latest assignment (ties go to the oldest)
};

// Messages the core wants sent once the current batch is durable.
struct Outbox {
  struct ToPeer {
    std::string identity;
    std::string agent_id;  // for agent messages, so a failed send can expire the agent
    Envelope envelope;
  };
  struct EventOut {
    std::string topic;
    Json data;
  };
  std::vector<ToPeer> to_agents;
  std::vector<ToPeer> to_clients;  // answers to WAIT_TASK
  std::vector<EventOut> events;
  void clear() { to_agents.clear(), to_clients.clear(), events.clear(); }
};

class SchedulerCore {
 public:
  SchedulerCore(const Clock& clock, CoreOptions options);

  // Puts a stored task back (at start-up). Tasks that were ASSIGNED or RUNNING are re-queued:
  // their agents' sessions did not survive the restart, so their attempts are fenced off.
  void restore(TaskRecord record);

  // Accepts a validated spec. The same request id returns the first task (duplicate=true).
  Result<SubmitOk> submit(const std::string& request_id, TaskSpec spec);
  // The task with why it is where it is; NOT_FOUND for an unknown id.
  Result<TaskView> get(const std::string& task_id) const;
  // Answers now (returns the view) when the task is terminal or timeout_ms is 0; otherwise holds
  // the request and answers through the outbox when it ends or the timeout passes.
  Result<std::optional<TaskView>> wait(const std::string& identity, const std::string& request_id,
                                       const WaitTask& request);

  AttachOk attach(const std::string& identity, const AgentSpec& spec);
  // NOT_FOUND when the agent is unknown: it must ATTACH again.
  Status heartbeat(const std::string& identity, const AgentHeartbeat& hb);
  void detach(const std::string& agent_id);
  void progress(const TaskProgress& p);
  ResultOk result(const TaskResult& r);
  // The send of a message to this agent failed: its connection is gone.
  void agent_unreachable(const std::string& agent_id);

  // Expires lost agents and timed-out tasks, answers expired waits, then assigns ready tasks.
  void tick();

  // Every task changed since the last call, once each.
  template <class Fn>
  void drain_dirty(Fn&& fn) {
    for (auto seq : dirty_) fn(tasks_.at(seq));
    dirty_.clear();
  }
  Outbox& outbox() { return outbox_; }

  std::size_t task_count() const { return tasks_.size(); }
  std::size_t pending_count() const { return pending_.size(); }
  std::size_t agent_count() const { return agents_.size(); }
  const AgentSession* agent(const std::string& agent_id) const;

  // Checks every invariant below; returns the first broken one (tests call it after each step).
  Status check_invariants() const;

 private:
  TaskRecord* find(const std::string& task_id);
  const TaskRecord* find(const std::string& task_id) const;
  void mark(TaskRecord& t, const char* topic);
  void enqueue(TaskRecord& t);
  void finish(TaskRecord& t, TaskState state, const char* topic);
  void requeue(TaskRecord& t, const std::string& why);
  void release_slot(TaskRecord& t);
  void lose_agent(const std::string& agent_id, const std::string& why);
  void expire_agents();
  void expire_tasks();
  void expire_waiters();
  void answer_waiters(const TaskRecord& t);
  void dispatch();
  AgentSession* select_agent(const TaskSpec& spec, std::size_t* capable);
  std::string explain_pending(const TaskRecord& t) const;

  const Clock& clock_;
  CoreOptions options_;
  // Every task ever accepted, by seq. Invariant: a task's seq never changes and ids are unique.
  std::unordered_map<std::uint64_t, TaskRecord> tasks_;
  std::unordered_map<std::string, std::uint64_t> by_request_;
  std::uint64_t next_seq_ = 1;  // Invariant: > every seq in tasks_
  // PENDING tasks in dispatch order: higher priority first, then submission order.
  // Invariant: holds exactly the tasks whose state is PENDING.
  std::set<std::pair<int, std::uint64_t>> pending_;
  // Invariant: a task is in agents_[a].running iff it is ASSIGNED or RUNNING with assigned_agent a.
  std::map<std::string, AgentSession> agents_;
  struct Waiter {
    std::string identity, request_id;
    std::uint64_t seq;
    std::int64_t deadline_ms;
  };
  std::multimap<std::uint64_t, Waiter> waiters_;
  std::set<std::uint64_t> dirty_;
  bool dispatch_needed_ = false;
  std::uint64_t assignments_ = 0;  // counts every assignment ever made
  Outbox outbox_;
};

}  // namespace orion::scheduler
