// ConsensusService's write path: a PROPOSE, VOTE or lease request becomes a command in the log,
// in the order the requests arrived; a vote only once its signature verified (on the
// VoteVerifier's threads, or inline with --verify-threads 0). The rest is consensus_service.cpp.
#include "services/consensus/consensus_service.h"

#include "common/logfmt.h"
#include "common/policy.h"
#include "common/service_security.h"

#include <spdlog/spdlog.h>

namespace orion::consensus {

void ConsensusService::handle_write(const Incoming& in, const Envelope& e) {
  auto refuse = [&](const Error& err) { reply_error(in.identity, e.request_id, err); };
  switch (e.type) {
    case MsgType::PROPOSE: {
      auto m = Propose::from_packed(e.packed_body);
      if (!m) return refuse(m.error());
      // With a policy, each voter's key is the one the policy holds for that agent id, never
      // the proposer's.
      if (const Policy* policy = service_policy().get()) {
        for (auto& voter : m->voters) {
          const std::string* key = policy->vote_key(voter.agent_id);
          if (!key) {
            return refuse(make_error(ErrorCode::PERMISSION_DENIED,
                                     "voter '" + voter.agent_id +
                                         "' has no vote key in the policy (vote_keys of the principal granted it)"));
          }
          voter.public_key = *key;
        }
      }
      Staged st{CommandKind::PROPOSE, in.identity, e.request_id, m->to_packed(), e.type};
      st.logged_id = logged_request_id(in.principal, e.request_id);
      st.principal = in.principal;
      st.propose = std::make_shared<Propose>(std::move(*m));
      return append(std::move(st));
    }
    case MsgType::VOTE: {
      auto m = Vote::from_packed(e.packed_body);
      if (!m) return refuse(m.error());
      // Refuse what can never count without putting it in the log. apply() checks the rest
      // again, but not the signature verified before it is logged (the costly part of a vote,
      // done on the verifier's thread; flush_staged() logs the vote once it passed).
      if (ready_) {
        auto check = core_.vote_check(*m);
        if (!check) {
          refused_vote(*m, check.error());
          return refuse(check.error());
        }
        Staged st{CommandKind::VOTE, in.identity, e.request_id, m->to_packed(), e.type};
        st.signature_checked = true;
        st.principal = in.principal;
        st.verify_id = next_job_++;
        jobs_.push_back({st.verify_id, std::move(check->public_key), std::move(check->subject), *m});
        st.vote = std::make_shared<Vote>(std::move(*m));
        return append(std::move(st));
      }
      Staged st{CommandKind::VOTE, in.identity, e.request_id, m->to_packed(), e.type};
      st.principal = in.principal;
      st.vote = std::make_shared<Vote>(std::move(*m));
      return append(std::move(st));
    }
    case MsgType::ACQUIRE_LEASE:
    case MsgType::RENEW_LEASE: {
      auto m = LeaseRequest::from_body(e.body);
      if (!m) return refuse(m.error());
      Staged st{e.type == MsgType::ACQUIRE_LEASE ? CommandKind::ACQUIRE : CommandKind::RENEW, in.identity,
                e.request_id, encode_value(m->to_body()), e.type};
      st.principal = in.principal;
      return append(std::move(st));
    }
    case MsgType::RELEASE_LEASE: {
      auto m = ReleaseLease::from_body(e.body);
      if (!m) return refuse(m.error());
      Staged st{CommandKind::RELEASE, in.identity, e.request_id, encode_value(m->to_body()), e.type};
      st.principal = in.principal;
      return append(std::move(st));
    }
    default: return;
  }
}

// Writes go to the log in the order they arrived: straight away while nothing waits before
// them, else behind the votes still being checked.
void ConsensusService::append(Staged st) {
  if (st.verify_id == 0 && staged_.empty()) return log_command(std::move(st));
  staged_.push_back(std::move(st));
}

void ConsensusService::log_command(Staged st) {
  auto seq = next_seq_++;
  pending_[seq] = Pending{st.identity, st.request_id, st.type};
  Command c{st.kind, clock_.wall_ms(), st.logged_id.empty() ? st.request_id : st.logged_id, origin_, seq,
            std::move(st.body), st.signature_checked};
  c.principal = std::move(st.principal);
  std::string bytes = encode_command(c);
  if (st.propose || st.vote) {
    c.propose = std::move(st.propose);
    c.vote = std::move(st.vote);
    c.body.clear();  // read already; the log has the bytes
    own_.push_back(Own{bytes, std::move(c)});
  }
  commands_.emplace_back(seq, std::move(bytes));
}

void ConsensusService::take_verdicts() {
  verifier_->drain_wakeups();
  std::vector<VoteVerifier::Verdict> out;
  verifier_->take(out);
  for (const auto& v : out) {
    if (v.id >= first_live_job_) verdicts_[v.id] = v.ok;
  }
}

// Logs the staged writes from the front while their checks are done; a vote whose signature
// failed is refused instead (it never reaches the log, as before the checks moved threads).
void ConsensusService::flush_staged() {
  while (!staged_.empty()) {
    Staged& st = staged_.front();
    if (st.verify_id != 0) {
      auto v = verdicts_.find(st.verify_id);
      if (v == verdicts_.end()) return;  // still being checked
      const bool ok = v->second;
      verdicts_.erase(v);
      if (!ok) {
        Error err = bad_signature(*st.vote);
        refused_vote(*st.vote, err);
        if (refusals_.admit(clock_.now_ms())) {
          log_audit(st.principal, "vote", st.vote->proposal_id, "PERMISSION_DENIED", err.message);
        }
        reply_error(st.identity, st.request_id, err);
        staged_.pop_front();
        continue;
      }
    }
    log_command(std::move(st));
    staged_.pop_front();
  }
}

void ConsensusService::refused_vote(const Vote& v, const Error& error) {
  if (error.code == ErrorCode::PERMISSION_DENIED && sampled(++refused_votes_)) {
    spdlog::warn("event=vote_refused proposal={} agent={} error={} refused_total={}", v.proposal_id, v.agent_id,
                 orion::logfmt_value(error.message), refused_votes_);
  }
}

}  // namespace orion::consensus
