#include "common/task_records.h"

#include "common/field_rows.h"
#include "common/fields.h"

namespace orion {
Status check_retry_policy(RetryPolicy& p) {
  if (p.max_ms < p.initial_ms) p.max_ms = p.initial_ms;
  return {};
}

Error retry_error(const Error& e) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "field 'retry': " + e.message);
}

Json TaskSpec::to_json() const {
  Json j = {{"name", name},
            {"type", type},
            {"capabilities", capabilities},
            {"priority", static_cast<int>(priority)},
            {"timeout_ms", timeout_ms},
            {"input", input},
            {"metadata", metadata.is_null() ? Json::object() : metadata}};
  // Optional fields only when set: keeps the common message small and its wire form stable.
  if (!preferred_agents.empty()) j["preferred_agents"] = preferred_agents;
  if (!excluded_agents.empty()) j["excluded_agents"] = excluded_agents;
  if (retries != 0) j["retries"] = retries;
  if (retries != 0 || retry.kind != BackoffKind::FIXED || retry.initial_ms != 1000) j["retry"] = retry.to_json();
  if (!depends_on.empty()) j["depends_on"] = depends_on;
  if (!idempotency_key.empty()) j["idempotency_key"] = idempotency_key;
  if (unschedulable_timeout_ms >= 0) j["unschedulable_timeout_ms"] = unschedulable_timeout_ms;
  if (consensus.enabled()) j["consensus"] = consensus.to_json();
  if (result_ttl_ms >= 0) j["result_ttl_ms"] = result_ttl_ms;
  if (not_before_ms != 0) j["not_before_ms"] = not_before_ms;
  if (delay_ms != 0) j["delay_ms"] = delay_ms;
  if (park) j["on_exhausted"] = "park";
  return j;
}

Status check_delay_fields(const TaskSpec& s) {
  if (s.not_before_ms != 0 && s.delay_ms != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'delay_ms': give it or 'not_before_ms', not both");
  }
  return {};
}

Result<bool> on_exhausted_from(const std::string& value) {
  if (value.empty() || value == "fail") return false;
  if (value == "park") return true;
  return make_error(ErrorCode::INVALID_ARGUMENT, "field 'on_exhausted': must be \"fail\" or \"park\"");
}

Result<TaskSpec> TaskSpec::from_json(const Json& j) {
  std::int64_t priority = static_cast<std::int64_t>(Priority::NORMAL);
  auto r = read_fields<TaskSpec>(j, [&](Fields& f, TaskSpec& t) {
    f.str("name", t.name, Need::OPTIONAL);
    f.str("type", t.type, Need::REQUIRED);
    f.str_list("capabilities", t.capabilities, Need::OPTIONAL);
    f.str_list("preferred_agents", t.preferred_agents, Need::OPTIONAL);
    f.str_list("excluded_agents", t.excluded_agents, Need::OPTIONAL);
    f.integer("priority", priority, Need::OPTIONAL, 1, 5);
    f.integer("timeout_ms", t.timeout_ms, Need::OPTIONAL, 0, kMaxTimeoutMs);
    f.integer("retries", t.retries, Need::OPTIONAL, 0, kMaxRetries);
    f.str_list("depends_on", t.depends_on, Need::OPTIONAL, kMaxBatchTasks);
    f.str("idempotency_key", t.idempotency_key, Need::OPTIONAL);
    f.integer("unschedulable_timeout_ms", t.unschedulable_timeout_ms, Need::OPTIONAL, -1, kMaxTimeoutMs);
    f.any("input", t.input, Need::OPTIONAL);
    f.object("metadata", t.metadata, Need::OPTIONAL);
    f.integer("result_ttl_ms", t.result_ttl_ms, Need::OPTIONAL, -1, kMaxRetentionMs);
  });
  if (!r) return r;
  std::string on_exhausted;
  Fields later(j);  // the fields of delayed and parked tasks
  later.integer("not_before_ms", r->not_before_ms, Need::OPTIONAL, 0, INT64_MAX);
  later.integer("delay_ms", r->delay_ms, Need::OPTIONAL, 0, kMaxDelayMs);
  later.str("on_exhausted", on_exhausted, Need::OPTIONAL);
  if (!later.ok()) return later.error();
  if (auto s = check_delay_fields(*r); !s) return s.error();
  auto park = on_exhausted_from(on_exhausted);
  if (!park) return park.error();
  r->park = *park;
  if (r->type.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'type': must not be empty");
  if (j.contains("retry") && !j["retry"].is_null()) {
    auto p = RetryPolicy::from_json(j["retry"]);
    if (!p) return retry_error(p.error());
    r->retry = *p;
  }
  if (encode_value(r->input).size() > kMaxInputBytes) {
    return make_error(ErrorCode::TOO_LARGE, "field 'input': larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  r->priority = static_cast<Priority>(priority);
  bool has_gate = j.contains("consensus") && !j["consensus"].is_null();
  bool has_short = j.contains("require_consensus") && !j["require_consensus"].is_null();
  if (has_gate && has_short) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'require_consensus': give it or 'consensus', not both");
  }
  if (has_gate || has_short) {
    auto g = ConsensusGate::from_json(has_gate ? j["consensus"] : j["require_consensus"],
                                      has_gate ? "consensus" : "require_consensus");
    if (!g) return g.error();
    r->consensus = std::move(*g);
  }
  return r;
}

Json TaskView::to_json() const {
  Json j = spec.to_json();
  j["task_id"] = task_id;
  j["state"] = static_cast<int>(state);
  j["effective_priority"] = static_cast<int>(effective_priority);
  j["failures"] = failures;
  j["retry_at_ms"] = retry_at_ms;
  j["waiting_on"] = waiting_on;
  j["history"] = rows_to_json(history);
  j["assigned_agent"] = assigned_agent;
  j["attempt"] = attempt;
  j["progress"] = progress;
  j["output"] = output;
  j["error"] = error;
  j["reason"] = reason;
  j["created_ms"] = created_ms;
  j["assigned_ms"] = assigned_ms;
  j["started_ms"] = started_ms;
  j["finished_ms"] = finished_ms;
  if (!gate.id.empty()) j["gate"] = gate.to_json();
  return j;
}

Result<TaskView> TaskView::from_json(const Json& j) {
  auto spec = TaskSpec::from_json(j);
  if (!spec) return spec.error();
  std::int64_t state = 0, effective = 0;
  auto r = read_fields<TaskView>(j, [&](Fields& f, TaskView& v) {
    f.str("task_id", v.task_id, Need::REQUIRED);
    f.integer("state", state, Need::REQUIRED, 0, 8);
    f.integer("effective_priority", effective, Need::OPTIONAL, 0, 5);
    f.integer("failures", v.failures, Need::OPTIONAL, 0, kMaxRetries + 1);
    f.integer("retry_at_ms", v.retry_at_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.str_list("waiting_on", v.waiting_on, Need::OPTIONAL, kMaxBatchTasks);
    f.str("assigned_agent", v.assigned_agent, Need::OPTIONAL);
    f.integer("attempt", v.attempt, Need::OPTIONAL, 0, kMaxAttempt);
    f.number("progress", v.progress, Need::OPTIONAL, 0, 100);
    f.any("output", v.output, Need::OPTIONAL);
    f.str("error", v.error, Need::OPTIONAL, kMaxInputBytes);
    f.str("reason", v.reason, Need::OPTIONAL, 4096);
    f.integer("created_ms", v.created_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("assigned_ms", v.assigned_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("started_ms", v.started_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("finished_ms", v.finished_ms, Need::OPTIONAL, 0, INT64_MAX);
  });
  if (!r) return r;
  r->spec = std::move(*spec);
  r->state = static_cast<TaskState>(state);
  r->effective_priority = static_cast<Priority>(effective);
  if (j.contains("gate") && !j["gate"].is_null()) {
    auto g = GateState::from_json(j["gate"]);
    if (!g) return g.error();
    r->gate = std::move(*g);
  }
  if (j.contains("history")) {
    const auto& h = j["history"];
    if (!h.is_array() || h.size() > kMaxHistory) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "field 'history': must be an array of at most 64 entries");
    }
    for (const auto& item : h) {
      auto c = StateChange::from_json(item);
      if (!c) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'history': " + c.error().message);
      r->history.push_back(std::move(*c));
    }
  }
  return r;
}

}  // namespace orion
