#include "common/consensus_messages.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/fields.h"
#include "common/msg_writer.h"
#include "common/object_fields.h"

namespace orion {

using packed::as_json;
using packed::FieldSet;
using packed::Obj;
using packed::ObjFields;
using packed::text;

namespace {

Error invalid(const std::string& field, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "field '" + field + "': " + why);
}

// ASCII hex digits only (std::isxdigit consults the locale: it showed in profiles of the
// apply path, which checks every key and signature).
bool is_hex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// Ids end up in the signed bytes, where 0x00 separates fields.
bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

constexpr std::int64_t kMaxCount = 1'000'000'000;

}  // namespace

const char* to_string(ConsensusType type) {
  switch (type) {
    case ConsensusType::MAJORITY: return "MAJORITY";
    case ConsensusType::UNANIMOUS: return "UNANIMOUS";
    case ConsensusType::WEIGHTED: return "WEIGHTED";
    case ConsensusType::PBFT: return "PBFT";
    case ConsensusType::RAFT: return "RAFT";
    default: return "UNKNOWN";
  }
}

ConsensusType consensus_type_from_string(std::string_view name) {
  std::string upper;
  for (char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  for (int v = 1; v <= 5; ++v) {
    if (upper == to_string(static_cast<ConsensusType>(v))) return static_cast<ConsensusType>(v);
  }
  return ConsensusType::UNKNOWN;
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::PENDING: return "PENDING";
    case Outcome::APPROVED: return "APPROVED";
    case Outcome::REJECTED: return "REJECTED";
    case Outcome::EXPIRED: return "EXPIRED";
    default: return "UNKNOWN";
  }
}

Status check_cluster_id(std::string_view id) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  if (id.empty() || id.size() > kMaxClusterIdBytes || !std::all_of(id.begin(), id.end(), ok)) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "cluster id '" + std::string(id.substr(0, kMaxClusterIdBytes)) +
                          "': must be 1..64 of A-Z a-z 0-9 . _ -");
  }
  return {};
}

std::string vote_signing_bytes(const VoteSubject& s, bool yes) {
  std::string out("ORION-VOTE/2");
  for (const std::string* part : {&s.cluster_id, &s.proposal_id, &s.content_digest, &s.agent_id}) {
    out.push_back('\0');
    out.append(*part);
  }
  out.push_back('\0');
  out.append(yes ? "yes" : "no");
  return out;
}

std::string proposal_content_bytes(const std::string& proposer, const std::string& type,
                                   const std::string& capability, ConsensusType consensus_type, const Json& data) {
  return encode_canonical(Json::array({proposer, type, capability, to_string(consensus_type), data}));
}

// ---- Voter, Propose ---------------------------------------------------------------------------

Json Voter::to_json() const { return {{"agent_id", agent_id}, {"weight", weight}, {"public_key", public_key}}; }

// The checks after the fields are read, shared by the Json and the msgpack readers so that
// both accept and refuse the same bodies with the same errors.
namespace {
Result<Voter> checked(Result<Voter> r) {
  if (!r) return r;
  if (r->agent_id.empty() || has_nul(r->agent_id)) return invalid("agent_id", "must be non-empty, without NUL bytes");
  if (!r->public_key.empty() && (r->public_key.size() != kPublicKeyHexBytes || !is_hex(r->public_key))) {
    return invalid("public_key", "must be 64 hex digits (an Ed25519 public key)");
  }
  return r;
}
}  // namespace

Result<Voter> Voter::from_json(const Json& j) {
  return checked(read_fields<Voter>(j, [](Fields& f, Voter& v) {
    f.str("agent_id", v.agent_id, Need::REQUIRED);
    f.number("weight", v.weight, Need::OPTIONAL, 1e-9, 1e9);
    f.str("public_key", v.public_key, Need::OPTIONAL, kPublicKeyHexBytes);
  }));
}

namespace {

Result<Voter> voter_from_object(const Obj& o) {
  if (o.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a map");
  static const char* const kNames[] = {"agent_id", "weight", "public_key"};
  FieldSet<3> f(kNames, o);
  Voter v;
  ObjFields r;
  r.str("agent_id", f.value[0], v.agent_id, Need::REQUIRED);
  r.number("weight", f.value[1], v.weight, Need::OPTIONAL, 1e-9, 1e9);
  r.str("public_key", f.value[2], v.public_key, Need::OPTIONAL, kPublicKeyHexBytes);
  if (!r.ok()) return r.error();
  return checked(std::move(v));
}

// 0 (the service's retention) or at least kMinProposalRetentionMs.
Status check_result_ttl(std::int64_t ttl_ms) {
  if (ttl_ms != 0 && ttl_ms < kMinProposalRetentionMs) {
    return invalid("result_ttl_ms", "must be 0 (the service's retention) or at least 1000 (1 s)");
  }
  return {};
}

// Propose::from_body after its scalar fields: the type, the size of data, then the voters one by
// one (voter(i) reads the i-th of n), then the RAFT rule.
template <class VoterAt>
Result<Propose> finish_propose(Propose m, std::int64_t ctype, bool has_voters, bool voters_is_array,
                               std::size_t n, VoterAt&& voter) {
  if (m.type.empty()) return invalid("type", "must not be empty");
  m.consensus_type = static_cast<ConsensusType>(ctype);
  // Only a value that could be near the bound is encoded to measure it.
  if (!m.data.is_null() && !m.data.is_number() && !m.data.is_boolean() &&
      encode_value(m.data).size() > kMaxInputBytes) {
    return make_error(ErrorCode::TOO_LARGE, "field 'data': larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  const bool raft = m.consensus_type == ConsensusType::RAFT;
  if (has_voters) {
    if (!voters_is_array || n > kMaxVoters) return invalid("voters", "must be an array of at most 1024 voters");
    std::set<std::string> seen;
    m.voters.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      Result<Voter> v = voter(i);
      if (!v) return invalid("voters[" + std::to_string(i) + "]", v.error().message);
      if (!seen.insert(v->agent_id).second) {
        return invalid("voters[" + std::to_string(i) + "]", "agent '" + v->agent_id + "' is listed twice");
      }
      if (!raft && v->public_key.empty()) {
        return invalid("voters[" + std::to_string(i) + "].public_key", "is required: every vote is signed");
      }
      m.voters.push_back(std::move(*v));
    }
  }
  if (raft) {
    m.voters.clear();  // the replicas decide; agents do not vote
  } else if (m.voters.empty()) {
    return invalid("voters", "must name at least one eligible voter");
  }
  return m;
}

// A body kept packed (envelope.h KeepPacked): decode_value's checks and decode_frame_views'
// "is it a map", as the Json path runs them before from_body.
Result<msgpack::object_handle> unpack_body(std::string_view body) {
  auto h = unpack_value(body.data(), body.size(), default_limits());
  if (!h) return h.error();
  if (auto s = check_object(h->get(), 0, default_limits()); !s) return s.error();
  if (h->get().type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a msgpack map");
  return h;
}

}  // namespace

Json Propose::to_body() const {
  Json v = Json::array();
  for (const auto& voter : voters) v.push_back(voter.to_json());
  Json body = {{"proposer", proposer},
          {"type", type},
          {"data", data},
          {"capability", capability},
          {"consensus_type", static_cast<int>(consensus_type)},
          {"voters", std::move(v)},
          {"timeout_ms", timeout_ms}};
  if (result_ttl_ms != 0) body["result_ttl_ms"] = result_ttl_ms;
  return body;
}

std::string Propose::to_packed() const {
  MsgWriter w;
  w.reserve(128 + voters.size() * 112);
  w.map(result_ttl_ms != 0 ? 8 : 7);
  w.key("proposer"), w.str(proposer);
  w.key("type"), w.str(type);
  w.key("data"), w.json(data);
  w.key("capability"), w.str(capability);
  w.key("consensus_type"), w.integer(static_cast<int>(consensus_type));
  w.key("voters"), w.array(voters.size());
  for (const auto& x : voters) {
    w.map(3);
    w.key("agent_id"), w.str(x.agent_id);
    w.key("weight"), w.number(x.weight);
    w.key("public_key"), w.str(x.public_key);
  }
  w.key("timeout_ms"), w.integer(timeout_ms);
  if (result_ttl_ms != 0) w.key("result_ttl_ms"), w.integer(result_ttl_ms);
  return w.take();
}

Result<Propose> Propose::from_body(const Json& b) {
  std::int64_t ctype = static_cast<std::int64_t>(ConsensusType::MAJORITY);
  auto r = read_fields<Propose>(b, [&](Fields& f, Propose& m) {
    f.str("proposer", m.proposer, Need::OPTIONAL);
    f.str("type", m.type, Need::REQUIRED);
    f.any("data", m.data, Need::OPTIONAL);
    f.str("capability", m.capability, Need::OPTIONAL);
    f.integer("consensus_type", ctype, Need::OPTIONAL, 1, 5);
    f.integer("timeout_ms", m.timeout_ms, Need::OPTIONAL, 1, kMaxTimeoutMs);
    f.integer("result_ttl_ms", m.result_ttl_ms, Need::OPTIONAL, 0, kMaxProposalRetentionMs);
  });
  if (!r) return r;
  if (auto s = check_result_ttl(r->result_ttl_ms); !s) return s.error();
  const bool has = b.contains("voters") && !b["voters"].is_null();
  const Json* a = has ? &b["voters"] : nullptr;
  return finish_propose(std::move(*r), ctype, has, has && a->is_array(), has ? a->size() : 0,
                        [&](std::size_t i) { return Voter::from_json((*a)[i]); });
}

Result<Propose> Propose::from_packed(std::string_view body) {
  auto h = unpack_body(body);
  if (!h) return h.error();
  static const char* const kNames[] = {"proposer",       "type",       "data",  "capability",
                                       "consensus_type", "timeout_ms", "voters", "result_ttl_ms"};
  FieldSet<8> f(kNames, h->get());
  Propose m;
  std::int64_t ctype = static_cast<std::int64_t>(ConsensusType::MAJORITY);
  ObjFields r;
  r.str("proposer", f.value[0], m.proposer, Need::OPTIONAL);
  r.str("type", f.value[1], m.type, Need::REQUIRED);
  r.any("data", f.value[2], m.data, Need::OPTIONAL);
  r.str("capability", f.value[3], m.capability, Need::OPTIONAL);
  r.integer("consensus_type", f.value[4], ctype, Need::OPTIONAL, 1, 5);
  r.integer("timeout_ms", f.value[5], m.timeout_ms, Need::OPTIONAL, 1, kMaxTimeoutMs);
  r.integer("result_ttl_ms", f.value[7], m.result_ttl_ms, Need::OPTIONAL, 0, kMaxProposalRetentionMs);
  if (!r.ok()) return r.error();
  if (auto s = check_result_ttl(m.result_ttl_ms); !s) return s.error();
  const bool has = f.given(6);
  const Obj* a = f.value[6];
  const bool is_array = has && a->type == msgpack::type::ARRAY;
  return finish_propose(std::move(m), ctype, has, is_array, is_array ? a->via.array.size : 0,
                        [&](std::size_t i) { return voter_from_object(a->via.array.ptr[i]); });
}

Json ProposeOk::to_body() const {
  return {{"proposal_id", proposal_id}, {"outcome", static_cast<int>(outcome)}, {"duplicate", duplicate}};
}
std::string ProposeOk::to_packed() const {
  MsgWriter w;
  w.map(3);
  w.key("proposal_id"), w.str(proposal_id);
  w.key("outcome"), w.integer(static_cast<int>(outcome));
  w.key("duplicate"), w.boolean(duplicate);
  return w.take();
}
Result<ProposeOk> ProposeOk::from_packed(std::string_view body) {
  auto h = unpack_body(body);
  if (!h) return h.error();
  static const char* const kNames[] = {"proposal_id", "outcome", "duplicate"};
  FieldSet<3> f(kNames, h->get());
  ProposeOk m;
  std::int64_t outcome = 1;
  ObjFields r;
  r.str("proposal_id", f.value[0], m.proposal_id, Need::REQUIRED);
  r.integer("outcome", f.value[1], outcome, Need::OPTIONAL, 0, 4);
  r.boolean("duplicate", f.value[2], m.duplicate, Need::OPTIONAL);
  if (!r.ok()) return r.error();
  m.outcome = static_cast<Outcome>(outcome);
  return m;
}
Result<ProposeOk> ProposeOk::from_body(const Json& b) {
  std::int64_t outcome = 1;
  auto r = read_fields<ProposeOk>(b, [&](Fields& f, ProposeOk& m) {
    f.str("proposal_id", m.proposal_id, Need::REQUIRED);
    f.integer("outcome", outcome, Need::OPTIONAL, 0, 4);
    f.boolean("duplicate", m.duplicate, Need::OPTIONAL);
  });
  if (r) r->outcome = static_cast<Outcome>(outcome);
  return r;
}

// ---- Votes ------------------------------------------------------------------------------------

namespace {

// Vote::from_body after its fields are read (shared with from_packed).
Result<Vote> checked(Vote m, const std::string& vote) {
  if (vote != "yes" && vote != "no") return invalid("vote", "must be \"yes\" or \"no\"");
  m.yes = vote == "yes";
  if (m.agent_id.empty() || has_nul(m.agent_id)) return invalid("agent_id", "must be non-empty, without NUL bytes");
  if (has_nul(m.proposal_id)) return invalid("proposal_id", "must not contain NUL bytes");
  if (m.signature.size() != kSignatureHexBytes || !is_hex(m.signature)) {
    return invalid("signature", "must be 128 hex digits (an Ed25519 signature)");
  }
  return m;
}

}  // namespace

Json Vote::to_body() const {
  return {{"proposal_id", proposal_id}, {"agent_id", agent_id}, {"vote", yes ? "yes" : "no"}, {"signature", signature}};
}
std::string Vote::to_packed() const {
  MsgWriter w;
  w.reserve(64 + proposal_id.size() + agent_id.size() + signature.size());
  w.map(4);
  w.key("proposal_id"), w.str(proposal_id);
  w.key("agent_id"), w.str(agent_id);
  w.key("vote"), w.str(yes ? "yes" : "no");
  w.key("signature"), w.str(signature);
  return w.take();
}
Result<Vote> Vote::from_body(const Json& b) {
  std::string vote;
  auto r = read_fields<Vote>(b, [&](Fields& f, Vote& m) {
    f.str("proposal_id", m.proposal_id, Need::REQUIRED);
    f.str("agent_id", m.agent_id, Need::REQUIRED);
    f.str("vote", vote, Need::REQUIRED);
    f.str("signature", m.signature, Need::REQUIRED, kSignatureHexBytes);
  });
  if (!r) return r;
  return checked(std::move(*r), vote);
}
Result<Vote> Vote::from_packed(std::string_view body) {
  auto h = unpack_body(body);
  if (!h) return h.error();
  static const char* const kNames[] = {"proposal_id", "agent_id", "vote", "signature"};
  FieldSet<4> f(kNames, h->get());
  Vote m;
  std::string vote;
  ObjFields r;
  r.str("proposal_id", f.value[0], m.proposal_id, Need::REQUIRED);
  r.str("agent_id", f.value[1], m.agent_id, Need::REQUIRED);
  r.str("vote", f.value[2], vote, Need::REQUIRED);
  r.str("signature", f.value[3], m.signature, Need::REQUIRED, kSignatureHexBytes);
  if (!r.ok()) return r.error();
  return checked(std::move(m), vote);
}

Json VoteOk::to_body() const {
  return {{"proposal_id", proposal_id},
          {"agent_id", agent_id},
          {"outcome", static_cast<int>(outcome)},
          {"duplicate", duplicate}};
}
std::string VoteOk::to_packed() const {
  MsgWriter w;
  w.map(4);
  w.key("proposal_id"), w.str(proposal_id);
  w.key("agent_id"), w.str(agent_id);
  w.key("outcome"), w.integer(static_cast<int>(outcome));
  w.key("duplicate"), w.boolean(duplicate);
  return w.take();
}
Result<VoteOk> VoteOk::from_packed(std::string_view body) {
  auto h = unpack_body(body);
  if (!h) return h.error();
  static const char* const kNames[] = {"proposal_id", "agent_id", "outcome", "duplicate"};
  FieldSet<4> f(kNames, h->get());
  VoteOk m;
  std::int64_t outcome = 1;
  ObjFields r;
  r.str("proposal_id", f.value[0], m.proposal_id, Need::REQUIRED);
  r.str("agent_id", f.value[1], m.agent_id, Need::REQUIRED);
  r.integer("outcome", f.value[2], outcome, Need::OPTIONAL, 0, 4);
  r.boolean("duplicate", f.value[3], m.duplicate, Need::OPTIONAL);
  if (!r.ok()) return r.error();
  m.outcome = static_cast<Outcome>(outcome);
  return m;
}
Result<VoteOk> VoteOk::from_body(const Json& b) {
  std::int64_t outcome = 1;
  auto r = read_fields<VoteOk>(b, [&](Fields& f, VoteOk& m) {
    f.str("proposal_id", m.proposal_id, Need::REQUIRED);
    f.str("agent_id", m.agent_id, Need::REQUIRED);
    f.integer("outcome", outcome, Need::OPTIONAL, 0, 4);
    f.boolean("duplicate", m.duplicate, Need::OPTIONAL);
  });
  if (r) r->outcome = static_cast<Outcome>(outcome);
  return r;
}

Json GetProposal::to_body() const { return {{"proposal_id", proposal_id}}; }
Result<GetProposal> GetProposal::from_body(const Json& b) {
  return read_fields<GetProposal>(b, [](Fields& f, GetProposal& m) { f.str("proposal_id", m.proposal_id, Need::REQUIRED); });
}

Json WaitProposal::to_body() const { return {{"proposal_id", proposal_id}, {"timeout_ms", timeout_ms}}; }
Result<WaitProposal> WaitProposal::from_body(const Json& b) {
  return read_fields<WaitProposal>(b, [](Fields& f, WaitProposal& m) {
    f.str("proposal_id", m.proposal_id, Need::REQUIRED);
    f.integer("timeout_ms", m.timeout_ms, Need::OPTIONAL, 0, kMaxWaitProposalMs);
  });
}

// ---- Proposal views ---------------------------------------------------------------------------

Json Tally::to_json() const {
  return {{"eligible", eligible},          {"yes", yes},
          {"no", no},                      {"faulty", faulty},
          {"eligible_weight", eligible_weight}, {"yes_weight", yes_weight},
          {"no_weight", no_weight},        {"quorum", quorum}};
}
Result<Tally> Tally::from_json(const Json& j) {
  return read_fields<Tally>(j, [](Fields& f, Tally& t) {
    f.integer("eligible", t.eligible, Need::OPTIONAL, 0, kMaxCount);
    f.integer("yes", t.yes, Need::OPTIONAL, 0, kMaxCount);
    f.integer("no", t.no, Need::OPTIONAL, 0, kMaxCount);
    f.integer("faulty", t.faulty, Need::OPTIONAL, 0, kMaxCount);
    f.number("eligible_weight", t.eligible_weight, Need::OPTIONAL, 0, 1e15);
    f.number("yes_weight", t.yes_weight, Need::OPTIONAL, 0, 1e15);
    f.number("no_weight", t.no_weight, Need::OPTIONAL, 0, 1e15);
    f.integer("quorum", t.quorum, Need::OPTIONAL, 0, kMaxCount);
  });
}

Json ProposalView::to_json() const {
  Json v = Json::array(), cast = Json::array();
  for (const auto& voter : voters) v.push_back(voter.to_json());
  for (const auto& x : votes) {
    cast.push_back({{"agent_id", x.agent_id},
                    {"vote", x.yes ? "yes" : "no"},
                    {"weight", x.weight},
                    {"at_ms", x.at_ms},
                    {"signature", x.signature}});
  }
  Json j = {{"proposal_id", proposal_id},
            {"proposer", proposer},
            {"type", type},
            {"capability", capability},
            {"data", data},
            {"consensus_type", static_cast<int>(consensus_type)},
            {"voters", std::move(v)},
            {"votes", std::move(cast)},
            {"faulty", faulty},
            {"tally", tally.to_json()},
            {"outcome", static_cast<int>(outcome)},
            {"created_ms", created_ms},
            {"deadline_ms", deadline_ms},
            {"decided_ms", decided_ms}};
  if (result_ttl_ms != 0) j["result_ttl_ms"] = result_ttl_ms;
  if (expires_ms != 0) j["expires_ms"] = expires_ms;
  if (!cluster_id.empty()) j["cluster_id"] = cluster_id;
  if (!content_digest.empty()) j["content_digest"] = content_digest;
  return j;
}

Result<ProposalView> ProposalView::from_json(const Json& j) {
  std::int64_t ctype = 0, outcome = 0;
  auto r = read_fields<ProposalView>(j, [&](Fields& f, ProposalView& m) {
    f.str("proposal_id", m.proposal_id, Need::REQUIRED);
    f.str("proposer", m.proposer, Need::OPTIONAL);
    f.str("type", m.type, Need::OPTIONAL);
    f.str("capability", m.capability, Need::OPTIONAL);
    f.str("cluster_id", m.cluster_id, Need::OPTIONAL, kMaxClusterIdBytes);
    f.str("content_digest", m.content_digest, Need::OPTIONAL, 64);
    f.any("data", m.data, Need::OPTIONAL);
    f.integer("consensus_type", ctype, Need::OPTIONAL, 0, 5);
    f.str_list("faulty", m.faulty, Need::OPTIONAL, kMaxVoters);
    f.integer("outcome", outcome, Need::REQUIRED, 0, 4);
    f.integer("created_ms", m.created_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("deadline_ms", m.deadline_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("decided_ms", m.decided_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("result_ttl_ms", m.result_ttl_ms, Need::OPTIONAL, 0, kMaxProposalRetentionMs);
    f.integer("expires_ms", m.expires_ms, Need::OPTIONAL, 0, INT64_MAX);
  });
  if (!r) return r;
  r->consensus_type = static_cast<ConsensusType>(ctype);
  r->outcome = static_cast<Outcome>(outcome);
  if (j.contains("voters") && !j["voters"].is_null()) {
    const auto& a = j["voters"];
    if (!a.is_array() || a.size() > kMaxVoters) return invalid("voters", "must be an array of at most 1024 voters");
    for (const auto& item : a) {
      auto v = Voter::from_json(item);
      if (!v) return invalid("voters", v.error().message);
      r->voters.push_back(std::move(*v));
    }
  }
  if (j.contains("votes") && !j["votes"].is_null()) {
    const auto& a = j["votes"];
    if (!a.is_array() || a.size() > 2 * kMaxVoters) return invalid("votes", "must be an array of at most 2048 votes");
    for (const auto& item : a) {
      std::string vote;
      auto x = read_fields<VoteRecord>(item, [&](Fields& f, VoteRecord& m) {
        f.str("agent_id", m.agent_id, Need::REQUIRED);
        f.str("vote", vote, Need::REQUIRED);
        f.number("weight", m.weight, Need::OPTIONAL, 0, 1e9);
        f.integer("at_ms", m.at_ms, Need::OPTIONAL, 0, INT64_MAX);
        f.str("signature", m.signature, Need::OPTIONAL, kSignatureHexBytes);
      });
      if (!x) return invalid("votes", x.error().message);
      if (vote != "yes" && vote != "no") return invalid("votes", "field 'vote': must be \"yes\" or \"no\"");
      x->yes = vote == "yes";
      r->votes.push_back(std::move(*x));
    }
  }
  if (j.contains("tally") && !j["tally"].is_null()) {
    auto t = Tally::from_json(j["tally"]);
    if (!t) return invalid("tally", t.error().message);
    r->tally = *t;
  }
  return r;
}

Json ProposalInfo::to_body() const { return {{"proposal", proposal.to_json()}}; }
Result<ProposalInfo> ProposalInfo::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("proposal")) return invalid("proposal", "is required");
  auto v = ProposalView::from_json(b["proposal"]);
  if (!v) return v.error();
  return ProposalInfo{std::move(*v)};
}

// ---- Leases -----------------------------------------------------------------------------------

Json LeaseRequest::to_body() const { return {{"name", name}, {"holder", holder}, {"ttl_ms", ttl_ms}}; }
Result<LeaseRequest> LeaseRequest::from_body(const Json& b) {
  auto r = read_fields<LeaseRequest>(b, [](Fields& f, LeaseRequest& m) {
    f.str("name", m.name, Need::REQUIRED);
    f.str("holder", m.holder, Need::REQUIRED);
    f.integer("ttl_ms", m.ttl_ms, Need::REQUIRED, 1, kMaxLeaseTtlMs);
  });
  if (r && r->name.empty()) return invalid("name", "must not be empty");
  if (r && r->holder.empty()) return invalid("holder", "must not be empty");
  return r;
}

Json ReleaseLease::to_body() const { return {{"name", name}, {"holder", holder}}; }
Result<ReleaseLease> ReleaseLease::from_body(const Json& b) {
  auto r = read_fields<ReleaseLease>(b, [](Fields& f, ReleaseLease& m) {
    f.str("name", m.name, Need::REQUIRED);
    f.str("holder", m.holder, Need::REQUIRED);
  });
  if (r && r->name.empty()) return invalid("name", "must not be empty");
  if (r && r->holder.empty()) return invalid("holder", "must not be empty");
  return r;
}

Json GetLease::to_body() const { return {{"name", name}}; }
Result<GetLease> GetLease::from_body(const Json& b) {
  return read_fields<GetLease>(b, [](Fields& f, GetLease& m) { f.str("name", m.name, Need::REQUIRED); });
}

Json LeaseView::to_json() const {
  return {{"name", name}, {"holder", holder}, {"token", token}, {"acquired_ms", acquired_ms}, {"expires_ms", expires_ms}};
}
Result<LeaseView> LeaseView::from_json(const Json& j) {
  return read_fields<LeaseView>(j, [](Fields& f, LeaseView& m) {
    f.str("name", m.name, Need::REQUIRED);
    f.str("holder", m.holder, Need::OPTIONAL);
    f.integer("token", m.token, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("acquired_ms", m.acquired_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("expires_ms", m.expires_ms, Need::OPTIONAL, 0, INT64_MAX);
  });
}

Json LeaseInfo::to_body() const { return {{"lease", lease.to_json()}, {"granted", granted}}; }
Result<LeaseInfo> LeaseInfo::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("lease")) return invalid("lease", "is required");
  auto v = LeaseView::from_json(b["lease"]);
  if (!v) return v.error();
  LeaseInfo out{std::move(*v)};
  Fields f(b);
  f.boolean("granted", out.granted, Need::OPTIONAL);
  if (!f.ok()) return f.error();
  return out;
}

// ---- Replicas ---------------------------------------------------------------------------------

Json ReplicaInfo::to_body() const {
  return {{"replica_id", replica_id}, {"role", role},       {"leader_id", leader_id}, {"leader_client", leader_client},
          {"term", term},             {"applied", applied}, {"proposals", proposals},         {"digest", digest},
          {"commit_index", commit_index}, {"tasks", tasks}};
}
Result<ReplicaInfo> ReplicaInfo::from_body(const Json& b) {
  return read_fields<ReplicaInfo>(b, [](Fields& f, ReplicaInfo& m) {
    f.str("replica_id", m.replica_id, Need::REQUIRED);
    f.str("role", m.role, Need::REQUIRED);
    f.str("leader_id", m.leader_id, Need::OPTIONAL);
    f.str("leader_client", m.leader_client, Need::OPTIONAL);
    f.integer("term", m.term, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("applied", m.applied, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("proposals", m.proposals, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("commit_index", m.commit_index, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("tasks", m.tasks, Need::OPTIONAL, 0, INT64_MAX);
    f.str("digest", m.digest, Need::OPTIONAL, 64);
  });
}

Json ChangeReplicas::to_body() const { return {{"op", op}, {"id", id}, {"address", address}}; }
Result<ChangeReplicas> ChangeReplicas::from_body(const Json& b) {
  auto r = read_fields<ChangeReplicas>(b, [](Fields& f, ChangeReplicas& m) {
    f.str("op", m.op, Need::REQUIRED, 16);
    f.integer("id", m.id, Need::REQUIRED, 1, INT64_MAX);
    f.str("address", m.address, Need::OPTIONAL, 256);
  });
  if (!r) return r;
  if (r->op != "add" && r->op != "remove") {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'op': '" + r->op + "' is not add or remove");
  }
  if (r->op == "add" && r->address.find(':') == std::string::npos) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'address': an add needs the replica's Raft HOST:PORT");
  }
  return r;
}

MembershipChange ChangeReplicas::to_change(std::uint64_t seq) const {
  MembershipChange c;
  c.kind = op == "add" ? MembershipChange::ADD : MembershipChange::REMOVE;
  c.id = static_cast<std::uint64_t>(id);
  c.address = address;
  c.seq = seq;
  return c;
}

Envelope change_replicas_answer(const std::string& request_id, const ChangeReplicas& request, const LogItem& done) {
  if (!done.error.message.empty()) return error_envelope(request_id, done.error);
  return Envelope{MsgType::CHANGE_REPLICAS_OK, request_id, request.to_body()};
}

}  // namespace orion
