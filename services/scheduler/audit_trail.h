// What the scheduler writes to its audit log (common/audit_log.h, protocol.md section 15): one
// record per state-changing request on its client and agent sockets, refusals included, made
// from the request and the reply it got (no pass over the tasks: a batch is one record). The
// records are records of the scheduler's Log, kind kAuditRecordKind keyed by seq, written with
// the turn's other changes (the SQLite transaction, or the turn's Raft entry).
//
//   const char* action = audit_action(e.type);         // nullptr: not recorded (reads, results)
//   AuditEvent ev = audit_event(e, reply, principal, clock.wall_ms(), note);
//   audit.record(std::move(ev));
#pragma once

#include <cstdint>
#include <string>

#include "common/audit_chain.h"
#include "common/envelope.h"
#include "common/log_store.h"

namespace orion::scheduler {

// tasks 0, workflows 1, batches 2, hits 3, the retention mark 4 (retention_mark.h)
inline constexpr std::uint8_t kAuditRecordKind = 5;
inline constexpr std::uint64_t audit_key(std::uint64_t seq) { return log_key(kAuditRecordKind, seq); }

// The action a request type is recorded as ("submit", "submit_batch", "cancel", "reprioritize",
// "drain", "workflow_run", "workflow_cancel", "workflow_retry", "change_replicas"; on the agent
// socket "register" (ATTACH) and "detach"); nullptr for a request that changes nothing.
const char* audit_action(MsgType type);

// The record of a handled request. `reply`: what it was answered (nullptr: no answer, as for
// DETACH): ERROR gives the outcome (the code's name) and the detail (its message); anything else
// is "OK". The target and detail come from the request's body and the reply (a task id from
// SUBMIT_OK, a workflow id from WORKFLOW_RUN_OK); `note`, when given, is the detail (a batch:
// its size and first task, which only the handler knows).
AuditEvent audit_event(const Envelope& request, const Envelope* reply, std::string principal, std::int64_t time_ms,
                       std::string note = {});

}  // namespace orion::scheduler
