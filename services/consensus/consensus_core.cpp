#include "services/consensus/consensus_core.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <utility>

#include <spdlog/fmt/fmt.h>

#include "common/fields.h"
#include "common/msg_writer.h"
#include "services/consensus/tally.h"
#include "common/vote_signature.h"

namespace orion::consensus {

namespace {

// "p17" -> 17; 0 when it is not a proposal id.
std::uint64_t parse_number(const std::string& id) {
  if (id.size() < 2 || id[0] != 'p') return 0;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), n);
  if (ec != std::errc() || end != id.data() + id.size()) return 0;
  return n;
}

std::string id_of(std::uint64_t number) { return "p" + std::to_string(number); }

// The fields a ConsensusCore::Proposal keeps as ProposalView has them, copied (or moved, from an
// rvalue) either way: into a view when answering, from a record's view when restoring.
template <class From, class To>
void copy_kept_fields(From&& from, To& to) {
  to.proposer = std::forward<From>(from).proposer;
  to.type = std::forward<From>(from).type;
  to.capability = std::forward<From>(from).capability;
  to.ns = std::forward<From>(from).ns;
  to.data = std::forward<From>(from).data;
  to.consensus_type = from.consensus_type;
  to.faulty = std::forward<From>(from).faulty;
  to.tally = from.tally;
  to.outcome = from.outcome;
  to.created_ms = from.created_ms;
  to.deadline_ms = from.deadline_ms;
  to.decided_ms = from.decided_ms;
  to.result_ttl_ms = from.result_ttl_ms;
  to.expires_ms = from.expires_ms;
}

Json created_data(const ConsensusCore::Proposal& v, const std::string& cluster_id) {
  Json voters = Json::array();
  for (const auto& x : *v.voters) voters.push_back(x.agent_id);
  return {{"proposal_id", id_of(v.number)},
          {"cluster_id", cluster_id},
          {"content_digest", v.digest},
          {"proposer", v.proposer},
          {"type", v.type},
          {"capability", v.capability},
          {"consensus_type", to_string(v.consensus_type)},
          {"voters", std::move(voters)},
          {"data", v.data},
          {"created_ms", v.created_ms},
          {"deadline_ms", v.deadline_ms}};
}

Json decided_data(const ConsensusCore::Proposal& v) {
  return {{"proposal_id", id_of(v.number)},
          {"type", v.type},
          {"capability", v.capability},
          {"consensus_type", to_string(v.consensus_type)},
          {"outcome", to_string(v.outcome)},
          {"tally", v.tally.to_json()},
          {"faulty", v.faulty},
          {"decided_ms", v.decided_ms}};
}

}  // namespace

Json Reply::value() const {
  if (packed.empty()) return body;
  auto v = decode_value(packed.data(), packed.size());
  return v ? std::move(*v) : Json();
}

std::string proposal_topic(const char* what, const std::string& capability) {
  std::string topic = std::string("proposal.") + what;
  if (!capability.empty()) topic += "." + capability;
  return topic;
}

// ---- Applying commands ------------------------------------------------------------------------

Result<Reply> ConsensusCore::apply(const Command& c) {
  ++applied_;
  meta_dirty_ = true;
  advance(c.now_ms);
  if (audit_keep_ == 0) return apply_kind(c);
  AuditEvent note = audit_note(c);
  auto r = apply_kind(c);
  record_audit(std::move(note), c, r);
  return r;
}

Result<Reply> ConsensusCore::apply_kind(const Command& c) {
  switch (c.kind) {
    case CommandKind::PROPOSE: return on_propose(c);
    case CommandKind::VOTE: return on_vote(c);
    case CommandKind::TICK: return Reply{MsgType::UNKNOWN, Json::object(), {}};
    case CommandKind::ACQUIRE:
    case CommandKind::RENEW:
    case CommandKind::RELEASE: return on_lease(c);
    case CommandKind::HELLO: return on_hello(c);
    case CommandKind::AUDIT: return Reply{MsgType::UNKNOWN, Json::object(), {}};  // a record only
    default: return make_error(ErrorCode::INTERNAL, "unknown command kind");
  }
}

void ConsensusCore::advance(std::int64_t stamp_ms) {
  now_ms_ = std::max(now_ms_, stamp_ms);
  // Expire every PENDING proposal whose deadline has come, earliest first.
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms_) {
    auto [deadline, number] = *deadlines_.begin();
    decided(proposals_.at(number), Outcome::EXPIRED, deadline);
  }
  forget_slice();
}

// Retention, in bounded slices: the oldest due records first, by two ordered indexes (decided
// proposals by expires_ms, leases by expires_ms), never a scan. What is left over is due at once
// (next_expiry_ms() <= now), so the leader's next TICK carries on with it.
void ConsensusCore::forget_slice() {
  std::size_t budget = kMaxForgetPerCommand;
  while (budget > 0 && !expiries_.empty() && expiries_.begin()->first <= now_ms_) {
    const std::uint64_t number = expiries_.begin()->second;
    expiries_.erase(expiries_.begin());
    auto it = proposals_.find(number);
    unindex_request(it->second);
    voters_.release(it->second.voters);
    proposals_.erase(it);
    dirty_.erase(number);
    erased_.push_back(number);
    ++forgotten_;
    --budget;
  }
  if (budget > 0 && now_ms_ - retention_ms_ >= leases_.first_end_ms()) {
    forgotten_ += leases_.forget_ended(now_ms_ - retention_ms_, budget,
                                       [&](std::uint64_t slot) { erased_.push_back(kLeaseKeyBase + slot); });
  }
}

std::int64_t ConsensusCore::next_expiry_ms() const {
  std::int64_t next = expiries_.empty() ? INT64_MAX : expiries_.begin()->first;
  const std::int64_t lease_end = leases_.first_end_ms();
  if (lease_end != INT64_MAX) next = std::min(next, lease_end + retention_ms_);
  return next;
}

void ConsensusCore::set_retention_ms(std::int64_t retention_ms) {
  retention_ms_ = std::clamp(retention_ms, kMinProposalRetentionMs, kMaxProposalRetentionMs);
  meta_dirty_ = true;
}

void ConsensusCore::decided(Proposal& p, Outcome outcome, std::int64_t at_ms) {
  deadlines_.erase({p.deadline_ms, p.number});
  p.outcome = outcome;
  p.decided_ms = at_ms;
  ++metrics_->decided_by_outcome[static_cast<std::size_t>(outcome) % metrics_->decided_by_outcome.size()];
  metrics_->decision_seconds.observe(static_cast<double>(std::max<std::int64_t>(0, at_ms - p.created_ms)) / 1000.0);
  p.expires_ms = at_ms + (p.result_ttl_ms != 0 ? p.result_ttl_ms : retention_ms_);
  p.votes.shrink_to_fit();  // no vote is counted from now on
  expiries_.insert({p.expires_ms, p.number});
  dirty_.insert(p.number);
  decided_.push_back(id_of(p.number));
  if (events_on_ || history_.enabled()) emit(proposal_topic("decided", p.capability), decided_data(p));
}

Tally ConsensusCore::tally_of(const Proposal& p) {
  return count_cast(p.consensus_type, *p.voters, p.faulty, [&](std::size_t i) {
    int cast = -1;  // the last vote counted for voter i, as count_votes takes it
    for (const auto& c : p.votes) {
      if (c.voter == i) cast = c.yes;
    }
    return cast;
  });
}

void ConsensusCore::settle(Proposal& p) {
  p.tally = tally_of(p);
  dirty_.insert(p.number);
  if (p.outcome != Outcome::PENDING) return;
  Outcome o = decide(p.consensus_type, p.tally);
  if (o != Outcome::PENDING) decided(p, o, now_ms_);
}

Result<Reply> ConsensusCore::on_propose(const Command& c) {
  Result<Propose> m = c.propose ? Result<Propose>(std::move(*c.propose)) : Propose::from_packed(c.body);
  if (!m) return m.error();
  if (!c.request_id.empty()) {
    if (const Proposal* held = by_request(c.request_id)) {
      const Proposal& v = *held;
      return Reply{MsgType::PROPOSE_OK, {}, ProposeOk{id_of(v.number), v.outcome, true}.to_packed()};
    }
  }
  Proposal p;
  p.number = next_number_++;
  p.request_id = c.request_id;
  Proposal& v = p;
  v.proposer = m->proposer;
  v.type = m->type;
  v.capability = m->capability;
  v.ns = std::move(m->ns);
  v.data = std::move(m->data);
  v.consensus_type = m->consensus_type;
  v.digest = proposal_digest(v.proposer, v.type, v.capability, v.consensus_type, v.data);
  p.voters = voters_.intern(std::move(m->voters));
  v.outcome = Outcome::PENDING;
  v.created_ms = now_ms_;
  v.deadline_ms = now_ms_ + m->timeout_ms;
  v.result_ttl_ms = m->result_ttl_ms;
  auto number = p.number;
  Proposal& stored = proposals_.emplace(number, std::move(p)).first->second;
  index_request(stored);
  deadlines_.insert({stored.deadline_ms, number});
  if (events_on_ || history_.enabled()) emit(proposal_topic("created", stored.capability), created_data(stored, cluster_id_));
  settle(stored);  // a RAFT proposal is decided here: committing it was the agreement
  return Reply{MsgType::PROPOSE_OK, {}, ProposeOk{id_of(stored.number), stored.outcome, false}.to_packed()};
}

Result<ConsensusCore::VoteCheck> ConsensusCore::vote_check(const Vote& v) const {
  const Proposal* p = find(v.proposal_id);
  if (!p) return not_found(v.proposal_id);
  if (p->consensus_type == ConsensusType::RAFT) {
    return make_error(ErrorCode::FAILED_PRECONDITION,
                      v.proposal_id + " is a RAFT proposal: the replicas decide it, agents do not vote");
  }
  auto voter = std::find_if(p->voters->begin(), p->voters->end(),
                            [&](const Voter& x) { return x.agent_id == v.agent_id; });
  if (voter == p->voters->end()) {
    return make_error(ErrorCode::PERMISSION_DENIED,
                      "agent '" + v.agent_id + "' is not an eligible voter of " + v.proposal_id);
  }
  return VoteCheck{voter->public_key, VoteSubject{cluster_id_, v.proposal_id, p->digest, v.agent_id}};
}

Error bad_signature(const Vote& v) {
  return make_error(ErrorCode::PERMISSION_DENIED,
                    "bad signature: agent '" + v.agent_id + "' did not sign this vote on " + v.proposal_id);
}

Status ConsensusCore::precheck_vote(const Vote& v, bool check_signature) const {
  auto check = vote_check(v);
  if (!check) return check.error();
  if (check_signature && !verify_vote(check->public_key, check->subject, v.yes, v.signature)) return bad_signature(v);
  return {};
}

Result<Reply> ConsensusCore::on_vote(const Command& c) {
  Result<Vote> m = c.vote ? Result<Vote>(std::move(*c.vote)) : Vote::from_packed(c.body);
  if (!m) return m.error();
  if (auto s = precheck_vote(*m, !c.signature_checked); !s) return s.error();
  Proposal& p = *find(m->proposal_id);
  Proposal& v = p;
  const std::string id = id_of(p.number);
  auto ok = [&](bool duplicate) {
    return Reply{MsgType::VOTE_OK, {}, VoteOk{id, m->agent_id, v.outcome, duplicate}.to_packed()};
  };
  if (std::find(v.faulty.begin(), v.faulty.end(), m->agent_id) != v.faulty.end()) {
    return make_error(ErrorCode::PERMISSION_DENIED, "agent '" + m->agent_id + "' was reported faulty on " +
                                                        id + ": its votes are discarded");
  }
  const auto voter = static_cast<std::uint32_t>(
      std::find_if(p.voters->begin(), p.voters->end(), [&](const Voter& x) { return x.agent_id == m->agent_id; }) -
      p.voters->begin());  // precheck_vote found it
  auto counted = std::find_if(p.votes.begin(), p.votes.end(), [&](const CastVote& x) { return x.voter == voter; });
  if (counted != p.votes.end() && counted->yes == m->yes) return ok(true);  // a retry: harmless
  if (v.outcome != Outcome::PENDING) {
    return make_error(ErrorCode::FAILED_PRECONDITION,
                      fmt::format("{} is already {}: no more votes are counted", id, to_string(v.outcome)));
  }
  if (counted != p.votes.end()) {
    if (v.consensus_type != ConsensusType::PBFT) {
      return make_error(ErrorCode::FAILED_PRECONDITION,
                        fmt::format("agent '{}' already voted {} on {}: a vote cannot change", m->agent_id,
                                    counted->yes ? "yes" : "no", id));
    }
    // Two validly signed, different votes from one agent: Byzantine. Discard both, for good.
    p.votes.erase(counted);
    v.faulty.push_back(m->agent_id);
    if (events_on_ || history_.enabled()) emit("proposal.faulty", {{"proposal_id", id}, {"agent_id", m->agent_id}});
    settle(p);
    return make_error(ErrorCode::PERMISSION_DENIED,
                      fmt::format("agent '{}' signed both yes and no on {}: reported faulty, its votes discarded",
                                  m->agent_id, id));
  }
  auto cast = CastVote::make(voter, m->yes, now_ms_, m->signature);
  if (!cast) return make_error(ErrorCode::INVALID_ARGUMENT, "signature: must be 128 hex digits (an Ed25519 signature)");
  p.votes.push_back(*cast);
  metrics_->vote_seconds.observe(static_cast<double>(std::max<std::int64_t>(0, now_ms_ - p.created_ms)) / 1000.0);
  settle(p);
  return ok(false);
}

Result<Reply> ConsensusCore::on_lease(const Command& c) {
  auto body = decode_value(c.body.data(), c.body.size());
  if (!body) return body.error();
  if (c.kind == CommandKind::RELEASE) {
    auto m = ReleaseLease::from_body(*body);
    if (!m) return m.error();
    return Reply{MsgType::LEASE_INFO, leases_.release(m->name, m->holder, now_ms_).to_body(), {}};
  }
  auto m = LeaseRequest::from_body(*body);
  if (!m) return m.error();
  auto r = c.kind == CommandKind::ACQUIRE ? leases_.acquire(m->name, m->holder, m->ttl_ms, now_ms_)
                                          : leases_.renew(m->name, m->holder, m->ttl_ms, now_ms_);
  if (!r) return r.error();
  return Reply{MsgType::LEASE_INFO, r->to_body(), {}};
}

Result<Reply> ConsensusCore::on_hello(const Command& c) {
  auto body = decode_value(c.body.data(), c.body.size());
  if (!body) return body.error();
  std::string replica, client;
  std::int64_t retention = 0;  // absent in logs written before retention: keep the one in force
  Fields f(*body);
  f.str("replica", replica, Need::REQUIRED);
  f.str("client", client, Need::REQUIRED);
  f.integer("retention_ms", retention, Need::OPTIONAL, kMinProposalRetentionMs, kMaxProposalRetentionMs);
  std::int64_t audit_keep = -1;  // absent in logs written before the audit log: keep the one in force
  f.integer("audit_keep", audit_keep, Need::OPTIONAL, 0, 1'000'000'000);
  if (!f.ok()) return f.error();
  replicas_[replica] = client;
  if (retention != 0) retention_ms_ = retention;
  if (audit_keep >= 0) set_audit_keep(static_cast<std::size_t>(audit_keep));
  return Reply{MsgType::UNKNOWN, Json::object(), {}};
}

// ---- Reads ------------------------------------------------------------------------------------

ConsensusCore::Proposal* ConsensusCore::find(const std::string& proposal_id) {
  auto it = proposals_.find(parse_number(proposal_id));
  return it == proposals_.end() ? nullptr : &it->second;
}

const ConsensusCore::Proposal* ConsensusCore::find(const std::string& proposal_id) const {
  auto it = proposals_.find(parse_number(proposal_id));
  return it == proposals_.end() ? nullptr : &it->second;
}

const ConsensusCore::Proposal* ConsensusCore::by_request(const std::string& request_id) const {
  auto [first, last] = by_request_.equal_range(std::hash<std::string>{}(request_id));
  for (auto it = first; it != last; ++it) {
    const Proposal& p = proposals_.at(it->second);
    if (p.request_id == request_id) return &p;
  }
  return nullptr;
}

void ConsensusCore::index_request(const Proposal& p) {
  if (p.request_id.empty()) return;
  if (const Proposal* other = by_request(p.request_id)) unindex_request(*other);
  by_request_.emplace(std::hash<std::string>{}(p.request_id), p.number);
}

void ConsensusCore::unindex_request(const Proposal& p) {
  if (p.request_id.empty()) return;
  auto [first, last] = by_request_.equal_range(std::hash<std::string>{}(p.request_id));
  for (auto it = first; it != last; ++it) {
    if (it->second == p.number) {
      by_request_.erase(it);
      return;
    }
  }
}

Result<ProposalView> ConsensusCore::proposal(const std::string& proposal_id) const {
  const Proposal* p = find(proposal_id);
  if (!p) return not_found(proposal_id);
  ProposalView v;
  v.proposal_id = id_of(p->number);
  v.cluster_id = cluster_id_;
  v.content_digest = p->digest;
  copy_kept_fields(*p, v);
  v.voters = *p->voters;
  v.votes.reserve(p->votes.size());
  for (const auto& c : p->votes) v.votes.push_back(c.record(v.voters));
  return v;
}

// Proposal numbers are issued in order and a proposal leaves the state only by retention, so a
// well-formed id below next_number that is not held was forgotten.
Error ConsensusCore::not_found(const std::string& proposal_id) const {
  const std::uint64_t n = parse_number(proposal_id);
  if (n != 0 && n < next_number_) {
    return make_error(ErrorCode::NOT_FOUND,
                      "proposal '" + proposal_id +
                          "' expired: it was decided and forgotten after its retention period (result_ttl_ms, "
                          "or the service's --retention)");
  }
  return make_error(ErrorCode::NOT_FOUND, "proposal '" + proposal_id + "' does not exist");
}

std::int64_t ConsensusCore::next_deadline_ms() const {
  return deadlines_.empty() ? INT64_MAX : deadlines_.begin()->first;
}

std::string ConsensusCore::replica_client(const std::string& replica_id) const {
  auto it = replicas_.find(replica_id);
  return it == replicas_.end() ? std::string() : it->second;
}

std::vector<CoreEvent> ConsensusCore::take_events() { return std::exchange(events_, {}); }
std::vector<std::string> ConsensusCore::take_decided() { return std::exchange(decided_, {}); }

// ---- Persistence ------------------------------------------------------------------------------

std::string ConsensusCore::encode_meta() const {
  return encode_value(Json{{"now_ms", now_ms_},
                           {"applied", applied_},
                           {"next_number", next_number_},
                           {"next_token", leases_.next_token()},
                           {"next_slot", leases_.next_slot()},
                           {"retention_ms", retention_ms_},
                           {"forgotten", forgotten_},
                           {"audit_keep", audit_keep_},
                           {"event_epoch", event_epoch_},
                           {"event_seq", event_seq_},
                           {"replicas", replicas_}});
}

// Written straight as msgpack (a proposal is encoded for SQLite at every change, and for every
// snapshot): the same map as ProposalView::to_json() plus number and request_id.
std::string ConsensusCore::encode_proposal(const Proposal& p) const {
  const Proposal& v = p;
  MsgWriter w;
  w.map(16 + (v.result_ttl_ms != 0) + (v.expires_ms != 0) + (v.ns != "default"));
  w.key("proposal_id"), w.str(id_of(p.number));
  w.key("proposer"), w.str(v.proposer);
  w.key("type"), w.str(v.type);
  w.key("capability"), w.str(v.capability);
  if (v.ns != "default") w.key("namespace"), w.str(v.ns);
  w.key("data"), w.json(v.data);
  w.key("consensus_type"), w.integer(static_cast<int>(v.consensus_type));
  w.key("voters"), w.array(p.voters->size());
  for (const auto& x : *p.voters) {
    w.map(3);
    w.key("agent_id"), w.str(x.agent_id);
    w.key("weight"), w.number(x.weight);
    w.key("public_key"), w.str(x.public_key);
  }
  w.key("votes"), w.array(p.votes.size());
  for (const auto& x : p.votes) {
    w.map(5);
    w.key("agent_id"), w.str((*p.voters)[x.voter].agent_id);
    w.key("vote"), w.str(x.yes ? "yes" : "no");
    w.key("weight"), w.number((*p.voters)[x.voter].weight);
    w.key("at_ms"), w.integer(x.at_ms);
    w.key("signature"), w.str(x.signature_hex());
  }
  w.key("faulty"), w.str_list(v.faulty);
  const Tally& t = v.tally;
  w.key("tally"), w.map(8);
  w.key("eligible"), w.integer(t.eligible);
  w.key("yes"), w.integer(t.yes);
  w.key("no"), w.integer(t.no);
  w.key("faulty"), w.integer(t.faulty);
  w.key("eligible_weight"), w.number(t.eligible_weight);
  w.key("yes_weight"), w.number(t.yes_weight);
  w.key("no_weight"), w.number(t.no_weight);
  w.key("quorum"), w.integer(t.quorum);
  w.key("outcome"), w.integer(static_cast<int>(v.outcome));
  w.key("created_ms"), w.integer(v.created_ms);
  w.key("deadline_ms"), w.integer(v.deadline_ms);
  w.key("decided_ms"), w.integer(v.decided_ms);
  if (v.result_ttl_ms != 0) w.key("result_ttl_ms"), w.integer(v.result_ttl_ms);
  if (v.expires_ms != 0) w.key("expires_ms"), w.integer(v.expires_ms);
  w.key("number"), w.integer(static_cast<std::int64_t>(p.number));
  w.key("request_id"), w.str(p.request_id);
  return w.take();
}

std::string ConsensusCore::encode_lease(const LeaseTable::Lease& l) const {
  Json j = l.view.to_json();
  j["slot"] = l.slot;
  return encode_value(j);
}

void ConsensusCore::discard_dirty() {
  audit_.drain([](std::uint64_t, std::string) {}, [](std::uint64_t) {});
  history_.drain([](std::uint64_t, std::string) {}, [](std::uint64_t) {});
  meta_dirty_ = false;
  dirty_.clear();
  erased_.clear();
  leases_.discard_dirty();
}

void ConsensusCore::drain_dirty(const std::function<void(std::uint64_t, std::string)>& fn) {
  if (meta_dirty_) fn(kMetaKey, encode_meta());
  meta_dirty_ = false;
  for (auto n : dirty_) fn(n, encode_proposal(proposals_.at(n)));
  dirty_.clear();
  for (auto key : erased_) fn(key, std::string());
  erased_.clear();
  leases_.drain_dirty([&](const LeaseTable::Lease& l) { fn(kLeaseKeyBase + l.slot, encode_lease(l)); });
  audit_.drain([&](std::uint64_t seq, std::string bytes) { fn(kAuditKeyBase + seq, std::move(bytes)); },
               [&](std::uint64_t seq) { fn(kAuditKeyBase + seq, std::string()); });
  history_.drain([&](std::uint64_t pos, std::string bytes) { fn(kEventKeyBase + pos, std::move(bytes)); },
                 [&](std::uint64_t pos) { fn(kEventKeyBase + pos, std::string()); });
}

Status ConsensusCore::restore_record(std::uint64_t key, std::string_view record) {
  if (key >= kEventKeyBase) {  // an event that does not read is left out: it cannot be served
    history_.hold(key - kEventKeyBase, record);
    return {};
  }
  if (key >= kAuditKeyBase) {  // held as stored: a damaged one is found by verification
    audit_.hold(key - kAuditKeyBase, std::string(record));
    return {};
  }
  auto v = decode_value(record.data(), record.size());
  if (!v) return v.error();
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::FAILED_PRECONDITION, "record " + std::to_string(key) + ": " + why);
  };
  if (!v->is_object()) return bad("not a map");
  Fields f(*v);
  if (key == kMetaKey) {
    std::int64_t now = 0, applied = 0, next_number = 1, next_token = 1, next_slot = 1;
    std::int64_t retention = kDefaultProposalRetentionMs, forgotten = 0;
    f.integer("now_ms", now, Need::REQUIRED, 0, INT64_MAX);
    f.integer("applied", applied, Need::REQUIRED, 0, INT64_MAX);
    f.integer("next_number", next_number, Need::REQUIRED, 1, INT64_MAX);
    f.integer("next_token", next_token, Need::REQUIRED, 1, INT64_MAX);
    f.integer("next_slot", next_slot, Need::REQUIRED, 1, INT64_MAX);
    f.str_map("replicas", replicas_, Need::OPTIONAL);
    f.integer("retention_ms", retention, Need::OPTIONAL, kMinProposalRetentionMs, kMaxProposalRetentionMs);
    f.integer("forgotten", forgotten, Need::OPTIONAL, 0, INT64_MAX);
    std::int64_t audit_keep = static_cast<std::int64_t>(audit_keep_);
    f.integer("audit_keep", audit_keep, Need::OPTIONAL, 0, 1'000'000'000);
    std::int64_t event_epoch = 0, event_seq = 0;  // absent before the event history
    f.integer("event_epoch", event_epoch, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("event_seq", event_seq, Need::OPTIONAL, 0, INT64_MAX);
    if (!f.ok()) return bad(f.error().message);
    event_epoch_ = static_cast<std::uint64_t>(event_epoch);
    event_seq_ = static_cast<std::uint64_t>(event_seq);
    set_audit_keep(static_cast<std::size_t>(audit_keep));
    retention_ms_ = retention;
    forgotten_ = static_cast<std::uint64_t>(forgotten);
    now_ms_ = now;
    applied_ = static_cast<std::uint64_t>(applied);
    next_number_ = static_cast<std::uint64_t>(next_number);
    leases_.set_counters(next_token, static_cast<std::uint64_t>(next_slot));
    return {};
  }
  if (key >= kLeaseKeyBase) {
    auto view = LeaseView::from_json(*v);
    if (!view) return bad(view.error().message);
    std::int64_t slot = 0;
    f.integer("slot", slot, Need::REQUIRED, 1, INT64_MAX);
    if (!f.ok()) return bad(f.error().message);
    leases_.restore(LeaseTable::Lease{std::move(*view), static_cast<std::uint64_t>(slot)});
    return {};
  }
  auto view = ProposalView::from_json(*v);
  if (!view) return bad(view.error().message);
  Proposal p;
  p.number = key;
  f.str("request_id", p.request_id, Need::OPTIONAL, kMaxLoggedRequestIdBytes);
  if (!f.ok()) return bad(f.error().message);
  p.votes.reserve(view->votes.size());
  for (const auto& r : view->votes) {
    auto voter = std::find_if(view->voters.begin(), view->voters.end(),
                              [&](const Voter& x) { return x.agent_id == r.agent_id; });
    if (voter == view->voters.end()) return bad("a vote of '" + r.agent_id + "', who is not a voter");
    if (r.weight != voter->weight) return bad("a vote of '" + r.agent_id + "' counted with another weight than its");
    auto cast = CastVote::make(static_cast<std::uint32_t>(voter - view->voters.begin()), r.yes, r.at_ms, r.signature);
    if (!cast) return bad("a vote of '" + r.agent_id + "' whose signature is not 128 hex digits");
    p.votes.push_back(*cast);
  }
  if (view->proposal_id != id_of(key)) {
    return bad("proposal " + view->proposal_id + " is filed under number " + std::to_string(key));
  }
  p.voters = voters_.intern(std::move(view->voters));
  copy_kept_fields(std::move(*view), p);
  p.digest = proposal_digest(p.proposer, p.type, p.capability, p.consensus_type, p.data);
  Proposal& held = proposals_[key];
  voters_.release(held.voters);  // a record read again replaces the one read before
  held = std::move(p);
  return {};
}

void ConsensusCore::finish_restore() {
  by_request_.clear();
  deadlines_.clear();
  expiries_.clear();
  for (auto& [n, p] : proposals_) {
    index_request(p);
    if (p.outcome == Outcome::PENDING) {
      deadlines_.insert({p.deadline_ms, n});
    } else {
      // Decided before retention existed: its retention counts from its decision, as now.
      if (p.expires_ms == 0) {
        p.expires_ms = p.decided_ms + (p.result_ttl_ms != 0 ? p.result_ttl_ms : retention_ms_);
      }
      expiries_.insert({p.expires_ms, n});
    }
  }
  events_.clear();
  decided_.clear();
  dirty_.clear();
  erased_.clear();
  meta_dirty_ = false;
}

std::string ConsensusCore::snapshot() const {
  // {"records": [[key, bytes], ...]}, written directly: the state may be many megabytes.
  std::vector<const LeaseTable::Lease*> by_slot;
  for (const auto& [name, l] : leases_.all()) by_slot.push_back(&l);
  std::sort(by_slot.begin(), by_slot.end(), [](auto* a, auto* b) { return a->slot < b->slot; });
  MsgWriter w;
  w.map(1);
  w.key("records");
  // The history in chunks of 1,024 positions: every replica writes the same bytes (its own chunks
  // follow when it drained, which differs between replicas).
  std::vector<std::pair<std::uint64_t, std::string>> event_chunks;
  history_.each([&](std::uint64_t key, const std::string& bytes) { event_chunks.emplace_back(key, bytes); }, 1024);
  w.array(1 + proposals_.size() + by_slot.size() + audit_.size() + event_chunks.size());
  auto add = [&](std::uint64_t key, const std::string& record) {
    w.array(2);
    w.integer(static_cast<std::int64_t>(key));
    w.bin(record);
  };
  add(kMetaKey, encode_meta());
  for (const auto& [n, p] : proposals_) add(n, encode_proposal(p));
  for (const auto* l : by_slot) add(kLeaseKeyBase + l->slot, encode_lease(*l));
  audit_.each([&](std::uint64_t seq, const std::string& bytes) { add(kAuditKeyBase + seq, bytes); });
  for (const auto& [key, bytes] : event_chunks) add(kEventKeyBase + key, bytes);
  return w.take();
}

Status ConsensusCore::restore_snapshot(std::string_view bytes) {
  reset();
  // Bounds for a whole state rather than one message: any size (it came from our own log or a
  // peer, and is bounded by the buffer), any number of records (each takes 3 bytes at least),
  // but each record no larger than one message.
  CodecLimits limits;
  limits.max_bytes = bytes.size();
  limits.max_depth = 4;
  limits.max_string = default_limits().max_bytes;
  limits.max_container = bytes.size() / 3 + 1;
  auto v = decode_value(bytes.data(), bytes.size(), limits);
  if (!v) return v.error();
  if (!v->is_object() || !v->contains("records") || !(*v)["records"].is_array()) {
    return make_error(ErrorCode::FAILED_PRECONDITION, "snapshot: no records");
  }
  for (const auto& item : (*v)["records"]) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_number_unsigned() || !item[1].is_binary()) {
      return make_error(ErrorCode::FAILED_PRECONDITION, "snapshot: a record is not [key, bytes]");
    }
    const auto& b = item[1].get_binary();
    std::string_view rec(reinterpret_cast<const char*>(b.data()), b.size());
    if (auto s = restore_record(item[0].get<std::uint64_t>(), rec); !s) return s;
  }
  finish_restore();
  return {};
}

void ConsensusCore::reset() {
  // State goes; configuration stays (the cluster id, the history's bounds, whether events are built).
  auto metrics = std::move(metrics_);
  std::string cluster_id = std::move(cluster_id_);
  const auto bounds = history_.bounds();
  const bool events_on = events_on_;
  *this = ConsensusCore();
  metrics_ = std::move(metrics);
  cluster_id_ = std::move(cluster_id);
  history_.set_bounds(bounds);
  events_on_ = events_on;
}

// ---- Invariants -------------------------------------------------------------------------------

std::string ConsensusCore::check_invariants() const {
  std::string out;
  auto fail = [&](const std::string& what) { out += what + "\n"; };
  std::size_t pending = 0;
  for (const auto& [n, p] : proposals_) {
    const Proposal& v = p;
    const std::string id = id_of(n);
    if (p.number != n) fail(id + " is filed under number " + std::to_string(p.number));
    if (n >= next_number_) fail(id + " is not below next_number");
    if (v.created_ms > now_ms_) fail(id + " was created after the log's now");
    if (v.deadline_ms <= v.created_ms) fail(id + " has its deadline at or before its creation");
    const bool is_pending = v.outcome == Outcome::PENDING;
    if (is_pending != (deadlines_.count({v.deadline_ms, n}) == 1)) fail(id + " is PENDING iff in the deadline index");
    if (is_pending != (v.expires_ms == 0)) fail(id + " has expires_ms iff decided");
    if (!is_pending && expiries_.count({v.expires_ms, n}) != 1) fail(id + " is decided but not in the retention index");
    if (is_pending) {
      ++pending;
      if (v.decided_ms != 0) fail(id + " is PENDING with a decision time");
      if (v.deadline_ms <= now_ms_) fail(id + " is PENDING past its deadline");
      if (decide(v.consensus_type, v.tally) != Outcome::PENDING) fail(id + " is PENDING but its votes decide it");
    } else if (!is_decided(v.outcome)) {
      fail(id + " has outcome " + to_string(v.outcome));
    } else if (v.decided_ms < v.created_ms || v.decided_ms > v.deadline_ms) {
      fail(id + " was decided outside [created, deadline]");
    }
    if (!p.voters) {
      fail(id + " holds no voter list");
      continue;
    }
    Tally t = tally_of(p);
    if (t.yes != v.tally.yes || t.no != v.tally.no || t.faulty != v.tally.faulty || t.yes_weight != v.tally.yes_weight) {
      fail(id + "'s stored tally differs from its votes");
    }
    std::set<std::string> voted;
    for (const auto& c : p.votes) {
      if (c.voter >= p.voters->size()) {
        fail(id + " counts a vote of no voter");
        continue;
      }
      const std::string& agent = (*p.voters)[c.voter].agent_id;
      if (!voted.insert(agent).second) fail(id + " counts two votes of " + agent);
      if (std::find(v.faulty.begin(), v.faulty.end(), agent) != v.faulty.end()) {
        fail(id + " counts a vote of faulty agent " + agent);
      }
    }
    if (v.consensus_type == ConsensusType::RAFT && (!p.votes.empty() || v.outcome != Outcome::APPROVED)) {
      fail(id + " is a RAFT proposal with votes or not APPROVED");
    }
    if (!p.request_id.empty()) {
      if (by_request(p.request_id) != &p) fail(id + " is missing from the request index");
    }
  }
  if (pending != deadlines_.size()) fail("the deadline index holds proposals that are not PENDING");
  if (proposals_.size() - pending != expiries_.size()) fail("the retention index holds proposals that are not decided");
  if (by_request_.size() > proposals_.size()) fail("the request index holds request ids of forgotten proposals");
  if (auto l = leases_.check_invariants(); !l.empty()) fail(l);
  return out;
}

}  // namespace orion::consensus
