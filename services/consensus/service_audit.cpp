// ConsensusService's part of the audit log (protocol.md section 15). The core records each
// PROPOSE, VOTE and lease command as it is applied (core_audit.cpp); what never becomes such a
// command is recorded here as an AUDIT command, through the log like any other, so that every
// replica holds the same chain: a request refused before the log (PERMISSION_DENIED, a vote on
// an unknown proposal, a bad signature; the first 100 a second, then their count; not a body that
// does not read, which changes nothing), a membership change, a policy reload (SIGHUP). Only the
// serving leader appends them.
#include <utility>

#include <spdlog/spdlog.h>

#include "common/msg_writer.h"
#include "common/service_security.h"
#include "services/consensus/consensus_service.h"

namespace orion::consensus {
namespace {

constexpr std::size_t kDetailBytes = 200;  // an error's message is cut here in a record

const char* refused_action(MsgType t) {
  switch (t) {
    case MsgType::PROPOSE: return "propose";
    case MsgType::VOTE: return "vote";
    case MsgType::ACQUIRE_LEASE: return "lease_acquire";
    case MsgType::RENEW_LEASE: return "lease_renew";
    case MsgType::RELEASE_LEASE: return "lease_release";
    case MsgType::CHANGE_REPLICAS: return "change_replicas";
    default: return nullptr;
  }
}

}  // namespace

void ConsensusService::log_audit(const std::string& principal, std::string action, std::string target,
                                 std::string outcome, std::string detail) {
  if (audit_keep() == 0 || !leading() || !ready_) return;
  if (detail.size() > kDetailBytes) detail.resize(kDetailBytes);
  MsgWriter w;
  w.map(4);
  w.key("a"), w.str(action);
  w.key("g"), w.str(target);
  w.key("o"), w.str(outcome);
  w.key("d"), w.str(detail);
  // Numbered like every command, with no pending request: it is applied and answers nobody.
  Command c{CommandKind::AUDIT, clock_.wall_ms(), "", origin_, next_seq_++, w.take()};
  c.principal = principal;
  commands_.emplace_back(c.seq, encode_command(c));
}

void ConsensusService::audit_refused(const Incoming& in, std::size_t reply_at) {
  if (!in.envelope || replies_.size() <= reply_at || replies_[reply_at].envelope.type != MsgType::ERROR) return;
  const Envelope& e = *in.envelope;
  const char* action = refused_action(e.type);
  if (!action) return;
  const Error err = error_from_body(replies_[reply_at].envelope.body);
  // Not served here (a follower, a leader catching up): the request is not refused, but sent on.
  if (err.code == ErrorCode::NOT_LEADER || err.code == ErrorCode::UNAVAILABLE) return;
  // A body that does not read is no command: bad input changes nothing of the replicated state.
  if (err.code == ErrorCode::MALFORMED || err.code == ErrorCode::TOO_LARGE || err.code == ErrorCode::INVALID_ARGUMENT) {
    return;
  }
  if (!refusals_.admit(clock_.now_ms())) return;
  std::string target;
  if (e.type == MsgType::VOTE) {
    if (auto v = Vote::from_packed(e.packed_body)) target = v->proposal_id;
  } else if (e.body.is_object() && e.body.contains("name") && e.body["name"].is_string()) {
    target = e.body["name"].get<std::string>();
  } else if (e.body.is_object() && e.body.contains("id") && e.body["id"].is_number_integer()) {
    target = std::to_string(e.body["id"].get<std::int64_t>());
  }
  log_audit(in.principal, action, std::move(target), std::string(to_string(err.code)), err.message);
}

void ConsensusService::audit_service_events() {
  for (const PolicyReload& r : take_policy_reloads()) {
    log_audit("(signal)", "policy_reload", "", r.ok ? "OK" : "INVALID_ARGUMENT", r.detail);
  }
  if (auto n = refusals_.summary(clock_.now_ms()); n > 0) {
    spdlog::warn("event=audit_refusals_not_recorded count={}", n);
    log_audit("", "refusals_not_recorded", "", "OK",
              "count=" + std::to_string(n) + " (over the budget of refusals recorded a second)");
  }
}

Envelope ConsensusService::audit_list(const Envelope& request) const {
  auto m = AuditList::from_body(request.body);
  if (!m) return error_envelope(request.request_id, m.error());
  AuditListOk page = core_.audit().list(*m);
  page.enabled = core_.audit_keep() > 0;
  return Envelope{MsgType::AUDIT_LIST_OK, request.request_id, page.to_body()};
}

}  // namespace orion::consensus
