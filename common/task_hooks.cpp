// The hand-written parts of the task codec generated from common/protocol.toml (family "task"
// and "task_parts", common/gen/task_messages.cpp): the RetryPolicy check and the read hooks of
// the fields whose rules the schema's conventions do not express. Each hook has a Json and a
// msgpack form (the packed readers of SUBMIT_BATCH and TASK_LIST read without a Json tree); both
// MUST accept and refuse the same values with the same error.
//
//   read_gate             a gate: a type name or a map (section 13.9); its errors name `key`
//   read_gate_shorthand   TaskSpec's require_consensus: a gate too, refused next to `consensus`
//   read_batch_entries    SUBMIT_BATCH's entries, their errors naming the entry: "tasks[3] (key 'a'): ..."
//   read_lenient_str      a string, and anything else reads as absent (TASK_LIST's `next`)
#include <string>

#include "common/limit_messages.h"
#include "common/msg_writer.h"
#include "common/object_fields.h"
#include "common/namespace_messages.h"
#include "common/task_messages.h"

namespace orion {

namespace {

using packed::Obj;

Error invalid(const std::string& why) { return make_error(ErrorCode::INVALID_ARGUMENT, why); }

bool absent(const Json* v) { return !v || v->is_null(); }
bool absent(const Obj* v) { return !v || v->type == msgpack::type::NIL; }

Result<ConsensusGate> gate_of(const Json& v, const char* key) { return ConsensusGate::from_json(v, key); }
Result<ConsensusGate> gate_of(const Obj& v, const char* key) { return ConsensusGate::from_json(packed::as_json(v), key); }

template <class V>
std::optional<Error> read_gate_value(const V* v, const char* key, ConsensusGate& out) {
  if (absent(v)) return std::nullopt;
  auto g = gate_of(*v, key);
  if (!g) return g.error();
  out = std::move(*g);
  return std::nullopt;
}

template <class V>
std::optional<Error> read_shorthand(const V* v, const char* key, ConsensusGate& out) {
  if (absent(v)) return std::nullopt;
  // `consensus` is read first: a gate already there came from it.
  if (out.enabled()) return invalid(std::string("field '") + key + "': give it or 'consensus', not both");
  return read_gate_value(v, key, out);
}

// One entry's key, then its task: the key's error under "tasks[i]: ", the task's under
// "tasks[i] (key 'k'): " (code kept).
Error entry_error(const char* key, std::size_t i, const Error& e) {
  return invalid(std::string(key) + "[" + std::to_string(i) + "]: " + e.message);
}
Error task_error(const char* key, std::size_t i, const std::string& entry_key, const Error& e) {
  return Error{e.code, std::string(key) + "[" + std::to_string(i) + "] (key '" + entry_key + "'): " + e.message};
}

// What every form checks of the list before its entries.
std::optional<Error> check_entries(bool is_array, std::size_t size, const char* key) {
  if (!is_array) return invalid(std::string("field '") + key + "': must be an array");
  if (size == 0) return invalid(std::string("field '") + key + "': must not be empty");
  if (size > kMaxBatchTasks) {
    return make_error(ErrorCode::TOO_LARGE,
                      std::string("field '") + key + "': more than " + std::to_string(kMaxBatchTasks) + " tasks");
  }
  return std::nullopt;
}

}  // namespace

// TaskSpec's rules across fields: a delay is given one way (section 8.6); limit keys are
// distinct and well formed (section 18); a namespace is well formed (section 19).
Status check_task_spec(TaskSpec& s) {
  if (s.not_before_ms != 0 && s.delay_ms != 0) return invalid("field 'delay_ms': give it or 'not_before_ms', not both");
  for (std::size_t i = 0; i < s.limit_keys.size(); ++i) {
    const std::string& k = s.limit_keys[i];
    if (!valid_limit_key(k)) {
      return invalid("field 'limit_keys[" + std::to_string(i) + "]': \"" + k.substr(0, 160) + "\" is not 1.." +
                     std::to_string(kMaxLimitKeyBytes) + " letters, digits, '_', '-', '.', ':'");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (s.limit_keys[j] == k) return invalid("field 'limit_keys': \"" + k + "\" given twice");
    }
  }
  return check_namespace(s.ns, "namespace");
}

Result<bool> on_exhausted_from(const std::string& value) {
  if (value.empty() || value == "fail") return false;
  if (value == "park") return true;
  return invalid("field 'on_exhausted': must be \"fail\" or \"park\"");
}

Status check_retry_policy(RetryPolicy& p) {
  if (p.max_ms < p.initial_ms) p.max_ms = p.initial_ms;
  return {};
}

std::optional<Error> read_gate(const Json* v, const char* key, ConsensusGate& out) { return read_gate_value(v, key, out); }
std::optional<Error> read_gate(const Obj* v, const char* key, ConsensusGate& out) { return read_gate_value(v, key, out); }

std::optional<Error> read_gate_shorthand(const Json* v, const char* key, ConsensusGate& out) {
  return read_shorthand(v, key, out);
}
std::optional<Error> read_gate_shorthand(const Obj* v, const char* key, ConsensusGate& out) {
  return read_shorthand(v, key, out);
}

std::optional<Error> read_batch_entries(const Json* v, const char* key, std::vector<BatchEntry>& out) {
  if (auto e = check_entries(v && v->is_array(), v ? v->size() : 0, key)) return e;
  out.clear();
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_object()) return invalid("field '" + std::string(key) + "[" + std::to_string(i) + "]': must be a map");
    BatchEntry& e = out.emplace_back();
    Fields f(item);
    f.str("key", e.key, Need::REQUIRED);
    if (!f.ok()) return entry_error(key, i, f.error());
    if (e.key.empty()) return entry_error(key, i, field_error("key", "must not be empty"));
    auto task = item.find("task");
    if (task == item.end()) return entry_error(key, i, field_error("task", "is required"));
    auto spec = TaskSpec::from_json(*task);
    if (!spec) return task_error(key, i, e.key, spec.error());
    e.spec = std::move(*spec);
  }
  return std::nullopt;
}

std::optional<Error> read_batch_entries(const Obj* v, const char* key, std::vector<BatchEntry>& out) {
  bool is_array = v && v->type == msgpack::type::ARRAY;
  if (auto e = check_entries(is_array, is_array ? v->via.array.size : 0, key)) return e;
  static const char* const kEntry[] = {"key", "task"};
  out.clear();
  out.reserve(v->via.array.size);
  for (std::uint32_t i = 0; i < v->via.array.size; ++i) {
    const Obj& item = v->via.array.ptr[i];
    if (item.type != msgpack::type::MAP) {
      return invalid("field '" + std::string(key) + "[" + std::to_string(i) + "]': must be a map");
    }
    packed::FieldSet<2> f(kEntry, item);
    BatchEntry& e = out.emplace_back();
    packed::ObjFields r;
    r.str("key", f.value[0], e.key, Need::REQUIRED);
    if (!r.ok()) return entry_error(key, i, r.error());
    if (e.key.empty()) return entry_error(key, i, field_error("key", "must not be empty"));
    if (!f.present[1]) return entry_error(key, i, field_error("task", "is required"));
    // Read in place: a TaskSpec is 400 bytes to move, twice per entry through a Result.
    if (auto s = TaskSpec::read_object(*f.value[1], e.spec); !s) return task_error(key, i, e.key, s.error());
  }
  return std::nullopt;
}

std::optional<Error> read_lenient_str(const Json* v, const char*, std::string& out) {
  if (v && v->is_string()) out = v->get<std::string>();
  return std::nullopt;
}
std::optional<Error> read_lenient_str(const Obj* v, const char*, std::string& out) {
  if (v && v->type == msgpack::type::STR) out = std::string(packed::text(*v));
  return std::nullopt;
}

}  // namespace orion
