#include "services/scheduler/task_codec.h"

#include "common/task_pack.h"

namespace orion::scheduler {

std::string task_id_for(std::uint64_t seq) { return "t" + std::to_string(seq); }

std::string encode_task_record(const TaskRecord& r) {
  MsgWriter w;
  w.reserve(512);  // a fresh task's record is about 400 bytes
  w.map(4);
  w.key("v"), pack(w, r.view, /*with_waiting_on=*/false);  // waiting_on is derived
  w.key("d"), w.array(r.deps.size());
  for (auto d : r.deps) w.integer(static_cast<std::int64_t>(d));
  w.key("r"), w.integer(r.ready_ms);
  w.key("q"), w.str(r.request_id);
  return w.take();
}

Result<TaskRecord> decode_task_record(std::uint64_t seq, std::string_view bytes) {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored task " + std::to_string(seq) + " is corrupt: " + why);
  };
  auto rec = decode_value(bytes.data(), bytes.size());
  if (!rec) return corrupt(rec.error().message);
  if (!rec->is_object() || !rec->contains("v")) return corrupt("no view");
  auto view = TaskView::from_json((*rec)["v"]);
  if (!view) return corrupt(view.error().message);
  TaskRecord r;
  r.seq = seq;
  r.view = std::move(*view);
  if (rec->contains("d") && (*rec)["d"].is_array()) {
    for (const auto& d : (*rec)["d"]) {
      if (!d.is_number_unsigned()) return corrupt("bad dependency");
      r.deps.push_back(d.get<std::uint64_t>());
    }
  }
  if (rec->contains("r") && (*rec)["r"].is_number_integer()) r.ready_ms = (*rec)["r"].get<std::int64_t>();
  if (rec->contains("q") && (*rec)["q"].is_string()) r.request_id = (*rec)["q"].get<std::string>();
  return r;
}

}  // namespace orion::scheduler
