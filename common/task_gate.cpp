#include "common/task_gate.h"

#include <algorithm>
#include <cctype>

#include "common/fields.h"
#include "common/msg_writer.h"
#include "common/object_fields.h"

namespace orion {

namespace {

constexpr std::int64_t kMaxGateTimeoutMs = kMaxTimeoutMs;  // a week, as a proposal's

bool known_type(const std::string& t) {
  return t == "majority" || t == "unanimous" || t == "weighted" || t == "pbft";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Error bad(const std::string& where, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "field '" + where + "': " + why);
}

}  // namespace

Json ConsensusGate::to_json() const {
  Json j = {{"type", type}, {"timeout_ms", timeout_ms}, {"data", data}};
  if (!capability.empty()) j["capability"] = capability;
  if (!voters.empty()) j["voters"] = voters;
  return j;
}

Result<ConsensusGate> ConsensusGate::from_json(const Json& j, const std::string& where) {
  ConsensusGate g;
  if (j.is_string()) {
    g.type = lower(j.get<std::string>());
  } else if (j.is_object()) {
    Fields f(j);
    f.str("type", g.type, Need::REQUIRED, 32);
    f.str("capability", g.capability, Need::OPTIONAL);
    f.str_list("voters", g.voters, Need::OPTIONAL);
    f.integer("timeout_ms", g.timeout_ms, Need::OPTIONAL, 1, kMaxGateTimeoutMs);
    f.object("data", g.data, Need::OPTIONAL);
    if (!f.ok()) return bad(where, f.error().message);
    g.type = lower(g.type);
  } else {
    return bad(where, "must be a consensus type name or an object");
  }
  if (!known_type(g.type)) return bad(where, "type must be one of majority, unanimous, weighted, pbft");
  if (encode_value(g.data).size() > kMaxGateDataBytes) return bad(where, "data is larger than 64 KiB");
  for (const auto& v : g.voters) {
    if (v.empty()) return bad(where, "a voter id is empty");
    if (std::count(g.voters.begin(), g.voters.end(), v) > 1) return bad(where, "voter " + v + " is named twice");
  }
  return g;
}

Json GateState::to_json() const { return {{"id", id}, {"proposal_id", proposal_id}, {"outcome", outcome}}; }

Result<GateState> GateState::from_json(const Json& j) {
  if (!j.is_object()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'gate': must be a map");
  GateState g;
  Fields f(j);
  f.str("id", g.id, Need::REQUIRED, 32);
  f.str("proposal_id", g.proposal_id, Need::OPTIONAL, 64);
  f.str("outcome", g.outcome, Need::OPTIONAL, 16);
  if (!f.ok()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'gate': " + f.error().message);
  return g;
}

void ConsensusGate::write_packed(MsgWriter& w) const { w.json(to_json()); }

void GateState::write_packed(MsgWriter& w) const { w.json(to_json()); }

Result<GateState> GateState::from_object(const msgpack::object& o) { return from_json(packed::as_json(o)); }

}  // namespace orion
