// The Orion agent SDK: run handlers for task types, with registration, discovery, heartbeats,
// reconnects and at-least-once results done for you.
//
//   #include "sdk/cpp/agent.h"
//   using namespace orion::sdk;
//
//   int main() {
//     AgentOptions options;
//     options.agent_id = "worker-1";
//     options.capabilities = {"echo"};
//     Agent agent(options);
//     agent.handle("echo", [](TaskContext& ctx) { return ctx.input(); });
//     return agent.run();                      // until stop(), SIGINT, or SIGTERM (a drain)
//   }
//
// A handler returns the task's output, or throws a std::exception whose what() becomes the
// task's error. It runs on one of `capacity` worker threads, never on the networking thread, and
// should look at ctx.cancelled() now and then (or wait with ctx.wait_cancelled): it turns true when the scheduler cancels the
// attempt (timeout, user cancel) or the agent stops. The protocol is docs/protocol.md; the
// agent's side of it is described at the top of agent.cpp.
//
// Voting (docs/protocol.md section 13): with a vote handler set (on_vote), the agent subscribes
// to `proposal.created.<capability>` for each of its capabilities and, for every proposal that
// names it among the voters, asks the handler yes or no (on a thread of its own, never the
// networking thread), signs the answer with its Ed25519 key and sends VOTE to the consensus
// leader until VOTE_OK or a refusal. Its public key goes out in REGISTER (AgentSpec.public_key),
// so a proposer can copy it from LIST_AGENTS into the proposal's voters.
//
//   agent.on_vote([](const ProposalView& p) { return p.type == "deploy"; });
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/codec.h"
#include "common/consensus_messages.h"

namespace orion::sdk {

inline constexpr const char* kSdkVersion = "cpp/0.1";

struct AgentOptions {
  std::string registry = "tcp://127.0.0.1:7100";  // the one address an agent needs
  std::string agent_id;                           // required, unique in the cluster
  std::vector<std::string> capabilities;          // what tasks may require of this agent
  int capacity = 1;                               // concurrent tasks = worker threads, >= 1
  double weight = 1.0;                            // vote weight, > 0
  std::map<std::string, std::string> labels;
  std::int64_t reconnect_initial_ms = 100;  // first retry delay; doubles per failure ...
  std::int64_t reconnect_max_ms = 5000;     // ... up to this
  // Ed25519 vote key: 128 hex digits (libsodium's 64-byte secret key) or 64 (its 32-byte
  // seed). Empty: a new key pair is generated at construction and its public key logged.
  std::string secret_key_hex;
};

namespace detail {
struct RunningTask;
class Outbox;
}  // namespace detail

// One attempt of one task, given to its handler. Valid during the handler call.
class TaskContext {
 public:
  // Made by the Agent; tests may make their own with a detail::RunningTask.
  TaskContext(std::shared_ptr<detail::RunningTask> task, std::shared_ptr<detail::Outbox> outbox);

  const std::string& task_id() const;
  std::int64_t attempt() const;  // 1 for the first assignment, +1 per retry
  const std::string& type() const;
  const Json& input() const;
  const Json& metadata() const;
  // The outputs of the task's dependencies: a map from dependency task id to its output
  // (empty when the task has none).
  const Json& deps() const;
  std::int64_t timeout_ms() const;  // 0 = none; the scheduler enforces it

  // Reports progress (percent is clamped to 0..100). Thread-safe; never blocks on the network.
  void progress(double percent, const std::string& message = "");
  // The cancel token: true once the scheduler sent CANCEL_TASK for this attempt, or the agent
  // is stopping. The handler decides what to do; whatever it returns is still reported.
  bool cancelled() const;
  // Blocks until the attempt is cancelled or `timeout_ms` passed, whichever comes first, and
  // returns cancelled(): a handler that waits (a pause, a backoff) waits on this, not in a sleep,
  // so a cancel ends it at once. timeout_ms <= 0 does not block.
  bool wait_cancelled(std::int64_t timeout_ms) const;

 private:
  std::shared_ptr<detail::RunningTask> task_;
  std::shared_ptr<detail::Outbox> outbox_;  // null: progress goes nowhere
};

// Returns the output; throws std::exception to fail the attempt with e.what().
using Handler = std::function<Json(TaskContext&)>;

// Decides this agent's vote on a proposal: true = yes. It sees what the proposal.created event
// carries: proposal_id, proposer, type, capability, data, consensus_type, voters (agent ids
// only), outcome PENDING, created_ms and deadline_ms. Runs on the agent's vote thread, one
// proposal at a time; an exception means no vote (logged).
using VoteHandler = std::function<bool(const ProposalView&)>;

class Agent {
 public:
  // Throws std::invalid_argument for an empty agent_id, capacity < 1 or weight <= 0.
  explicit Agent(AgentOptions options);
  // `clock` (for tests) times heartbeats, liveness and backoff; it must outlive the Agent.
  Agent(AgentOptions options, const Clock& clock);
  ~Agent();  // only once run() has returned (or was never called)
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Before run(): handler for task_type (replaces an earlier one). Throws std::logic_error after.
  void handle(const std::string& task_type, Handler handler);
  // Before run(): vote on the proposals this agent is a voter of. Throws std::logic_error after.
  void on_vote(VoteHandler handler);
  // The Ed25519 public key announced in REGISTER, 64 lower-case hex digits.
  const std::string& public_key_hex() const;

  // Runs the agent on the calling thread until stop() (or a finished drain); returns 0. Call it
  // once. Unless the application handles them itself, SIGTERM drains the agent (a second one
  // stops it) and SIGINT stops it while run() runs (default_signals.h).
  int run();

  // Asks run() to finish: no new work, running handlers see cancelled(), up to ~2 s for them to
  // end and their results to be acknowledged, then DETACH and DEREGISTER. Returns at once.
  // Thread-safe and async-signal-safe (an atomic store and a write(2)); may precede run().
  void stop();
  // Graceful: asks the scheduler for no new work, lets running handlers finish (not cancelled)
  // and their results be acknowledged, then leaves as stop() does. What SIGTERM should call;
  // a scheduler's DRAIN (orionctl drain) does the same. Thread-safe and async-signal-safe.
  void drain();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orion::sdk
