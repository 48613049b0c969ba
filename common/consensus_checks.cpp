// The rules of the consensus bodies that one field's bounds in common/protocol.toml cannot say:
// the readers generated from it (common/gen/consensus_messages.cpp) call these once every field
// was read, the Json and the packed reader alike, so both refuse the same bodies with the same
// first error.
#include <set>
#include <string>

#include "common/consensus_messages.h"
#include "common/namespace_messages.h"
#include "common/field_rows.h"

namespace orion {

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

}  // namespace

// A voter's id goes into the signed bytes; its key, when given, is an Ed25519 public key.
Status check_voter(Voter& v) {
  if (v.agent_id.empty() || has_nul(v.agent_id)) return invalid("agent_id", "must be non-empty, without NUL bytes");
  if (!v.public_key.empty() && (v.public_key.size() != kPublicKeyHexBytes || !is_hex(v.public_key))) {
    return invalid("public_key", "must be 64 hex digits (an Ed25519 public key)");
  }
  return {};
}

// result_ttl_ms is 0 (the service's retention) or at least kMinProposalRetentionMs; voters are
// distinct, and each has a key unless the proposal is RAFT, whose voters are dropped (the
// replicas decide); any other type needs at least one voter.
Status check_propose(Propose& m) {
  if (auto s = check_namespace(m.ns, "namespace"); !s) return s;
  if (m.result_ttl_ms != 0 && m.result_ttl_ms < kMinProposalRetentionMs) {
    return invalid("result_ttl_ms", "must be 0 (the service's retention) or at least 1000 (1 s)");
  }
  const bool raft = m.consensus_type == ConsensusType::RAFT;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < m.voters.size(); ++i) {
    const Voter& v = m.voters[i];
    if (!seen.insert(v.agent_id).second) {
      return invalid("voters[" + std::to_string(i) + "]", "agent '" + v.agent_id + "' is listed twice");
    }
    if (!raft && v.public_key.empty()) {
      return invalid("voters[" + std::to_string(i) + "].public_key", "is required: every vote is signed");
    }
  }
  if (raft) {
    m.voters.clear();
  } else if (m.voters.empty()) {
    return invalid("voters", "must name at least one eligible voter");
  }
  return {};
}

// The ids go into the signed bytes; the signature is an Ed25519 one in hex.
Status check_vote(Vote& m) {
  if (m.agent_id.empty() || has_nul(m.agent_id)) return invalid("agent_id", "must be non-empty, without NUL bytes");
  if (has_nul(m.proposal_id)) return invalid("proposal_id", "must not contain NUL bytes");
  if (m.signature.size() != kSignatureHexBytes || !is_hex(m.signature)) {
    return invalid("signature", "must be 128 hex digits (an Ed25519 signature)");
  }
  return {};
}

// An add names where the new replica's Raft listens.
Status check_change_replicas(ChangeReplicas& m) {
  if (m.op == "add" && m.address.find(':') == std::string::npos) {
    return invalid("address", "an add needs the replica's Raft HOST:PORT");
  }
  return {};
}

}  // namespace orion
