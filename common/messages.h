// Every Orion message as a value type with to_body() and a from_body() that returns an
// INVALID_ARGUMENT error naming the first bad field. docs/protocol.md is the specification;
// this file and that document change together.
//
//   SubmitTask m; m.spec.type = "echo"; m.spec.input = {{"x", 1}};
//   Json body = m.to_body();                                // {"task": {"type": "echo", ...}}
//   Result<SubmitTask> back = SubmitTask::from_body(body);  // back->spec.type == "echo"
//   SubmitTask::from_body(Json::object());                  // error: "field 'task': is required"
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/codec.h"
#include "common/protocol_schema.h"
#include "common/registry_messages.h"
#include "common/task_gate.h"
#include "common/task_model.h"

namespace orion {

// MsgType, is_known(MsgType) and to_string(MsgType) are generated from common/protocol.toml
// (common/protocol_schema.h, included through fields.h), as are the wire bounds (kMax...).

// ---- Tasks ----------------------------------------------------------------------------------


enum class BackoffKind : std::uint8_t { UNKNOWN = 0, FIXED = 1, EXPONENTIAL = 2 };
const char* to_string(BackoffKind kind);

// How long to wait before retry n (n = 1 for the first retry):
//   FIXED        initial_ms
//   EXPONENTIAL  min(max_ms, initial_ms * multiplier^(n-1))
// then shortened by a deterministic fraction in [0, jitter) drawn from (task, n), so a replay
// of the log gives the same delays.
struct RetryPolicy {
  BackoffKind kind = BackoffKind::FIXED;
  std::int64_t initial_ms = 1000;
  std::int64_t max_ms = 60'000;
  double multiplier = 2.0;  // 1..10
  double jitter = 0.0;      // 0..1

  Json to_json() const;
  static Result<RetryPolicy> from_json(const Json& j);
};

struct TaskSpec {
  std::string name;
  std::string type;                       // required, non-empty: selects the agent's handler
  std::vector<std::string> capabilities;  // an agent must have every one
  std::vector<std::string> preferred_agents;  // tried first when they qualify
  std::vector<std::string> excluded_agents;   // never chosen
  Priority priority = Priority::NORMAL;
  std::int64_t timeout_ms = 0;            // 0 = no timeout
  std::int64_t retries = 0;               // failures retried this many times, then FAILED
  RetryPolicy retry;
  std::vector<std::string> depends_on;    // task ids (in a batch: keys of the batch, or ids)
  std::string idempotency_key;            // the same key returns the first task's id
  std::int64_t unschedulable_timeout_ms = -1;  // fail after this long with no capable agent; -1 = scheduler default, 0 = never
  Json input;                             // any value
  Json metadata = Json::object();         // a map, stored and shown, never interpreted; null reads as {} (the scheduler holds an empty one so)
  ConsensusGate consensus;                // runs only once the agents approve it (common/task_gate.h)
  // Kept this long after it ended (then expired: NOT_FOUND); -1 = the scheduler's retention.
  std::int64_t result_ttl_ms = -1;        // -1..kMaxRetentionMs

  Json to_json() const;
  static Result<TaskSpec> from_json(const Json& j);
};

// One state change of a task, for its history.
struct StateChange {
  TaskState state = TaskState::UNKNOWN;
  std::int64_t at_ms = 0;  // wall clock
  std::int64_t attempt = 0;
  std::string agent;
  std::string note;
};

struct TaskView {
  std::string task_id;
  TaskSpec spec;
  TaskState state = TaskState::UNKNOWN;
  Priority effective_priority = Priority::UNKNOWN;  // after inheritance from dependants
  std::int64_t failures = 0;    // failed attempts so far (retries used = failures while PENDING)
  std::int64_t retry_at_ms = 0; // wall clock of the next retry, 0 = none scheduled
  std::vector<std::string> waiting_on;  // dependencies not yet COMPLETED
  std::vector<StateChange> history;     // oldest first, at most kMaxHistory entries
  std::string assigned_agent;
  std::int64_t attempt = 0;     // 1 for the first assignment
  double progress = 0;          // per cent, 0..100
  Json output;                  // set when COMPLETED
  std::string error;            // set when FAILED, TIMEOUT or CANCELLED
  std::string reason;           // why it is where it is (e.g. why still PENDING)
  std::int64_t created_ms = 0, assigned_ms = 0, started_ms = 0, finished_ms = 0;  // wall clock, 0 = not yet
  GateState gate;               // a gated task's consensus gate; id "" = not gated

  Json to_json() const;
  static Result<TaskView> from_json(const Json& j);
};


struct BatchEntry {
  std::string key;  // unique in the batch; other entries' depends_on may name it
  TaskSpec spec;
};

struct SubmitBatch {
  std::vector<BatchEntry> tasks;
  ConsensusGate consensus;  // one gate for the whole batch: every task waits for one approval
  Json to_body() const;
  static Result<SubmitBatch> from_body(const Json& b);
  // The same, straight from the msgpack body bytes (no Json tree; batch_decode.cpp): accepts and
  // refuses exactly what decode_value followed by from_body does, with the same first error.
  static Result<SubmitBatch> from_packed(std::string_view body);
};

struct SubmitBatchOk {
  std::map<std::string, std::string> task_ids;  // key -> task id
  bool duplicate = false;
  Json to_body() const;
  static Result<SubmitBatchOk> from_body(const Json& b);
};

// Cancels a task and, transitively, the tasks that depend on it.
struct Cancel {
  std::string task_id;
  std::string reason;
  Json to_body() const;
  static Result<Cancel> from_body(const Json& b);
};

struct CancelOk {
  std::string task_id;
  TaskState state = TaskState::UNKNOWN;  // its state after the cancel (already terminal: unchanged)
  std::vector<std::string> also_ended;   // dependants ended by the cascade
  Json to_body() const;
  static Result<CancelOk> from_body(const Json& b);
};

struct Reprioritize {
  std::string task_id;
  Priority priority = Priority::NORMAL;
  Json to_body() const;
  static Result<Reprioritize> from_body(const Json& b);
};

struct ReprioritizeOk {
  std::string task_id;
  Priority priority = Priority::NORMAL;
  Priority effective_priority = Priority::NORMAL;
  Json to_body() const;
  static Result<ReprioritizeOk> from_body(const Json& b);
};

// Filters are ANDed; an empty list matches all. Tasks come in id order after `after`.
struct ListTasks {
  std::vector<TaskState> states;
  std::vector<std::string> types;
  std::vector<Priority> priorities;
  std::int64_t limit = 100;     // 1..10000
  std::string after;            // a task id; list those after it
  Json to_body() const;
  static Result<ListTasks> from_body(const Json& b);
};

struct TaskList {
  std::vector<TaskView> tasks;
  std::string next;  // pass as `after` for the next page; empty at the end
  Json to_body() const;
  static Result<TaskList> from_body(const Json& b);
};

struct SubmitTask {
  TaskSpec spec;
  Json to_body() const;
  static Result<SubmitTask> from_body(const Json& b);
};

struct SubmitOk {
  std::string task_id;
  bool duplicate = false;  // the request id was seen before: this is the first answer again
  Json to_body() const;
  static Result<SubmitOk> from_body(const Json& b);
};

struct GetTask {
  std::string task_id;
  Json to_body() const;
  static Result<GetTask> from_body(const Json& b);
};

// Answered with TASK_INFO when the task is terminal, or when timeout_ms has passed.
struct WaitTask {
  std::string task_id;
  std::int64_t timeout_ms = 30'000;
  Json to_body() const;
  static Result<WaitTask> from_body(const Json& b);
};


// Waits for many tasks at once: one reply (TASK_LIST, in the order asked) when every one is
// terminal, or at timeout_ms with their states then.
struct WaitTasks {
  std::vector<std::string> task_ids;  // 1..kMaxWaitTasks
  std::int64_t timeout_ms = 30'000;
  Json to_body() const;
  static Result<WaitTasks> from_body(const Json& b);
};

struct TaskInfo {
  TaskView task;
  Json to_body() const;
  static Result<TaskInfo> from_body(const Json& b);
};

// ---- Agent channel --------------------------------------------------------------------------

struct TaskRef {
  std::string task_id;
  std::int64_t attempt = 0;
  bool operator==(const TaskRef& o) const { return task_id == o.task_id && attempt == o.attempt; }
};

// `running`: the attempts the agent holds now (running, queued in it, or finished with the
// TASK_RESULT not yet acknowledged), so the scheduler keeps their leases and cancels the
// others (docs/protocol.md 6.4). Absent (nullopt): the agent does not say; every earlier lease
// of it is fenced off. At most kMaxCapacity entries.
struct Attach {
  AgentSpec agent;
  std::optional<std::vector<TaskRef>> running;
  std::string instance{};  // as Register's
  Json to_body() const;
  static Result<Attach> from_body(const Json& b);
};

struct AttachOk {
  std::int64_t heartbeat_ms = 1000;
  std::int64_t liveness = 3;
  Json to_body() const;
  static Result<AttachOk> from_body(const Json& b);
};

struct AgentHeartbeat {
  std::string agent_id;
  std::vector<TaskRef> running;
  bool draining = false;  // the agent is draining: assign it nothing more
  Json to_body() const;
  static Result<AgentHeartbeat> from_body(const Json& b);
};

struct DrainAgent {
  std::string agent_id;
  Json to_body() const;
  static Result<DrainAgent> from_body(const Json& b);
};

struct DrainAgentOk {
  std::string agent_id;
  std::int64_t running = 0;  // its tasks still running; it leaves when they end
  Json to_body() const;
  static Result<DrainAgentOk> from_body(const Json& b);
};

// One agent's performance as the scheduler saw it (its tasks' outcomes and run times).
struct AgentPerf {
  std::string agent_id;
  bool attached = false;   // false: gone (lost or detached); the figures are its history
  bool draining = false;
  std::int64_t load = 0, capacity = 0;  // attempts it holds now, of its capacity
  std::int64_t done = 0, failed = 0, timed_out = 0;
  double success_rate = 1.0;  // done / (done + failed + timed_out); 1 with none yet
  double mean_ms = 0, p95_ms = 0;  // over its last 256 attempts
  double score = 1.0;         // what selection ranks by (recent success, discounted by run time)
  Json to_json() const;
  static Result<AgentPerf> from_json(const Json& j);
};

struct AgentStatsOk {
  std::vector<AgentPerf> agents;  // by agent id
  Json to_body() const;
  static Result<AgentStatsOk> from_body(const Json& b);
};

struct Drain {
  std::string reason;
  Json to_body() const;
  static Result<Drain> from_body(const Json& b);
};

struct Assign {
  std::string task_id;
  std::int64_t attempt = 0;
  std::string type;
  Json input;
  Json deps = Json::object();  // dependency task id -> its output
  Json metadata = Json::object();
  std::int64_t timeout_ms = 0;
  Json to_body() const;
  static Result<Assign> from_body(const Json& b);
};

struct TaskProgress {
  std::string task_id;
  std::int64_t attempt = 0;
  double progress = 0;  // per cent
  std::string message;
  Json to_body() const;
  static Result<TaskProgress> from_body(const Json& b);
};

struct TaskResult {
  std::string task_id;
  std::int64_t attempt = 0;
  bool ok = true;
  Json output;
  std::string error;
  Json to_body() const;
  static Result<TaskResult> from_body(const Json& b);
};

struct ResultOk {
  std::string task_id;
  std::int64_t attempt = 0;
  bool accepted = true;  // false: stale or already final; the agent drops it either way
  Json to_body() const;
  static Result<ResultOk> from_body(const Json& b);
};

struct CancelTask {
  std::string task_id;
  std::int64_t attempt = 0;
  std::string reason;
  Json to_body() const;
  static Result<CancelTask> from_body(const Json& b);
};

struct Detach {
  std::string agent_id;
  Json to_body() const;
  static Result<Detach> from_body(const Json& b);
};

// ---- Events ---------------------------------------------------------------------------------

// Body of an EVENT. Each publisher numbers its events from 1 within an epoch (a number drawn
// at each process start); (publisher, epoch, seq) names one event, so a subscriber connected
// to several registries' buses drops the copies (common/event_dedup.h). A gap in seq within
// an epoch tells it it missed some and should re-read state with a command; a new epoch is a
// restart, not a gap.
struct Event {
  std::string topic;      // also frame 0 on the bus: "task.completed", "agent.down", ...
  std::string publisher;  // "scheduler", "registry"
  std::uint64_t epoch = 0;  // 1..2^63-1 when sent; 0 = not sent (an older publisher)
  std::uint64_t seq = 0;
  std::int64_t ts_ms = 0;  // wall clock
  Json data = Json::object();
  Json to_body() const;
  static Result<Event> from_body(const Json& b);
};

}  // namespace orion
