// The agents attached to the scheduler, indexed by capability, and the choice of an agent for
// a task. Selection rules, in order:
//   1. only agents with every required capability and a free slot (running < capacity);
//   2. never an excluded agent;
//   3. preferred agents first, when one qualifies;
//   4. then the least loaded (running / capacity);
//   5. ties: the higher performance score (success rate and run time, exponentially
//      weighted), then the least recently assigned.
//
//   AgentPool pool;
//   pool.attach(spec, "ident", now_ms);
//   auto c = pool.select(task_spec);     // c.agent == nullptr when none qualifies; c.why says why
//
// Bound: select() visits the agents holding the task's rarest capability (all agents when it
// needs none), so its cost is that posting list's length, not the pool's size.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/messages.h"

namespace orion::scheduler {

struct AgentStats {
  static constexpr std::size_t kRecent = 256;
  std::uint64_t done = 0, failed = 0, timed_out = 0;
  double success_ewma = 1.0;     // 1 = every recent task succeeded
  double runtime_ewma_ms = 0.0;  // recent run time
  // Run times of the last kRecent attempts: a ring, allocated on the first outcome (a deque
  // would allocate per agent up front and spread the sessions selection scans over memory).
  std::vector<float> recent_ms;
  std::size_t recent_next = 0;   // where the next one goes once the ring is full
  double mean_ms() const;
  double p95_ms() const;         // nearest rank over recent_ms; 0 when empty
  // Higher is better: the success rate discounted by run time (a 1 s task halves the score).
  double score() const { return success_ewma / (1.0 + runtime_ewma_ms / 1000.0); }
};

// One attempt of one task: (task id, attempt).
using AttemptKey = std::pair<std::string, std::int64_t>;

struct AgentSession {
  AgentSpec spec;
  std::string identity;             // ROUTER identity of its current connection
  // The agent process's token (ATTACH `instance`, "" = not said): another token may take the id
  // only once this session is no longer live (SchedulerCore::attach, docs/protocol.md 11.3).
  std::string instance;
  bool connection_gone = false;     // its connection closed (the agent socket's PeerWatch): not live
  std::int64_t last_seen_ms = 0;    // monotonic
  std::set<std::uint64_t> running;  // seqs of tasks leased to it. Invariant: size() <= capacity
  // Attempts it still holds that are not (or no longer) leased to it: fenced, timed out or
  // cancelled, each sent CANCEL_TASK. They take a slot each until the agent reports them gone (an
  // ATTACH or AGENT_HEARTBEAT whose `running` lacks them, or a TASK_RESULT for them). Bounded by
  // the `running` it last reported (<= 100,000) plus its capacity.
  std::set<AttemptKey> stale;
  // The agent says what it holds (its ATTACH carried `running`): an attempt the scheduler ends
  // on it is counted in `stale` until it reports it gone. false: freed at CANCEL_TASK, as before.
  bool reports_running = false;
  std::uint64_t last_assigned = 0;  // pool-wide assignment counter at its latest assignment
  std::vector<int> cap_ids;         // interned capabilities, sorted
  AgentStats stats;
  bool draining = false;            // assigned nothing more; leaves once its running tasks end

  // Slots taken: leased attempts and stale ones. Assigned to only while held() < capacity.
  std::size_t held() const { return running.size() + stale.size(); }
  bool has_free_slot() const { return !draining && held() < static_cast<std::size_t>(spec.capacity); }
  double load() const { return static_cast<double>(held()) / static_cast<double>(spec.capacity); }
};

class AgentPool {
 public:
  // Agents gone (lost, detached) whose performance history is kept, in case they come back;
  // past this many, the one gone longest is forgotten (AGENT_STATS then no longer lists it).
  // Each costs at most about 1 KiB (AgentStats::kRecent run times), so 1 MiB in all.
  static constexpr std::size_t kMaxRetired = 1024;

  struct Choice {
    AgentSession* agent = nullptr;
    std::size_t capable = 0;  // agents with every capability (excluded ones not counted)
    std::string why;          // why this agent, or why none
  };

  // Adds or replaces the agent's session. Returns the session.
  AgentSession& attach(const AgentSpec& spec, const std::string& identity, std::int64_t now_ms);
  void remove(const std::string& agent_id);
  AgentSession* find(const std::string& agent_id);
  const AgentSession* find(const std::string& agent_id) const;

  Choice select(const TaskSpec& spec);
  // Counts capable agents and those with a free slot, for explaining a PENDING task.
  void count(const TaskSpec& spec, std::size_t* capable, std::size_t* free, std::size_t* draining) const;
  void note_assigned(AgentSession& a, std::uint64_t seq);
  // Folds a finished task into the agent's performance (alpha 0.2).
  void record_outcome(const std::string& agent_id, bool ok, bool timed_out, double runtime_ms);

  std::size_t size() const { return agents_.size(); }
  std::size_t free_slots() const;
  const std::map<std::string, AgentSession>& agents() const { return agents_; }
  // Stats of agents no longer attached (lost, detached), by id: the kMaxRetired gone last.
  const std::map<std::string, AgentStats>& retired() const { return retired_; }
  std::map<std::string, AgentSession>& agents() { return agents_; }

 private:
  // Interned capability ids of a task, or -1 in `missing` when some capability no agent ever had.
  bool intern_lookup(const std::vector<std::string>& caps, std::vector<int>& ids) const;
  template <class Fn>
  void for_each_capable(const std::vector<int>& need, Fn&& fn) const;

  std::map<std::string, AgentSession> agents_;  // node-based: pointers stay valid
  std::map<std::string, AgentStats> retired_;   // stats of agents gone, back if they return
  // The same agents in the order they went (a counter), to forget the one gone longest.
  // Invariant: the same ids as retired_, once each.
  std::map<std::uint64_t, std::string> retired_order_;
  std::unordered_map<std::string, std::uint64_t> retired_when_;
  std::uint64_t retirements_ = 0;
  void unretire(const std::string& agent_id);
  std::unordered_map<std::string, int> cap_ids_;
  // Capability id -> agents that have it. A vector, not a set: selection walks it on every
  // assignment, attach and remove (which search it) are rare.
  std::vector<std::vector<AgentSession*>> by_cap_;
  std::uint64_t assignments_ = 0;
};

}  // namespace orion::scheduler
