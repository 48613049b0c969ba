#include "services/scheduler/schedule_record.h"

#include "common/codec.h"

namespace orion::scheduler {

std::string encode_schedule_record(const ScheduleRecord& r) {
  return encode_value(Json{{"q", r.request_id}, {"v", r.view.to_json()}});
}

Result<ScheduleRecord> decode_schedule_record(std::uint64_t seq, std::string_view bytes) {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored schedule " + std::to_string(seq) + " is corrupt: " + why);
  };
  auto j = decode_value(bytes.data(), bytes.size());
  if (!j) return corrupt(j.error().message);
  if (!j->is_object() || !j->contains("v") || !j->contains("q") || !(*j)["q"].is_string()) return corrupt("no view");
  auto view = ScheduleView::from_json((*j)["v"]);
  if (!view) return corrupt(view.error().message);
  ScheduleRecord r;
  r.seq = seq;
  r.request_id = (*j)["q"].get<std::string>();
  r.view = std::move(*view);
  return r;
}

std::string encode_schedule_counter(std::uint64_t next_seq) { return encode_value(Json{{"next", next_seq}}); }

Result<std::uint64_t> decode_schedule_counter(std::string_view bytes) {
  auto j = decode_value(bytes.data(), bytes.size());
  if (!j || !j->is_object() || !j->contains("next") || !(*j)["next"].is_number_unsigned()) {
    return make_error(ErrorCode::INTERNAL, "stored schedule counter is corrupt");
  }
  return (*j)["next"].get<std::uint64_t>();
}

}  // namespace orion::scheduler
