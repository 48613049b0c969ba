// SchedulerService's audit log (audit_trail.h, protocol.md section 15): a record per
// state-changing request, made after it was handled, from the request and its reply; a policy
// reload's record; AUDIT_LIST. The records go out with the turn's other records (hold()).
#include <utility>

#include "common/log.h"
#include "common/service_security.h"
#include "services/scheduler/audit_trail.h"
#include "services/scheduler/scheduler_service.h"

namespace orion::scheduler {

void SchedulerService::audit(const Incoming& in, const std::vector<Reply>& replies, std::size_t at) {
  std::string note = std::exchange(audit_note_, {});
  // A follower records nothing: the request was redirected, and the leader records what it does.
  if (!options_.audit || !serving() || !in.envelope) return;
  const Envelope& request = *in.envelope;
  if (!audit_action(request.type)) return;
  const Envelope* reply = replies.size() > at ? &replies[at].envelope : nullptr;
  if (reply && reply->type == MsgType::ERROR) {
    // A body that is not msgpack, or too large, is a bad frame (counted and logged), not a command.
    const ErrorCode code = error_from_body(reply->body).code;
    if (code == ErrorCode::MALFORMED || code == ErrorCode::TOO_LARGE) return;
    if (!refusals_.admit(clock_.now_ms())) return;
  }
  audit_.record(audit_event(request, reply, in.principal, clock_.wall_ms(), std::move(note)));
}

void SchedulerService::audit_service_events() {
  // A follower's reload is logged (event=policy_reloaded), not recorded: the leader writes the chain.
  const bool recording = options_.audit && serving();
  for (const PolicyReload& r : take_policy_reloads()) {
    if (!recording) continue;
    audit_.record({clock_.wall_ms(), "(signal)", "policy_reload", "", r.ok ? "OK" : "INVALID_ARGUMENT", r.detail});
  }
  if (auto n = refusals_.summary(clock_.now_ms()); n > 0 && recording) {
    spdlog::warn("event=audit_refusals_not_recorded count={}", n);
    audit_.record({clock_.wall_ms(), "", "refusals_not_recorded", "", "OK",
                   "count=" + std::to_string(n) + " (over the budget of refusals recorded a second)"});
  }
}

Envelope SchedulerService::audit_list(const Envelope& request) const {
  auto m = AuditList::from_body(request.body);
  if (!m) return error_envelope(request.request_id, m.error());
  AuditListOk page = audit_.list(*m);
  page.enabled = options_.audit;
  return Envelope{MsgType::AUDIT_LIST_OK, request.request_id, page.to_body()};
}

}  // namespace orion::scheduler
