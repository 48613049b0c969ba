// Client, schedules: SCHEDULE_CREATE, SCHEDULE_LIST, SCHEDULE_PAUSE, SCHEDULE_RESUME,
// SCHEDULE_DELETE, SCHEDULE_TRIGGER (docs/protocol.md section 17).
#include "sdk/cpp/client.h"

namespace orion::sdk {

Result<ScheduleView> Client::create_schedule(const ScheduleSpec& spec) {
  // The spec's own checks (bounds, policies, one clock, one thing to fire) before it leaves.
  auto checked = ScheduleSpec::from_json(spec.to_json());
  if (!checked) return checked.error();
  auto info = ask<ScheduleInfo>(MsgType::SCHEDULE_CREATE, ScheduleCreate{*checked}.to_body());
  if (!info) return info.error();
  return std::move(info->schedule);
}

Result<std::vector<ScheduleView>> Client::list_schedules(const std::string& ns) {
  std::vector<ScheduleView> all;
  ScheduleList page{1000, "", ns};
  while (true) {
    auto r = ask<ScheduleListOk>(MsgType::SCHEDULE_LIST, page.to_body());
    if (!r) return r.error();
    for (auto& v : r->schedules) all.push_back(std::move(v));
    if (r->next.empty()) return all;
    page.after = r->next;
  }
}

Result<ScheduleView> Client::pause_schedule(const std::string& schedule_id) {
  auto info = ask<ScheduleInfo>(MsgType::SCHEDULE_PAUSE, SchedulePause{schedule_id}.to_body());
  if (!info) return info.error();
  return std::move(info->schedule);
}

Result<ScheduleView> Client::resume_schedule(const std::string& schedule_id) {
  auto info = ask<ScheduleInfo>(MsgType::SCHEDULE_RESUME, ScheduleResume{schedule_id}.to_body());
  if (!info) return info.error();
  return std::move(info->schedule);
}

Result<ScheduleDeleteOk> Client::delete_schedule(const std::string& schedule_id) {
  return ask<ScheduleDeleteOk>(MsgType::SCHEDULE_DELETE, ScheduleDelete{schedule_id}.to_body());
}

Result<ScheduleTriggerOk> Client::trigger_schedule(const std::string& schedule_id) {
  return ask<ScheduleTriggerOk>(MsgType::SCHEDULE_TRIGGER, ScheduleTrigger{schedule_id}.to_body());
}

}  // namespace orion::sdk
