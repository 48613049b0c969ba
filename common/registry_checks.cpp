// The rules of the registry's bodies that one field's bounds in common/protocol.toml cannot say:
// the readers generated from it (common/gen/registry_messages.cpp) call these once every field
// was read.
#include <string>

#include "common/field_rows.h"
#include "common/registry_messages.h"

namespace orion {

namespace {

// ASCII hex digits only (std::isxdigit consults the locale).
bool is_hex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace

// An agent's vote key, when it has one, is an Ed25519 public key in hex.
Status check_agent_spec(AgentSpec& a) {
  if (!a.public_key.empty() && (a.public_key.size() != 64 || !is_hex(a.public_key))) {
    return field_error("public_key", "must be 64 hex digits or empty");
  }
  return {};
}

bool is_announce_role(const std::string& role) {
  return role == "leader" || role == "follower" || role == "candidate" || role == "single" || role == "unavailable";
}

// `role` is one of five names, or not said.
Status check_announce(Announce& m) {
  if (!m.role.empty() && !is_announce_role(m.role)) {
    return field_error("role", "must be leader, follower, candidate, single or unavailable");
  }
  return {};
}

}  // namespace orion
