// ConsensusCore's audit log (consensus_core.h; protocol.md section 15): one record per PROPOSE,
// VOTE and lease command as applied, with the command's principal and the log's time, and one
// per AUDIT command (what the leader refused before the log, a membership change, a policy
// reload). Made on every replica from the command alone, so the chains are identical.
#include "services/consensus/consensus_core.h"

#include "common/fields.h"

namespace orion::consensus {
namespace {

constexpr std::size_t kDetailBytes = 200;  // an error's message is cut here in a record

std::string cut(std::string s) {
  if (s.size() > kDetailBytes) s.resize(kDetailBytes);
  return s;
}

}  // namespace

void ConsensusCore::set_audit_keep(std::size_t keep) {
  audit_keep_ = keep;
  if (keep > 0) audit_.set_keep(keep);
  meta_dirty_ = true;
}

AuditEvent ConsensusCore::audit_note(const Command& c) const {
  AuditEvent ev;
  ev.principal = c.principal;
  switch (c.kind) {
    case CommandKind::PROPOSE: {
      ev.action = "propose";
      auto describe = [&](const Propose& p) { ev.detail = cut("type=" + p.type + " consensus=" + to_string(p.consensus_type)); };
      if (c.propose) {
        describe(*c.propose);
      } else if (auto read = Propose::from_packed(c.body)) {
        describe(*read);
      }
      break;
    }
    case CommandKind::VOTE: {
      ev.action = "vote";
      auto describe = [&](const Vote& v) { ev.target = v.proposal_id, ev.detail = cut("agent=" + v.agent_id + (v.yes ? " yes" : " no")); };
      if (c.vote) {
        describe(*c.vote);
      } else if (auto read = Vote::from_packed(c.body)) {
        describe(*read);
      }
      break;
    }
    case CommandKind::ACQUIRE:
    case CommandKind::RENEW:
    case CommandKind::RELEASE: {
      ev.action = c.kind == CommandKind::ACQUIRE ? "lease_acquire" : c.kind == CommandKind::RENEW ? "lease_renew" : "lease_release";
      auto body = decode_value(c.body.data(), c.body.size());
      if (body && body->is_object()) {
        ev.target = body->value("name", std::string());
        ev.detail = cut("holder=" + body->value("holder", std::string()));
      }
      break;
    }
    case CommandKind::AUDIT: {
      auto body = decode_value(c.body.data(), c.body.size());
      if (!body || !body->is_object()) break;
      ev.action = body->value("a", std::string());
      ev.target = body->value("g", std::string());
      ev.outcome = body->value("o", std::string());
      ev.detail = body->value("d", std::string());
      break;
    }
    default:
      break;  // TICK, HELLO: no record
  }
  return ev;
}

void ConsensusCore::record_audit(AuditEvent ev, const Command& c, const Result<Reply>& r) {
  if (ev.action.empty()) return;
  ev.time_ms = now_ms_;
  if (c.kind != CommandKind::AUDIT) {
    ev.outcome = r ? "OK" : std::string(to_string(r.error().code));
    if (!r) ev.detail = cut(r.error().message);
    if (r && (c.kind == CommandKind::ACQUIRE || c.kind == CommandKind::RENEW) && r->body.is_object() &&
        r->body.value("granted", true) == false) {
      ev.detail += " granted=false";  // answered, not refused: another holder has it
    }
    if (r && c.kind == CommandKind::PROPOSE) {
      auto ok = decode_value(r->packed.data(), r->packed.size());
      if (ok && ok->is_object()) ev.target = ok->value("proposal_id", std::string());
    }
  }
  audit_.record(std::move(ev));
}

}  // namespace orion::consensus
