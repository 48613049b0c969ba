#include "common/task_pack.h"

namespace orion {

namespace {

// The optional fields of TaskSpec::to_json, in one place for counting and writing.
struct SpecOptionals {
  bool preferred, excluded, retries, retry, depends_on, idempotency, unschedulable, consensus, result_ttl;
  bool not_before, delay, park;  // delayed and parked tasks
  explicit SpecOptionals(const TaskSpec& s)
      : preferred(!s.preferred_agents.empty()),
        excluded(!s.excluded_agents.empty()),
        retries(s.retries != 0),
        retry(s.retries != 0 || s.retry.kind != BackoffKind::FIXED || s.retry.initial_ms != 1000),
        depends_on(!s.depends_on.empty()),
        idempotency(!s.idempotency_key.empty()),
        unschedulable(s.unschedulable_timeout_ms >= 0),
        consensus(s.consensus.enabled()),
        result_ttl(s.result_ttl_ms >= 0),
        not_before(s.not_before_ms != 0),
        delay(s.delay_ms != 0),
        park(s.park) {}
  std::size_t count() const {
    return std::size_t{preferred} + excluded + retries + retry + depends_on + idempotency + unschedulable + consensus + result_ttl +
           not_before + delay + park;
  }
};

constexpr std::size_t kSpecFields = 7;  // always written
constexpr std::size_t kViewFields = 16;  // TaskView's own, besides waiting_on

// Null metadata is the empty map (TaskSpec::metadata).
void pack_metadata(MsgWriter& w, const Json& metadata) {
  w.key("metadata");
  if (metadata.is_null()) w.map(0);
  else w.json(metadata);
}

void pack_spec_fields(MsgWriter& w, const TaskSpec& s, const SpecOptionals& o) {
  w.key("name"), w.str(s.name);
  w.key("type"), w.str(s.type);
  w.key("capabilities"), w.str_list(s.capabilities);
  w.key("priority"), w.integer(static_cast<int>(s.priority));
  w.key("timeout_ms"), w.integer(s.timeout_ms);
  w.key("input"), w.json(s.input);
  pack_metadata(w, s.metadata);
  if (o.preferred) w.key("preferred_agents"), w.str_list(s.preferred_agents);
  if (o.excluded) w.key("excluded_agents"), w.str_list(s.excluded_agents);
  if (o.retries) w.key("retries"), w.integer(s.retries);
  if (o.retry) w.key("retry"), s.retry.write_packed(w);
  if (o.depends_on) w.key("depends_on"), w.str_list(s.depends_on);
  if (o.idempotency) w.key("idempotency_key"), w.str(s.idempotency_key);
  if (o.unschedulable) w.key("unschedulable_timeout_ms"), w.integer(s.unschedulable_timeout_ms);
  if (o.consensus) w.key("consensus"), w.json(s.consensus.to_json());  // rare: the Json tree is fine
  if (o.result_ttl) w.key("result_ttl_ms"), w.integer(s.result_ttl_ms);
  if (o.not_before) w.key("not_before_ms"), w.integer(s.not_before_ms);
  if (o.delay) w.key("delay_ms"), w.integer(s.delay_ms);
  if (o.park) w.key("on_exhausted"), w.str("park");
}

}  // namespace

void pack(MsgWriter& w, const TaskSpec& s) {
  SpecOptionals o(s);
  w.map(kSpecFields + o.count());
  pack_spec_fields(w, s, o);
}

void pack(MsgWriter& w, const TaskView& v, bool with_waiting_on) {
  pack(w,
       TaskViewParts{v.task_id, v.spec, v.state, v.effective_priority, v.failures, v.retry_at_ms, v.waiting_on,
                     v.history, v.assigned_agent, v.attempt, v.progress, v.output, v.error, v.reason, v.created_ms,
                     v.assigned_ms, v.started_ms, v.finished_ms, v.gate},
       with_waiting_on);
}

void pack(MsgWriter& w, const TaskViewParts& v, bool with_waiting_on) {
  SpecOptionals o(v.spec);
  bool gated = !v.gate.id.empty();
  w.map(kSpecFields + o.count() + kViewFields + (with_waiting_on ? 1 : 0) + (gated ? 1 : 0));
  pack_spec_fields(w, v.spec, o);
  w.key("task_id"), w.str(v.task_id);
  w.key("state"), w.integer(static_cast<int>(v.state));
  w.key("effective_priority"), w.integer(static_cast<int>(v.effective_priority));
  w.key("failures"), w.integer(v.failures);
  w.key("retry_at_ms"), w.integer(v.retry_at_ms);
  if (with_waiting_on) w.key("waiting_on"), w.str_list(v.waiting_on);
  w.key("history"), w.array(v.history.size());
  for (const auto& c : v.history) c.write_packed(w);
  w.key("assigned_agent"), w.str(v.assigned_agent);
  w.key("attempt"), w.integer(v.attempt);
  w.key("progress"), w.number(v.progress);
  w.key("output"), w.json(v.output);
  w.key("error"), w.str(v.error);
  w.key("reason"), w.str(v.reason);
  w.key("created_ms"), w.integer(v.created_ms);
  w.key("assigned_ms"), w.integer(v.assigned_ms);
  w.key("started_ms"), w.integer(v.started_ms);
  w.key("finished_ms"), w.integer(v.finished_ms);
  if (gated) w.key("gate"), w.json(v.gate.to_json());
}

std::string pack_task_info(const TaskView& v) {
  MsgWriter w;
  w.map(1);
  w.key("task");
  pack(w, v);
  return w.take();
}

std::string pack_task_list(const std::vector<TaskView>& views) {
  std::vector<const TaskView*> all;
  all.reserve(views.size());
  for (const auto& v : views) all.push_back(&v);
  return pack_task_list(all);
}

std::string pack_task_list(const std::vector<const TaskView*>& views) {
  return pack_task_list(views.size(), [&](MsgWriter& w, std::size_t i) { pack(w, *views[i]); });
}

std::string pack_task_list(std::size_t count, const std::function<void(MsgWriter&, std::size_t)>& pack_view) {
  MsgWriter w;
  w.reserve(512 * count);
  w.map(2);
  w.key("tasks"), w.array(count);
  for (std::size_t i = 0; i < count; ++i) pack_view(w, i);
  w.key("next"), w.str("");
  return w.take();
}

std::string pack_assign(const TaskView& v, const std::vector<std::pair<std::string, const Json*>>& deps) {
  return pack_assign(v.task_id, v.attempt, v.spec, v.spec.input, deps);
}

std::string pack_assign(const std::string& task_id, std::int64_t attempt, const TaskSpec& spec, const Json& input,
                        const std::vector<std::pair<std::string, const Json*>>& deps) {
  MsgWriter w;
  w.map(deps.empty() ? 6 : 7);
  w.key("task_id"), w.str(task_id);
  w.key("attempt"), w.integer(attempt);
  w.key("type"), w.str(spec.type);
  w.key("input"), w.json(input);
  pack_metadata(w, spec.metadata);
  w.key("timeout_ms"), w.integer(spec.timeout_ms);
  if (!deps.empty()) {
    w.key("deps"), w.map(deps.size());
    for (const auto& d : deps) w.key(d.first), w.json(*d.second);
  }
  return w.take();
}

std::string pack_event(const std::string& topic, const std::string& publisher, std::uint64_t epoch, std::uint64_t seq,
                       std::int64_t ts_ms, std::string_view packed_data) {
  MsgWriter w;
  w.map(epoch != 0 ? 6 : 5);
  w.key("topic"), w.str(topic);
  w.key("publisher"), w.str(publisher);
  if (epoch != 0) w.key("epoch"), w.integer(static_cast<std::int64_t>(epoch));
  w.key("seq"), w.integer(static_cast<std::int64_t>(seq));
  w.key("ts_ms"), w.integer(ts_ms);
  w.key("data"), w.raw(packed_data);
  return w.take();
}

std::string pack_submit_batch(const std::vector<BatchEntry>& tasks, const ConsensusGate& consensus) {
  MsgWriter w;
  w.reserve(64 + tasks.size() * 160);  // an echo task's entry is about 130 bytes
  w.map(consensus.enabled() ? 2 : 1);
  if (consensus.enabled()) w.key("consensus"), w.json(consensus.to_json());
  w.key("tasks"), w.array(tasks.size());
  for (const auto& e : tasks) {
    w.map(2);
    w.key("key"), w.str(e.key);
    w.key("task"), pack(w, e.spec);
  }
  return w.take();
}

std::string pack_submit_batch_ok(const SubmitBatchOk& ok) {
  MsgWriter w;
  w.map(2);  // keys in the order nlohmann writes them: the bytes are those of to_body()
  w.key("duplicate"), w.boolean(ok.duplicate);
  w.key("task_ids"), w.map(ok.task_ids.size());
  for (const auto& [key, id] : ok.task_ids) w.str(key), w.str(id);
  return w.take();
}

}  // namespace orion
