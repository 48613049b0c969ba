// The task records kept by hand: TaskSpec (what SUBMIT, SUBMIT_BATCH and a workflow's steps carry)
// and TaskView (what TASK_INFO and TASK_LIST answer); the records they hold are generated
// (common/task_parts_messages.h), as is BatchEntry (common/task_messages.h). Their Json readers are
// the reference the packed readers and writers of the services' hot paths mirror error for error
// and key for key (batch_decode.cpp, task_list_decode.cpp, task_pack.cpp, object_fields.cpp);
// their fields are documented in common/protocol.toml and docs/protocol.md section 5.1.
//
//   TaskSpec s; s.type = "echo"; s.priority = Priority::HIGH;
//   Result<TaskSpec> back = TaskSpec::from_json(s.to_json());
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/protocol_schema.h"
#include "common/status.h"
#include "common/task_gate.h"
#include "common/task_model.h"
#include "common/task_parts_messages.h"

namespace orion {

// RetryPolicy and StateChange (one entry of a task's history) are generated:
// common/task_parts_messages.h. A RetryPolicy waits before retry n (n = 1 for the first retry):
//   FIXED        initial_ms
//   EXPONENTIAL  min(max_ms, initial_ms * multiplier^(n-1))
// then shortened by a deterministic fraction in [0, jitter) drawn from (task, n), so a replay
// of the log gives the same delays.

// A RetryPolicy read under a TaskSpec's "retry": its error as INVALID_ARGUMENT "field 'retry': ..."
// (for TaskSpec::from_json and its packed twin, object_fields.cpp).
Error retry_error(const Error& e);

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
  // Delayed tasks (docs/protocol.md section 8.6): not dispatched before not_before_ms (wall clock,
  // epoch ms; 0 = none). delay_ms (0..kMaxDelayMs) asks the same from acceptance: the scheduler
  // stores not_before_ms = created_ms + delay_ms and sets delay_ms to 0, so a held task never has
  // both (a spec giving both is INVALID_ARGUMENT).
  std::int64_t not_before_ms = 0;
  std::int64_t delay_ms = 0;
  // on_exhausted: "park" (true) holds a task whose retries are spent PARKED, "fail" (false) ends it FAILED.
  bool park = false;

  Json to_json() const;
  static Result<TaskSpec> from_json(const Json& j);
};

// The rules of TaskSpec's delay and on_exhausted fields (its Json and packed readers both call
// these): INVALID_ARGUMENT naming the field.
Status check_delay_fields(const TaskSpec& s);
Result<bool> on_exhausted_from(const std::string& value);

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


}  // namespace orion
