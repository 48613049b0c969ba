// SubmitBatch::from_packed: a SUBMIT_BATCH body read straight from its msgpack objects into
// BatchEntry/TaskSpec values, without the Json tree that decode_value + from_body build (for a
// 100,000-task batch that tree is millions of small allocations, built and freed again).
//
// It MUST accept and refuse exactly what decode_value followed by SubmitBatch::from_body does,
// with the same first error (code and message): the checks below follow Fields (fields.cpp),
// TaskSpec::from_json and SubmitBatch::from_body field by field and in the same order, and a
// differential test (tests/unit/common/batch_decode_test.cpp) compares the two on valid bodies
// and on thousands of mutated ones. Free-form values (input, metadata, retry) still become Json.
#include <string_view>

#include "common/object_fields.h"

namespace orion {

using packed::FieldSet;
using packed::ObjFields;
using packed::Obj;

Result<SubmitBatch> SubmitBatch::from_packed(std::string_view body) {
  auto handle = packed::unpack_map_body(body, /*borrow=*/true);  // body outlives it: strings are copied out
  if (!handle) return handle.error();
  const Obj& b = handle->get();
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
    if (auto s = packed::spec_from_object(*f.value[1], e.spec); !s) {
      return Error{s.error().code, where() + " (key '" + e.key + "'): " + s.error().message};
    }
  }
  if (top.present[1] && top.value[1]->type != msgpack::type::NIL) {
    auto g = ConsensusGate::from_json(packed::as_json(*top.value[1]), "consensus");
    if (!g) return g.error();
    out.consensus = std::move(*g);
  }
  return out;
}

}  // namespace orion
