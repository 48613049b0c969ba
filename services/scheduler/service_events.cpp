// SchedulerService's events (protocol.md sections 7 and 16). With the event history on (the
// default), every event the core makes is numbered at hold(), recorded in the history and
// written with the turn's records; its EVENT body is sent once the turn is committed, so the
// history never holds an event that was not, and a restart or a new leader answers
// EVENT_HISTORY for it. With the history off, events are built only when some bus subscriber
// wants them and numbered as they are sent.
#include "common/event_bound.h"
#include "services/scheduler/scheduler_service.h"

namespace orion::scheduler {

bool SchedulerService::record_events(Outbox& out) {
  if (!history_.enabled()) return false;
  for (auto& ev : out.events) {
    std::string data = std::move(ev.data);
    if (data.size() > kMaxEventDataBytes) data = bounded_event_data(std::move(data));
    ev.data = history_.record(ev.topic, "scheduler", registry_link_.epoch(), registry_link_.next_seq(),
                              clock_.wall_ms(), data);
  }
  return true;
}

void SchedulerService::publish(const Outbox::EventOut& event, bool recorded) {
  // Events are news: with no bus, or nobody who wants this one, it goes nowhere.
  auto failures = registry_link_.send_failures();
  if (recorded) {
    registry_link_.send_event_body(event.topic, event.data);
  } else {
    registry_link_.publish_packed(event.topic, event.data);
  }
  stats_.send_failures += registry_link_.send_failures() - failures;
}

Envelope SchedulerService::event_history(const Envelope& request) const {
  auto m = EventHistoryRequest::from_body(request.body);
  if (!m) return error_envelope(request.request_id, m.error());
  return Envelope{MsgType::EVENT_HISTORY_OK, request.request_id, history_.page(*m).to_body()};
}

}  // namespace orion::scheduler
