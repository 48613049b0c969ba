#include "common/agent_channel_decode.h"

#include <cstdint>
#include <string>

#include "common/object_fields.h"

namespace orion {

namespace {

using packed::FieldSet;
using packed::Obj;
using packed::ObjFields;

}  // namespace

// Assign::from_body, field by field.
Result<Assign> assign_from_packed(std::string_view body) {
  auto handle = packed::unpack_map_body(body);
  if (!handle) return handle.error();
  static const char* const kNames[] = {"task_id", "attempt", "type", "input", "metadata", "timeout_ms", "deps"};
  FieldSet<7> f(kNames, handle->get());
  Assign m;
  ObjFields r;
  r.str("task_id", f.value[0], m.task_id, Need::REQUIRED);
  r.integer("attempt", f.value[1], m.attempt, Need::REQUIRED, 1, kMaxAttempt);
  r.str("type", f.value[2], m.type, Need::REQUIRED);
  r.any("input", f.value[3], m.input, Need::OPTIONAL);
  r.object("metadata", f.value[4], m.metadata, Need::OPTIONAL);
  r.integer("timeout_ms", f.value[5], m.timeout_ms, Need::OPTIONAL, 0, kMaxTimeoutMs);
  r.object("deps", f.value[6], m.deps, Need::OPTIONAL);
  if (!r.ok()) return r.error();
  return m;
}

// TaskProgress::from_body, field by field.
Result<TaskProgress> task_progress_from_packed(std::string_view body) {
  auto handle = packed::unpack_map_body(body);
  if (!handle) return handle.error();
  static const char* const kNames[] = {"task_id", "attempt", "progress", "message"};
  FieldSet<4> f(kNames, handle->get());
  TaskProgress m;
  ObjFields r;
  r.str("task_id", f.value[0], m.task_id, Need::REQUIRED);
  r.integer("attempt", f.value[1], m.attempt, Need::REQUIRED, 1, kMaxAttempt);
  r.number("progress", f.value[2], m.progress, Need::OPTIONAL, 0, 100);
  r.str("message", f.value[3], m.message, Need::OPTIONAL, 4096);
  if (!r.ok()) return r.error();
  return m;
}

// TaskResult::from_body, field by field.
Result<TaskResult> task_result_from_packed(std::string_view body) {
  auto handle = packed::unpack_map_body(body);
  if (!handle) return handle.error();
  static const char* const kNames[] = {"task_id", "attempt", "ok", "output", "error"};
  FieldSet<5> f(kNames, handle->get());
  TaskResult m;
  ObjFields r;
  r.str("task_id", f.value[0], m.task_id, Need::REQUIRED);
  r.integer("attempt", f.value[1], m.attempt, Need::REQUIRED, 1, kMaxAttempt);
  r.boolean("ok", f.value[2], m.ok, Need::REQUIRED);
  r.any("output", f.value[3], m.output, Need::OPTIONAL);
  r.str("error", f.value[4], m.error, Need::OPTIONAL, kMaxInputBytes);
  if (!r.ok()) return r.error();
  // The usual output (null, a number, a boolean) is far below the bound: only a value that could
  // be near it is encoded to measure it, as from_body does for every one.
  if (!m.output.is_null() && !m.output.is_number() && !m.output.is_boolean() &&
      encode_value(m.output).size() > kMaxInputBytes) {
    return make_error(ErrorCode::TOO_LARGE, "field 'output': larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  return m;
}

}  // namespace orion
