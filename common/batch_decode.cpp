// SubmitBatch::from_packed: a SUBMIT_BATCH body read straight from its msgpack objects into
// BatchEntry/TaskSpec values, without the Json tree that decode_value + from_body build (for a
// 100,000-task batch that tree is millions of small allocations, built and freed again).
//
// It MUST accept and refuse exactly what decode_value followed by SubmitBatch::from_body does,
// with the same first error (code and message): the checks below follow Fields (fields.cpp),
// TaskSpec::from_json and SubmitBatch::from_body field by field and in the same order, and a
// differential test (tests/unit/common/batch_decode_test.cpp) compares the two on valid bodies
// and on thousands of mutated ones. Free-form values (input, metadata, retry) still become Json.
#include <cstring>
#include <string_view>

#include "common/fields.h"
#include "common/messages.h"
#include "common/msgpack_object.h"
#include "common/obj_fields.h"

namespace orion {

namespace {

// TaskSpec::from_json, field for field.
Result<TaskSpec> spec_from_object(const Obj& o) {
  if (o.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a map");
  static const char* const kNames[] = {"name",     "type",       "capabilities",    "preferred_agents",
                                       "excluded_agents", "priority", "timeout_ms", "retries",
                                       "depends_on", "idempotency_key", "unschedulable_timeout_ms", "input",
                                       "metadata", "retry", "consensus", "require_consensus"};
  FieldSet<16> f(kNames, o);
  TaskSpec t;
  std::int64_t priority = static_cast<std::int64_t>(Priority::NORMAL);
  ObjFields r;
  r.str("name", f.value[0], t.name, Need::OPTIONAL);
  r.str("type", f.value[1], t.type, Need::REQUIRED);
  r.str_list("capabilities", f.value[2], t.capabilities, Need::OPTIONAL);
  r.str_list("preferred_agents", f.value[3], t.preferred_agents, Need::OPTIONAL);
  r.str_list("excluded_agents", f.value[4], t.excluded_agents, Need::OPTIONAL);
  r.integer("priority", f.value[5], priority, Need::OPTIONAL, 1, 5);
  r.integer("timeout_ms", f.value[6], t.timeout_ms, Need::OPTIONAL, 0, kMaxTimeoutMs);
  r.integer("retries", f.value[7], t.retries, Need::OPTIONAL, 0, kMaxRetries);
  r.str_list("depends_on", f.value[8], t.depends_on, Need::OPTIONAL, kMaxBatchTasks);
  r.str("idempotency_key", f.value[9], t.idempotency_key, Need::OPTIONAL);
  r.integer("unschedulable_timeout_ms", f.value[10], t.unschedulable_timeout_ms, Need::OPTIONAL, -1, kMaxTimeoutMs);
  r.any("input", f.value[11], t.input, Need::OPTIONAL);
  r.object("metadata", f.value[12], t.metadata, Need::OPTIONAL);
  if (!r.ok()) return r.error();
  if (t.type.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'type': must not be empty");
  if (f.present[13] && f.value[13]->type != msgpack::type::NIL) {
    auto p = RetryPolicy::from_json(as_json(*f.value[13]));
    if (!p) return p.error();
    t.retry = *p;
  }
  // The common input (nil, a number, a short string) is far below the bound: only a value that
  // could be near it is encoded to measure it, as TaskSpec::from_json does for every one.
  if (!t.input.is_null() && !t.input.is_number() && !t.input.is_boolean() &&
      encode_value(t.input).size() > kMaxInputBytes) {
    return make_error(ErrorCode::TOO_LARGE, "field 'input': larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  t.priority = static_cast<Priority>(priority);
  bool has_gate = f.present[14] && f.value[14]->type != msgpack::type::NIL;
  bool has_short = f.present[15] && f.value[15]->type != msgpack::type::NIL;
  if (has_gate && has_short) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'require_consensus': give it or 'consensus', not both");
  }
  if (has_gate || has_short) {
    auto g = ConsensusGate::from_json(as_json(*f.value[has_gate ? 14 : 15]), has_gate ? "consensus" : "require_consensus");
    if (!g) return g.error();
    t.consensus = std::move(*g);
  }
  return t;
}

}  // namespace

Result<SubmitBatch> SubmitBatch::from_packed(std::string_view body) {
  const CodecLimits& limits = default_limits();
  // decode_value's checks, then decode_frame_views' "is it a map".
  auto handle = unpack_value(body.data(), body.size(), limits);
  if (!handle) return handle.error();
  const Obj& b = handle->get();
  if (auto s = check_object(b, 0, limits); !s) return s.error();
  if (b.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a msgpack map");
  // SubmitBatch::from_body.
  static const char* const kTop[] = {"tasks", "consensus"};
  FieldSet<2> top(kTop, b);
  const Obj* a = top.value[0];
  if (!a || a->type != msgpack::type::ARRAY) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must be an array");
  }
  if (a->via.array.size == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must not be empty");
  if (a->via.array.size > kMaxBatchTasks) {
    return make_error(ErrorCode::TOO_LARGE, "field 'tasks': more than " + std::to_string(kMaxBatchTasks) + " tasks");
  }
  SubmitBatch out;
  out.tasks.reserve(a->via.array.size);
  static const char* const kEntry[] = {"key", "task"};
  for (std::uint32_t i = 0; i < a->via.array.size; ++i) {
    const Obj& item = a->via.array.ptr[i];
    auto where = [&] { return "tasks[" + std::to_string(i) + "]"; };
    if (item.type != msgpack::type::MAP) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "field '" + where() + "': must be a map");
    }
    FieldSet<2> f(kEntry, item);
    BatchEntry e;
    ObjFields k;
    k.str("key", f.value[0], e.key, Need::REQUIRED);
    if (!k.ok()) return make_error(ErrorCode::INVALID_ARGUMENT, where() + ": " + k.error().message);
    if (e.key.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, where() + ": field 'key': must not be empty");
    if (!f.present[1]) return make_error(ErrorCode::INVALID_ARGUMENT, where() + ": field 'task': is required");
    auto spec = spec_from_object(*f.value[1]);
    if (!spec) return Error{spec.error().code, where() + " (key '" + e.key + "'): " + spec.error().message};
    e.spec = std::move(*spec);
    out.tasks.push_back(std::move(e));
  }
  if (top.present[1] && top.value[1]->type != msgpack::type::NIL) {
    auto g = ConsensusGate::from_json(as_json(*top.value[1]), "consensus");
    if (!g) return g.error();
    out.consensus = std::move(*g);
  }
  return out;
}

}  // namespace orion
