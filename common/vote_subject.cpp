#include "common/vote_subject.h"

#include <algorithm>

namespace orion {

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

}  // namespace orion
