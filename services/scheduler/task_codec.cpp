#include "services/scheduler/task_codec.h"

namespace orion::scheduler {

std::string task_id_for(std::uint64_t seq) { return "t" + std::to_string(seq); }

std::string encode_task_record(const TaskRecord& r) {
  Json view = r.view.to_json();
  view.erase("waiting_on");  // derived
  Json rec = {{"v", std::move(view)}, {"d", r.deps}, {"r", r.ready_ms}, {"q", r.request_id}};
  return encode_value(rec);
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
