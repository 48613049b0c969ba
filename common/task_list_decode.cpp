#include "common/task_list_decode.h"

#include <cstdint>

#include "common/object_fields.h"

namespace orion {

namespace {

using packed::FieldSet;
using packed::Obj;
using packed::ObjFields;

}  // namespace

// TaskView::from_json, field for field and in its order.
Result<TaskView> task_view_from_object(const Obj& o) {
  TaskSpec spec;
  if (auto s = packed::spec_from_object(o, spec); !s) return s.error();
  static const char* const kNames[] = {"task_id",     "state",   "effective_priority", "failures",  "retry_at_ms",
                                       "waiting_on",  "assigned_agent", "attempt",   "progress",  "output",
                                       "error",       "reason",  "created_ms",         "assigned_ms", "started_ms",
                                       "finished_ms", "gate",    "history"};
  FieldSet<18> f(kNames, o);
  TaskView v;
  std::int64_t state = 0, effective = 0;
  ObjFields r;
  r.str("task_id", f.value[0], v.task_id, Need::REQUIRED);
  r.integer("state", f.value[1], state, Need::REQUIRED, 0, 8);
  r.integer("effective_priority", f.value[2], effective, Need::OPTIONAL, 0, 5);
  r.integer("failures", f.value[3], v.failures, Need::OPTIONAL, 0, kMaxRetries + 1);
  r.integer("retry_at_ms", f.value[4], v.retry_at_ms, Need::OPTIONAL, 0, INT64_MAX);
  r.str_list("waiting_on", f.value[5], v.waiting_on, Need::OPTIONAL, kMaxBatchTasks);
  r.str("assigned_agent", f.value[6], v.assigned_agent, Need::OPTIONAL);
  r.integer("attempt", f.value[7], v.attempt, Need::OPTIONAL, 0, kMaxAttempt);
  r.number("progress", f.value[8], v.progress, Need::OPTIONAL, 0, 100);
  r.any("output", f.value[9], v.output, Need::OPTIONAL);
  r.str("error", f.value[10], v.error, Need::OPTIONAL, kMaxInputBytes);
  r.str("reason", f.value[11], v.reason, Need::OPTIONAL, 4096);
  r.integer("created_ms", f.value[12], v.created_ms, Need::OPTIONAL, 0, INT64_MAX);
  r.integer("assigned_ms", f.value[13], v.assigned_ms, Need::OPTIONAL, 0, INT64_MAX);
  r.integer("started_ms", f.value[14], v.started_ms, Need::OPTIONAL, 0, INT64_MAX);
  r.integer("finished_ms", f.value[15], v.finished_ms, Need::OPTIONAL, 0, INT64_MAX);
  if (!r.ok()) return r.error();
  v.spec = std::move(spec);
  v.state = static_cast<TaskState>(state);
  v.effective_priority = static_cast<Priority>(effective);
  if (f.present[16] && f.value[16]->type != msgpack::type::NIL) {
    auto g = GateState::from_json(packed::as_json(*f.value[16]));
    if (!g) return g.error();
    v.gate = std::move(*g);
  }
  if (f.present[17]) {
    const Obj& h = *f.value[17];
    if (h.type != msgpack::type::ARRAY || h.via.array.size > kMaxHistory) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "field 'history': must be an array of at most 64 entries");
    }
    v.history.reserve(h.via.array.size);
    for (std::uint32_t i = 0; i < h.via.array.size; ++i) {
      auto c = StateChange::from_object(h.via.array.ptr[i]);
      if (!c) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'history': " + c.error().message);
      v.history.push_back(std::move(*c));
    }
  }
  return v;
}

Result<TaskList> task_list_from_packed(std::string_view body) {
  auto handle = packed::unpack_map_body(body);
  if (!handle) return handle.error();
  const Obj& b = handle->get();
  // TaskList::from_body.
  static const char* const kTop[] = {"tasks", "next"};
  FieldSet<2> top(kTop, b);
  const Obj* a = top.value[0];
  if (!a || a->type != msgpack::type::ARRAY) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must be an array");
  }
  TaskList out;
  out.tasks.reserve(a->via.array.size);
  for (std::uint32_t i = 0; i < a->via.array.size; ++i) {
    auto v = task_view_from_object(a->via.array.ptr[i]);
    if (!v) return v.error();
    out.tasks.push_back(std::move(*v));
  }
  if (top.present[1] && top.value[1]->type == msgpack::type::STR) out.next = std::string(packed::text(*top.value[1]));
  return out;
}

}  // namespace orion
