#include "services/scheduler/task_codec.h"

#include "common/object_fields.h"

namespace orion::scheduler {

void pack_view(MsgWriter& w, const TaskRecord& r, bool with_waiting_on) {
  static const std::vector<std::string> kNone;
  const std::string id = r.task_id();
  const TaskRecord::Cold& c = r.cold();
  TaskViewRef{r.spec, id, r.state, r.effective_priority, r.failures, r.retry_at_ms, with_waiting_on ? &kNone : nullptr,
              r.history, c.assigned_agent, r.attempt, c.progress, c.output, c.error, c.reason, r.created_ms,
              c.assigned_ms, c.started_ms, c.finished_ms, c.gate}
      .write_packed(w);
}

std::string encode_task_record(const TaskRecord& r) {
  MsgWriter w;
  w.reserve(512);  // a fresh task's record is about 400 bytes
  w.map(4);
  w.key("v"), pack_view(w, r, /*with_waiting_on=*/false);  // waiting_on is derived
  w.key("d"), w.array(r.deps.size());
  for (auto d : r.deps) w.integer(static_cast<std::int64_t>(d));
  w.key("r"), w.integer(r.ready_ms);
  w.key("q"), w.str(r.request_id);
  return w.take();
}

// Read from its msgpack objects directly: a Json tree of each record cost most of a follower's
// (and a restart's) time per task.
Result<TaskRecord> decode_task_record(std::uint64_t seq, std::string_view bytes) {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored task " + std::to_string(seq) + " is corrupt: " + why);
  };
  auto handle = packed::unpack_map_body(bytes, /*borrow=*/true);  // `bytes` outlives it
  if (!handle) return corrupt(handle.error().message);
  static const char* const kNames[] = {"v", "d", "r", "q"};
  packed::FieldSet<4> f(kNames, handle->get());
  if (!f.present[0]) return corrupt("no view");
  auto view = TaskView::from_object(*f.value[0]);
  if (!view) return corrupt(view.error().message);
  TaskRecord r;
  r.seq = seq;
  r.set_view(std::move(*view));
  if (f.present[1] && f.value[1]->type == msgpack::type::ARRAY) {
    const auto& deps = f.value[1]->via.array;
    r.deps.reserve(deps.size);
    for (std::uint32_t i = 0; i < deps.size; ++i) {
      if (deps.ptr[i].type != msgpack::type::POSITIVE_INTEGER) return corrupt("bad dependency");
      r.deps.push_back(deps.ptr[i].via.u64);
    }
  }
  if (f.present[2] && f.value[2]->type == msgpack::type::POSITIVE_INTEGER) {
    r.ready_ms = static_cast<std::int64_t>(f.value[2]->via.u64);
  } else if (f.present[2] && f.value[2]->type == msgpack::type::NEGATIVE_INTEGER) {
    r.ready_ms = f.value[2]->via.i64;
  }
  if (f.present[3] && f.value[3]->type == msgpack::type::STR) r.request_id = std::string(packed::text(*f.value[3]));
  return r;
}

}  // namespace orion::scheduler
