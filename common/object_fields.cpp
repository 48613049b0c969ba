#include "common/object_fields.h"

namespace orion::packed {

Result<msgpack::object_handle> unpack_map_body(std::string_view body, bool borrow) {
  const CodecLimits& limits = default_limits();
  auto handle = unpack_value(body.data(), body.size(), limits, borrow);
  if (!handle) return handle.error();
  const Obj& b = handle->get();
  if (auto s = check_object(b, 0, limits); !s) return s.error();
  if (b.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a msgpack map");
  return handle;
}

// A free-form value as Json. check_object has passed on the whole body, so this cannot fail;
// depth 0 is conservative.
Json as_json(const Obj& o) {
  Json out;
  object_to_json(o, out, 0, default_limits());
  return out;
}

// TaskSpec::from_json's fields of delayed and parked tasks, read after the others as it does.
static Status later_spec_fields(const Obj& o, TaskSpec& t) {
  static const char* const kNames[] = {"not_before_ms", "delay_ms", "on_exhausted"};
  FieldSet<3> f(kNames, o);
  if (!f.present[0] && !f.present[1] && !f.present[2]) return {};  // the common case
  std::string on_exhausted;
  ObjFields r;
  r.integer("not_before_ms", f.value[0], t.not_before_ms, Need::OPTIONAL, 0, INT64_MAX);
  r.integer("delay_ms", f.value[1], t.delay_ms, Need::OPTIONAL, 0, kMaxDelayMs);
  r.str("on_exhausted", f.value[2], on_exhausted, Need::OPTIONAL);
  if (!r.ok()) return r.error();
  if (auto s = check_delay_fields(t); !s) return s;
  auto park = on_exhausted_from(on_exhausted);
  if (!park) return park.error();
  t.park = *park;
  return {};
}

// TaskSpec::from_json, field for field.
Status spec_from_object(const Obj& o, TaskSpec& t, bool bound_input) {
  if (o.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a map");
  static const char* const kNames[] = {"name",     "type",       "capabilities",    "preferred_agents",
                                       "excluded_agents", "priority", "timeout_ms", "retries",
                                       "depends_on", "idempotency_key", "unschedulable_timeout_ms", "input",
                                       "metadata", "retry", "consensus", "require_consensus", "result_ttl_ms"};
  FieldSet<17> f(kNames, o);
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
  r.integer("result_ttl_ms", f.value[16], t.result_ttl_ms, Need::OPTIONAL, -1, kMaxRetentionMs);
  if (!r.ok()) return r.error();
  if (auto s = later_spec_fields(o, t); !s) return s;
  if (t.type.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'type': must not be empty");
  if (f.present[13] && f.value[13]->type != msgpack::type::NIL) {
    auto p = RetryPolicy::from_object(*f.value[13]);
    if (!p) return retry_error(p.error());
    t.retry = *p;
  }
  // The common input (nil, a number, a short string) is far below the bound: only a value that
  // could be near it is encoded to measure it, as TaskSpec::from_json does for every one.
  if (bound_input && !t.input.is_null() && !t.input.is_number() && !t.input.is_boolean() &&
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
  return {};
}

}  // namespace orion::packed
