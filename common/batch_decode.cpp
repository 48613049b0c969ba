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

namespace orion {

namespace {

using Obj = msgpack::object;

std::string_view text(const Obj& o) { return {o.via.str.ptr, o.via.str.size}; }

// The known fields of one map, found in one pass; the last of repeated keys wins (as in the Json
// tree). Null counts as absent for the readers, as Fields::find does.
template <std::size_t N>
struct FieldSet {
  const char* const* names;
  const Obj* value[N] = {};
  bool present[N] = {};  // the key is there, even with a null value (Json::contains)

  FieldSet(const char* const* field_names, const Obj& map) : names(field_names) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
      const auto& kv = map.via.map.ptr[i];
      auto key = text(kv.key);  // every key is a string: check_object ran first
      for (std::size_t f = 0; f < N; ++f) {
        if (key.size() == std::strlen(names[f]) && key == names[f]) {
          value[f] = &kv.val;
          present[f] = true;
          break;
        }
      }
    }
  }
};

// Fields (fields.cpp) over msgpack objects: the same checks, messages and first-error rule.
class ObjFields {
 public:
  void str(const char* key, const Obj* v, std::string& out, Need need, std::size_t max_bytes = kMaxNameBytes) {
    if (!(v = find(key, v, need))) return;
    if (v->type != msgpack::type::STR) return fail(key, "must be a string");
    if (v->via.str.size > max_bytes) return fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
    out.assign(v->via.str.ptr, v->via.str.size);
  }
  void integer(const char* key, const Obj* v, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi) {
    if (!(v = find(key, v, need))) return;
    std::int64_t x = 0;
    if (v->type == msgpack::type::POSITIVE_INTEGER) {
      if (v->via.u64 > static_cast<std::uint64_t>(INT64_MAX)) return fail(key, "is out of range");
      x = static_cast<std::int64_t>(v->via.u64);
    } else if (v->type == msgpack::type::NEGATIVE_INTEGER) {
      x = v->via.i64;
    } else {
      return fail(key, "must be an integer");
    }
    if (x < lo || x > hi) return fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    out = x;
  }
  void str_list(const char* key, const Obj* v, std::vector<std::string>& out, Need need,
                std::size_t max_items = kMaxListItems) {
    if (!(v = find(key, v, need))) return;
    if (v->type != msgpack::type::ARRAY) return fail(key, "must be an array of strings");
    if (v->via.array.size > max_items) return fail(key, "has more than " + std::to_string(max_items) + " items");
    std::vector<std::string> items;
    items.reserve(v->via.array.size);
    for (std::uint32_t i = 0; i < v->via.array.size; ++i) {
      const Obj& item = v->via.array.ptr[i];
      if (item.type != msgpack::type::STR) return fail(key, "must be an array of strings");
      if (item.via.str.size > kMaxNameBytes) return fail(key, "has an item that is too long");
      items.emplace_back(item.via.str.ptr, item.via.str.size);
    }
    out = std::move(items);
  }
  void any(const char* key, const Obj* v, Json& out, Need need) {
    if (!(v = find(key, v, need))) {
      if (ok_) out = Json();
      return;
    }
    convert(v, out);
  }
  void object(const char* key, const Obj* v, Json& out, Need need) {
    if (!(v = find(key, v, need))) return;
    if (v->type != msgpack::type::MAP) return fail(key, "must be a map");
    convert(v, out);
  }

  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  const Obj* find(const char* key, const Obj* v, Need need) {
    if (!ok_) return nullptr;
    if (!v || v->type == msgpack::type::NIL) {
      if (need == Need::REQUIRED) fail(key, "is required");
      return nullptr;
    }
    return v;
  }
  void fail(const char* key, const std::string& why) {
    if (!ok_) return;
    ok_ = false;
    error_ = make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': " + why);
  }
  void convert(const Obj* v, Json& out) {
    // check_object has passed on the whole body, so this cannot fail; depth 0 is conservative.
    object_to_json(*v, out, 0, default_limits());
  }

  bool ok_ = true;
  Error error_;
};

// A free-form value as Json. check_object has passed on the whole body, so this cannot fail;
// depth 0 is conservative.
Json as_json(const Obj& o) {
  Json out;
  object_to_json(o, out, 0, default_limits());
  return out;
}

// TaskSpec::from_json, field for field, into t (a fresh TaskSpec; left half-filled on an error).
Status spec_from_object(const Obj& o, TaskSpec& t) {
  if (o.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a map");
  static const char* const kNames[] = {"name",     "type",       "capabilities",    "preferred_agents",
                                       "excluded_agents", "priority", "timeout_ms", "retries",
                                       "depends_on", "idempotency_key", "unschedulable_timeout_ms", "input",
                                       "metadata", "retry", "consensus", "require_consensus"};
  FieldSet<16> f(kNames, o);
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
  return {};
}

}  // namespace

Result<SubmitBatch> SubmitBatch::from_packed(std::string_view body) {
  const CodecLimits& limits = default_limits();
  // decode_value's checks, then decode_frame_views' "is it a map".
  auto handle = unpack_value(body.data(), body.size(), limits, /*borrow=*/true);  // body outlives it
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
    BatchEntry& e = out.tasks.emplace_back();  // decoded in place: a TaskSpec is 400 bytes to move
    ObjFields k;
    k.str("key", f.value[0], e.key, Need::REQUIRED);
    if (!k.ok()) return make_error(ErrorCode::INVALID_ARGUMENT, where() + ": " + k.error().message);
    if (e.key.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, where() + ": field 'key': must not be empty");
    if (!f.present[1]) return make_error(ErrorCode::INVALID_ARGUMENT, where() + ": field 'task': is required");
    if (auto s = spec_from_object(*f.value[1], e.spec); !s) {
      return Error{s.error().code, where() + " (key '" + e.key + "'): " + s.error().message};
    }
  }
  if (top.present[1] && top.value[1]->type != msgpack::type::NIL) {
    auto g = ConsensusGate::from_json(as_json(*top.value[1]), "consensus");
    if (!g) return g.error();
    out.consensus = std::move(*g);
  }
  return out;
}

}  // namespace orion
