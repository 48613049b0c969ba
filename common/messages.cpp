#include "common/messages.h"


#include "common/fields.h"

namespace orion {


namespace {


Json refs_to_json(const std::vector<TaskRef>& refs) {
  Json a = Json::array();
  for (const auto& r : refs) a.push_back({{"task_id", r.task_id}, {"attempt", r.attempt}});
  return a;
}

// `running` of ATTACH and AGENT_HEARTBEAT: an array of {task_id, attempt}, at most kMaxCapacity.
Result<std::vector<TaskRef>> refs_from_json(const Json& a) {
  if (!a.is_array() || a.size() > static_cast<std::size_t>(kMaxCapacity)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'running': must be an array of at most " +
                                                       std::to_string(kMaxCapacity) + " {task_id, attempt}");
  }
  std::vector<TaskRef> out;
  out.reserve(a.size());
  for (const auto& item : a) {
    TaskRef ref;
    auto ok = read_fields<TaskRef>(item, [&](Fields& f, TaskRef&) {
      f.str("task_id", ref.task_id, Need::REQUIRED);
      f.integer("attempt", ref.attempt, Need::REQUIRED, 0, kMaxAttempt);
    });
    if (!ok) return Error{ok.error().code, "field 'running': " + ok.error().message};
    out.push_back(std::move(ref));
  }
  return out;
}

}  // namespace

// ---- Tasks ----------------------------------------------------------------------------------

const char* to_string(BackoffKind kind) {
  switch (kind) {
    case BackoffKind::FIXED: return "fixed";
    case BackoffKind::EXPONENTIAL: return "exponential";
    default: return "unknown";
  }
}

Json RetryPolicy::to_json() const {
  return {{"kind", static_cast<int>(kind)},
          {"initial_ms", initial_ms},
          {"max_ms", max_ms},
          {"multiplier", multiplier},
          {"jitter", jitter}};
}

Result<RetryPolicy> RetryPolicy::from_json(const Json& j) {
  std::int64_t kind = static_cast<std::int64_t>(BackoffKind::FIXED);
  auto r = read_fields<RetryPolicy>(j, [&](Fields& f, RetryPolicy& p) {
    f.integer("kind", kind, Need::OPTIONAL, 1, 2);
    f.integer("initial_ms", p.initial_ms, Need::OPTIONAL, 0, kMaxTimeoutMs);
    f.integer("max_ms", p.max_ms, Need::OPTIONAL, 0, kMaxTimeoutMs);
    f.number("multiplier", p.multiplier, Need::OPTIONAL, 1.0, 10.0);
    f.number("jitter", p.jitter, Need::OPTIONAL, 0.0, 1.0);
  });
  if (!r) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'retry': " + r.error().message);
  r->kind = static_cast<BackoffKind>(kind);
  if (r->max_ms < r->initial_ms) r->max_ms = r->initial_ms;
  return r;
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
  return j;
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
  if (r->type.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'type': must not be empty");
  if (j.contains("retry") && !j["retry"].is_null()) {
    auto p = RetryPolicy::from_json(j["retry"]);
    if (!p) return p.error();
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
  Json h = Json::array();
  for (const auto& c : history) {
    h.push_back({{"state", static_cast<int>(c.state)}, {"at_ms", c.at_ms}, {"attempt", c.attempt}, {"agent", c.agent},
                 {"note", c.note}});
  }
  j["history"] = std::move(h);
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
    f.integer("state", state, Need::REQUIRED, 0, 7);
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
      std::int64_t st = 0;
      auto c = read_fields<StateChange>(item, [&](Fields& f, StateChange& x) {
        f.integer("state", st, Need::REQUIRED, 0, 7);
        f.integer("at_ms", x.at_ms, Need::OPTIONAL, 0, INT64_MAX);
        f.integer("attempt", x.attempt, Need::OPTIONAL, 0, kMaxAttempt);
        f.str("agent", x.agent, Need::OPTIONAL);
        f.str("note", x.note, Need::OPTIONAL, 4096);
      });
      if (!c) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'history': " + c.error().message);
      c->state = static_cast<TaskState>(st);
      r->history.push_back(std::move(*c));
    }
  }
  return r;
}

Json SubmitBatch::to_body() const {
  Json a = Json::array();
  for (const auto& e : tasks) a.push_back({{"key", e.key}, {"task", e.spec.to_json()}});
  Json b = {{"tasks", std::move(a)}};
  if (consensus.enabled()) b["consensus"] = consensus.to_json();
  return b;
}
Result<SubmitBatch> SubmitBatch::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("tasks") || !b["tasks"].is_array()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must be an array");
  }
  const auto& a = b["tasks"];
  if (a.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must not be empty");
  if (a.size() > kMaxBatchTasks) {
    return make_error(ErrorCode::TOO_LARGE, "field 'tasks': more than " + std::to_string(kMaxBatchTasks) + " tasks");
  }
  SubmitBatch out;
  out.tasks.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& item = a[i];
    std::string where = "tasks[" + std::to_string(i) + "]";
    if (!item.is_object()) return make_error(ErrorCode::INVALID_ARGUMENT, "field '" + where + "': must be a map");
    BatchEntry e;
    auto k = read_fields<BatchEntry>(item, [&](Fields& f, BatchEntry&) { f.str("key", e.key, Need::REQUIRED); });
    if (!k) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + k.error().message);
    if (e.key.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": field 'key': must not be empty");
    if (!item.contains("task")) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": field 'task': is required");
    auto spec = TaskSpec::from_json(item["task"]);
    if (!spec) return Error{spec.error().code, where + " (key '" + e.key + "'): " + spec.error().message};
    e.spec = std::move(*spec);
    out.tasks.push_back(std::move(e));
  }
  if (b.contains("consensus") && !b["consensus"].is_null()) {
    auto g = ConsensusGate::from_json(b["consensus"], "consensus");
    if (!g) return g.error();
    out.consensus = std::move(*g);
  }
  return out;
}

Json SubmitBatchOk::to_body() const { return {{"task_ids", task_ids}, {"duplicate", duplicate}}; }
Result<SubmitBatchOk> SubmitBatchOk::from_body(const Json& b) {
  return read_fields<SubmitBatchOk>(b, [](Fields& f, SubmitBatchOk& m) {
    f.str_map("task_ids", m.task_ids, Need::REQUIRED, kMaxBatchTasks);  // one per task of the batch
    f.boolean("duplicate", m.duplicate, Need::OPTIONAL);
  });
}

Json Cancel::to_body() const { return {{"task_id", task_id}, {"reason", reason}}; }
Result<Cancel> Cancel::from_body(const Json& b) {
  return read_fields<Cancel>(b, [](Fields& f, Cancel& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.str("reason", m.reason, Need::OPTIONAL, 4096);
  });
}

Json CancelOk::to_body() const {
  return {{"task_id", task_id}, {"state", static_cast<int>(state)}, {"also_ended", also_ended}};
}
Result<CancelOk> CancelOk::from_body(const Json& b) {
  std::int64_t state = 0;
  auto r = read_fields<CancelOk>(b, [&](Fields& f, CancelOk& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("state", state, Need::REQUIRED, 0, 7);
    f.str_list("also_ended", m.also_ended, Need::OPTIONAL, kMaxBatchTasks);
  });
  if (r) r->state = static_cast<TaskState>(state);
  return r;
}

Json Reprioritize::to_body() const { return {{"task_id", task_id}, {"priority", static_cast<int>(priority)}}; }
Result<Reprioritize> Reprioritize::from_body(const Json& b) {
  std::int64_t p = 0;
  auto r = read_fields<Reprioritize>(b, [&](Fields& f, Reprioritize& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("priority", p, Need::REQUIRED, 1, 5);
  });
  if (r) r->priority = static_cast<Priority>(p);
  return r;
}

Json ReprioritizeOk::to_body() const {
  return {{"task_id", task_id},
          {"priority", static_cast<int>(priority)},
          {"effective_priority", static_cast<int>(effective_priority)}};
}
Result<ReprioritizeOk> ReprioritizeOk::from_body(const Json& b) {
  std::int64_t p = 0, e = 0;
  auto r = read_fields<ReprioritizeOk>(b, [&](Fields& f, ReprioritizeOk& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("priority", p, Need::REQUIRED, 1, 5);
    f.integer("effective_priority", e, Need::OPTIONAL, 0, 5);
  });
  if (r) r->priority = static_cast<Priority>(p), r->effective_priority = static_cast<Priority>(e);
  return r;
}

Json ListTasks::to_body() const {
  Json st = Json::array(), pr = Json::array();
  for (auto s : states) st.push_back(static_cast<int>(s));
  for (auto p : priorities) pr.push_back(static_cast<int>(p));
  return {{"states", st}, {"types", types}, {"priorities", pr}, {"limit", limit}, {"after", after}};
}
Result<ListTasks> ListTasks::from_body(const Json& b) {
  auto r = read_fields<ListTasks>(b, [](Fields& f, ListTasks& m) {
    f.str_list("types", m.types, Need::OPTIONAL);
    f.integer("limit", m.limit, Need::OPTIONAL, 1, 10'000);
    f.str("after", m.after, Need::OPTIONAL);
  });
  if (!r) return r;
  auto ints = [&](const char* key, int lo, int hi, auto push) -> Status {
    if (!b.contains(key) || b[key].is_null()) return {};
    if (!b[key].is_array() || b[key].size() > 16) {
      return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': must be a short array of integers");
    }
    for (const auto& v : b[key]) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi) {
        return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': values must be in " +
                                                           std::to_string(lo) + ".." + std::to_string(hi));
      }
      push(v.get<int>());
    }
    return {};
  };
  if (auto s = ints("states", 1, 7, [&](int v) { r->states.push_back(static_cast<TaskState>(v)); }); !s) return s.error();
  if (auto s = ints("priorities", 1, 5, [&](int v) { r->priorities.push_back(static_cast<Priority>(v)); }); !s) {
    return s.error();
  }
  return r;
}

Json TaskList::to_body() const {
  Json a = Json::array();
  for (const auto& t : tasks) a.push_back(t.to_json());
  return {{"tasks", std::move(a)}, {"next", next}};
}
Result<TaskList> TaskList::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("tasks") || !b["tasks"].is_array()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must be an array");
  }
  TaskList out;
  for (const auto& j : b["tasks"]) {
    auto v = TaskView::from_json(j);
    if (!v) return v.error();
    out.tasks.push_back(std::move(*v));
  }
  if (b.contains("next") && b["next"].is_string()) out.next = b["next"].get<std::string>();
  return out;
}

Json SubmitTask::to_body() const { return {{"task", spec.to_json()}}; }
Result<SubmitTask> SubmitTask::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("task")) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'task': is required");
  auto s = TaskSpec::from_json(b["task"]);
  if (!s) return s.error();
  return SubmitTask{std::move(*s)};
}

Json SubmitOk::to_body() const { return {{"task_id", task_id}, {"duplicate", duplicate}}; }
Result<SubmitOk> SubmitOk::from_body(const Json& b) {
  return read_fields<SubmitOk>(b, [](Fields& f, SubmitOk& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.boolean("duplicate", m.duplicate, Need::OPTIONAL);
  });
}

Json GetTask::to_body() const { return {{"task_id", task_id}}; }
Result<GetTask> GetTask::from_body(const Json& b) {
  return read_fields<GetTask>(b, [](Fields& f, GetTask& m) { f.str("task_id", m.task_id, Need::REQUIRED); });
}

Json WaitTask::to_body() const { return {{"task_id", task_id}, {"timeout_ms", timeout_ms}}; }
Result<WaitTask> WaitTask::from_body(const Json& b) {
  return read_fields<WaitTask>(b, [](Fields& f, WaitTask& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("timeout_ms", m.timeout_ms, Need::OPTIONAL, 0, 3'600'000);
  });
}

Json WaitTasks::to_body() const { return {{"task_ids", task_ids}, {"timeout_ms", timeout_ms}}; }
Result<WaitTasks> WaitTasks::from_body(const Json& b) {
  auto r = read_fields<WaitTasks>(b, [](Fields& f, WaitTasks& m) {
    f.str_list("task_ids", m.task_ids, Need::REQUIRED, kMaxWaitTasks);
    f.integer("timeout_ms", m.timeout_ms, Need::OPTIONAL, 0, 3'600'000);
  });
  if (r && r->task_ids.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'task_ids': must not be empty");
  return r;
}

Json TaskInfo::to_body() const { return {{"task", task.to_json()}}; }
Result<TaskInfo> TaskInfo::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("task")) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'task': is required");
  auto v = TaskView::from_json(b["task"]);
  if (!v) return v.error();
  return TaskInfo{std::move(*v)};
}

// ---- Agent channel --------------------------------------------------------------------------

Json Attach::to_body() const {
  Json j = Register{agent, instance}.to_body();
  if (running) j["running"] = refs_to_json(*running);  // omitted when not said: older peers see no change
  return j;
}
Result<Attach> Attach::from_body(const Json& b) {
  auto r = Register::from_body(b);
  if (!r) return r.error();
  Attach out{std::move(r->agent), std::nullopt, std::move(r->instance)};
  if (b.contains("running")) {
    auto refs = refs_from_json(b["running"]);
    if (!refs) return refs.error();
    out.running = std::move(*refs);
  }
  return out;
}

Json AttachOk::to_body() const { return {{"heartbeat_ms", heartbeat_ms}, {"liveness", liveness}}; }
Result<AttachOk> AttachOk::from_body(const Json& b) {
  return read_fields<AttachOk>(b, [](Fields& f, AttachOk& m) {
    f.integer("heartbeat_ms", m.heartbeat_ms, Need::REQUIRED, 1, 3'600'000);
    f.integer("liveness", m.liveness, Need::OPTIONAL, 1, 1000);
  });
}

Json AgentHeartbeat::to_body() const {
  Json j = {{"agent_id", agent_id}, {"running", refs_to_json(running)}};
  if (draining) j["draining"] = true;
  return j;
}
Result<AgentHeartbeat> AgentHeartbeat::from_body(const Json& b) {
  auto r = read_fields<AgentHeartbeat>(b, [](Fields& f, AgentHeartbeat& m) {
    f.str("agent_id", m.agent_id, Need::REQUIRED);
    f.boolean("draining", m.draining, Need::OPTIONAL);
  });
  if (!r) return r;
  if (b.contains("running")) {
    auto refs = refs_from_json(b["running"]);
    if (!refs) return refs.error();
    r->running = std::move(*refs);
  }
  return r;
}

Json DrainAgent::to_body() const { return {{"agent_id", agent_id}}; }
Result<DrainAgent> DrainAgent::from_body(const Json& b) {
  return read_fields<DrainAgent>(b, [](Fields& f, DrainAgent& m) { f.str("agent_id", m.agent_id, Need::REQUIRED); });
}
Json DrainAgentOk::to_body() const { return {{"agent_id", agent_id}, {"running", running}}; }
Result<DrainAgentOk> DrainAgentOk::from_body(const Json& b) {
  return read_fields<DrainAgentOk>(b, [](Fields& f, DrainAgentOk& m) {
    f.str("agent_id", m.agent_id, Need::REQUIRED);
    f.integer("running", m.running, Need::OPTIONAL, 0, kMaxCapacity);
  });
}
Json AgentPerf::to_json() const {
  return {{"agent_id", agent_id}, {"attached", attached}, {"draining", draining}, {"load", load},
          {"capacity", capacity}, {"done", done}, {"failed", failed}, {"timed_out", timed_out},
          {"success_rate", success_rate}, {"mean_ms", mean_ms}, {"p95_ms", p95_ms}, {"score", score}};
}
Result<AgentPerf> AgentPerf::from_json(const Json& j) {
  return read_fields<AgentPerf>(j, [](Fields& f, AgentPerf& m) {
    f.str("agent_id", m.agent_id, Need::REQUIRED);
    f.boolean("attached", m.attached, Need::OPTIONAL);
    f.boolean("draining", m.draining, Need::OPTIONAL);
    f.integer("load", m.load, Need::OPTIONAL, 0, kMaxCapacity);
    f.integer("capacity", m.capacity, Need::OPTIONAL, 0, kMaxCapacity);
    f.integer("done", m.done, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("failed", m.failed, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("timed_out", m.timed_out, Need::OPTIONAL, 0, INT64_MAX);
    f.number("success_rate", m.success_rate, Need::OPTIONAL, 0, 1);
    f.number("mean_ms", m.mean_ms, Need::OPTIONAL, 0, 1e15);
    f.number("p95_ms", m.p95_ms, Need::OPTIONAL, 0, 1e15);
    f.number("score", m.score, Need::OPTIONAL, 0, 1);
  });
}
Json AgentStatsOk::to_body() const {
  Json a = Json::array();
  for (const auto& p : agents) a.push_back(p.to_json());
  return {{"agents", std::move(a)}};
}
Result<AgentStatsOk> AgentStatsOk::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("agents") || !b["agents"].is_array() || b["agents"].size() > 1'000'000) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'agents': must be an array");
  }
  AgentStatsOk out;
  for (const auto& j : b["agents"]) {
    auto p = AgentPerf::from_json(j);
    if (!p) return p.error();
    out.agents.push_back(std::move(*p));
  }
  return out;
}

Json Drain::to_body() const { return {{"reason", reason}}; }
Result<Drain> Drain::from_body(const Json& b) {
  return read_fields<Drain>(b, [](Fields& f, Drain& m) { f.str("reason", m.reason, Need::OPTIONAL, 4096); });
}

Json Assign::to_body() const {
  Json j = {{"task_id", task_id}, {"attempt", attempt},   {"type", type},
            {"input", input},     {"metadata", metadata}, {"timeout_ms", timeout_ms}};
  if (!deps.empty()) j["deps"] = deps;
  return j;
}
Result<Assign> Assign::from_body(const Json& b) {
  return read_fields<Assign>(b, [](Fields& f, Assign& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("attempt", m.attempt, Need::REQUIRED, 1, kMaxAttempt);
    f.str("type", m.type, Need::REQUIRED);
    f.any("input", m.input, Need::OPTIONAL);
    f.object("metadata", m.metadata, Need::OPTIONAL);
    f.integer("timeout_ms", m.timeout_ms, Need::OPTIONAL, 0, kMaxTimeoutMs);
    f.object("deps", m.deps, Need::OPTIONAL);
  });
}

Json TaskProgress::to_body() const {
  return {{"task_id", task_id}, {"attempt", attempt}, {"progress", progress}, {"message", message}};
}
Result<TaskProgress> TaskProgress::from_body(const Json& b) {
  return read_fields<TaskProgress>(b, [](Fields& f, TaskProgress& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("attempt", m.attempt, Need::REQUIRED, 1, kMaxAttempt);
    f.number("progress", m.progress, Need::OPTIONAL, 0, 100);
    f.str("message", m.message, Need::OPTIONAL, 4096);
  });
}

Json TaskResult::to_body() const {
  return {{"task_id", task_id}, {"attempt", attempt}, {"ok", ok}, {"output", output}, {"error", error}};
}
Result<TaskResult> TaskResult::from_body(const Json& b) {
  auto r = read_fields<TaskResult>(b, [](Fields& f, TaskResult& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("attempt", m.attempt, Need::REQUIRED, 1, kMaxAttempt);
    f.boolean("ok", m.ok, Need::REQUIRED);
    f.any("output", m.output, Need::OPTIONAL);
    f.str("error", m.error, Need::OPTIONAL, kMaxInputBytes);
  });
  if (r && encode_value(r->output).size() > kMaxInputBytes) {
    return make_error(ErrorCode::TOO_LARGE, "field 'output': larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  return r;
}

Json ResultOk::to_body() const { return {{"task_id", task_id}, {"attempt", attempt}, {"accepted", accepted}}; }
Result<ResultOk> ResultOk::from_body(const Json& b) {
  return read_fields<ResultOk>(b, [](Fields& f, ResultOk& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("attempt", m.attempt, Need::REQUIRED, 0, kMaxAttempt);
    f.boolean("accepted", m.accepted, Need::OPTIONAL);
  });
}

Json CancelTask::to_body() const { return {{"task_id", task_id}, {"attempt", attempt}, {"reason", reason}}; }
Result<CancelTask> CancelTask::from_body(const Json& b) {
  return read_fields<CancelTask>(b, [](Fields& f, CancelTask& m) {
    f.str("task_id", m.task_id, Need::REQUIRED);
    f.integer("attempt", m.attempt, Need::REQUIRED, 0, kMaxAttempt);
    f.str("reason", m.reason, Need::OPTIONAL, 4096);
  });
}

Json Detach::to_body() const { return {{"agent_id", agent_id}}; }
Result<Detach> Detach::from_body(const Json& b) {
  return read_fields<Detach>(b, [](Fields& f, Detach& m) { f.str("agent_id", m.agent_id, Need::REQUIRED); });
}

// ---- Events ---------------------------------------------------------------------------------

Json Event::to_body() const {
  Json b = {{"topic", topic}, {"publisher", publisher}, {"seq", seq}, {"ts_ms", ts_ms}, {"data", data}};
  if (epoch != 0) b["epoch"] = epoch;
  return b;
}
Result<Event> Event::from_body(const Json& b) {
  std::int64_t seq = 0, epoch = 0;
  auto r = read_fields<Event>(b, [&](Fields& f, Event& m) {
    f.str("topic", m.topic, Need::REQUIRED);
    f.str("publisher", m.publisher, Need::OPTIONAL);
    f.integer("epoch", epoch, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("seq", seq, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("ts_ms", m.ts_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.object("data", m.data, Need::OPTIONAL);
  });
  if (r) {
    r->seq = static_cast<std::uint64_t>(seq);
    r->epoch = static_cast<std::uint64_t>(epoch);
  }
  return r;
}

}  // namespace orion
