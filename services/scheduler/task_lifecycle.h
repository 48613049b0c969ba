// The task lifecycle as data: every state change a task may make, each under one named cause,
// and the predicates the scheduler asks of a task's state (is_leased, is_queued). The core
// changes a task's state only through transition() (SchedulerCore::transition), which checks
// this table; docs/protocol.md §8.2 lists the same rows (a unit test reads both and compares).
//
//   if (!transition(t, TaskState::ASSIGNED, Cause::ASSIGN)) return;  // refused: a bug, logged
//   bool ok = transition_allowed(TaskState::FAILED, TaskState::PENDING, Cause::REOPEN);  // true
//
// A refused transition is a bug in the scheduler, never the effect of a message: every caller
// checks the state its cause needs before it calls. Debug builds abort on it (assert); release
// builds log it (error, with the task, both states and the cause), leave the task as it was and
// return false, and the caller does nothing more to the task. check_invariants then reports
// whatever the refusal left out of step.
//
// Loading a state is not a transition: a record restored at start-up (restore, restore_batch)
// or applied on a hot standby (apply_record) holds a state the leader reached through this table.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "common/task_model.h"
#include "services/scheduler/task_record.h"

namespace orion::scheduler {

// Why a task changes state. One target state per cause (kTransitions[cause].to).
enum class Cause : std::uint8_t {
  SUBMIT,             // accepted: SUBMIT, SUBMIT_BATCH, WORKFLOW_RUN
  RESTORE,            // start-up: a stored task without a state (UNKNOWN) is taken as PENDING
  ASSIGN,             // dispatch leased it to an agent: ASSIGN sent, attempt + 1
  START,              // the first TASK_PROGRESS of the current attempt
  RESULT_OK,          // an accepted TASK_RESULT with ok
  RESULT_FAILED,      // an accepted TASK_RESULT without ok, its retries spent
  RETRY,              // an accepted TASK_RESULT without ok, a retry left: failures + 1, retry_at_ms set
  TIMEOUT,            // the attempt ran past timeout_ms (CANCEL_TASK to its agent)
  FENCED,             // its agent was lost, detached, re-attached without it, or did not claim it after
                      // a scheduler restart or leader change: the attempt is fenced off, re-queued
  CANCEL,             // CANCEL (or CANCEL_WORKFLOW of its workflow)
  GATE_CLOSED,        // its consensus gate was rejected, expired or refused
  DEPENDENCY_FAILED,  // a dependency ended FAILED, CANCELLED or TIMEOUT (a lease never outlives it)
  UNSCHEDULABLE,      // no live agent could serve it for its unschedulable timeout
  INPUT_UNRESOLVED,   // at assignment, a workflow step's reference to another step did not resolve
  REOPEN,             // RETRY_WORKFLOW re-opened it in place: same id, attempt kept
  RETRIES_EXHAUSTED,  // an accepted TASK_RESULT without ok, its retries spent, its spec on_exhausted "park"
  PARKED_RETRY,       // RETRY_PARKED: queued again, failures reset to 0 (a full retry budget), attempt kept
  DISCARD,            // DISCARD_PARKED, or CANCEL of a parked task (CANCEL_WORKFLOW of its workflow)
};
constexpr std::size_t kCauseCount = 18;

constexpr std::uint16_t state_bit(TaskState s) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s)); }

struct Transition {
  Cause cause;
  std::uint16_t from;  // a mask of state_bit()s
  TaskState to;
  std::string_view name;  // as docs/protocol.md §8.2 spells it
};

// The lifecycle, one row per cause, in Cause order. A terminal state changes only by REOPEN, and
// COMPLETED never does.
inline constexpr std::array<Transition, kCauseCount> kTransitions{{
    {Cause::SUBMIT, state_bit(TaskState::UNKNOWN), TaskState::PENDING, "SUBMIT"},
    {Cause::RESTORE, state_bit(TaskState::UNKNOWN), TaskState::PENDING, "RESTORE"},
    {Cause::ASSIGN, state_bit(TaskState::PENDING), TaskState::ASSIGNED, "ASSIGN"},
    {Cause::START, state_bit(TaskState::ASSIGNED), TaskState::RUNNING, "START"},
    {Cause::RESULT_OK, state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING), TaskState::COMPLETED, "RESULT_OK"},
    {Cause::RESULT_FAILED, state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING), TaskState::FAILED, "RESULT_FAILED"},
    {Cause::RETRY, state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING), TaskState::PENDING, "RETRY"},
    {Cause::TIMEOUT, state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING), TaskState::TIMEOUT, "TIMEOUT"},
    {Cause::FENCED, state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING), TaskState::PENDING, "FENCED"},
    {Cause::CANCEL, state_bit(TaskState::PENDING) | state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING),
     TaskState::CANCELLED, "CANCEL"},
    {Cause::GATE_CLOSED, state_bit(TaskState::PENDING), TaskState::CANCELLED, "GATE_CLOSED"},
    {Cause::DEPENDENCY_FAILED, state_bit(TaskState::PENDING) | state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING),
     TaskState::FAILED, "DEPENDENCY_FAILED"},
    {Cause::UNSCHEDULABLE, state_bit(TaskState::PENDING), TaskState::FAILED, "UNSCHEDULABLE"},
    {Cause::INPUT_UNRESOLVED, state_bit(TaskState::PENDING), TaskState::FAILED, "INPUT_UNRESOLVED"},
    {Cause::REOPEN, state_bit(TaskState::FAILED) | state_bit(TaskState::CANCELLED) | state_bit(TaskState::TIMEOUT),
     TaskState::PENDING, "REOPEN"},
    {Cause::RETRIES_EXHAUSTED, state_bit(TaskState::ASSIGNED) | state_bit(TaskState::RUNNING), TaskState::PARKED,
     "RETRIES_EXHAUSTED"},
    {Cause::PARKED_RETRY, state_bit(TaskState::PARKED), TaskState::PENDING, "PARKED_RETRY"},
    {Cause::DISCARD, state_bit(TaskState::PARKED), TaskState::CANCELLED, "DISCARD"},
}};

constexpr bool table_in_cause_order() {
  for (std::size_t i = 0; i < kTransitions.size(); ++i) {
    if (static_cast<std::size_t>(kTransitions[i].cause) != i) return false;
  }
  return true;
}
static_assert(table_in_cause_order(), "kTransitions: one row per Cause, in Cause order");

constexpr bool transition_allowed(TaskState from, TaskState to, Cause cause) {
  const auto i = static_cast<std::size_t>(cause);
  if (i >= kTransitions.size() || static_cast<unsigned>(from) > static_cast<unsigned>(TaskState::PARKED)) return false;
  const Transition& t = kTransitions[i];
  return t.to == to && (t.from & state_bit(from)) != 0;
}
static_assert(!transition_allowed(TaskState::COMPLETED, TaskState::PENDING, Cause::REOPEN), "COMPLETED never changes");

// PARKED is left only by PARKED_RETRY and DISCARD; only a leased attempt's spent retries enter it.
constexpr bool parked_rows_only() {
  for (const auto& t : kTransitions) {
    const bool leaves = (t.from & state_bit(TaskState::PARKED)) != 0;
    if (leaves != (t.cause == Cause::PARKED_RETRY || t.cause == Cause::DISCARD)) return false;
    if ((t.to == TaskState::PARKED) != (t.cause == Cause::RETRIES_EXHAUSTED)) return false;
  }
  return true;
}
static_assert(parked_rows_only(), "kTransitions: PARKED is left only by PARKED_RETRY or DISCARD, entered only by RETRIES_EXHAUSTED");
static_assert(!transition_allowed(TaskState::PARKED, TaskState::CANCELLED, Cause::CANCEL), "a parked task is discarded, not cancelled");

std::string_view to_string(Cause cause);

// Leased to an agent: it holds a slot there (AgentPool) until it ends or is fenced.
constexpr bool is_leased(TaskState s) { return s == TaskState::ASSIGNED || s == TaskState::RUNNING; }

// In its class's ready queue (ReadyQueues): PENDING, every dependency met, no retry due, not
// held back by a limit.
inline bool is_queued(const TaskRecord& t) {
  return t.state == TaskState::PENDING && t.unmet == 0 && t.retry_due_ms == 0 && !t.limit_held;
}

// Logs the refused transition (and aborts in a debug build); the task is left as it was.
bool refuse_transition(const TaskRecord& t, TaskState to, Cause cause);

// The transitions this process made, by cause: the counters of its /metrics page
// (service_metrics.cpp). Written by transition() only, on the service's loop thread: one writer,
// so a load and a store, no locked instruction. Loading a state (restore, apply_record) adds none.
inline std::array<std::atomic<std::uint64_t>, kCauseCount> g_transitions_made{};

// The one guarded state change: sets t.state to `to` when the table allows it from t.state under
// `cause` and returns true; otherwise refuses (see the top of this file) and returns false. Only
// the state changes: what goes with it (timestamps, history, events, queues) is the caller's.
// Hot path (submit, assign, complete): a table lookup, no allocation, no call out of line.
inline bool transition(TaskRecord& t, TaskState to, Cause cause) {
  if (!transition_allowed(t.state, to, cause)) return refuse_transition(t, to, cause);
  t.state = to;
  auto& made = g_transitions_made[static_cast<std::size_t>(cause)];
  made.store(made.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return true;
}

}  // namespace orion::scheduler
