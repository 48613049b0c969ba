// The namespace rule (namespace_messages.h) and SET_NAMESPACE's check.
#include "common/namespace_messages.h"

namespace orion {

bool valid_namespace(const std::string& ns) {
  if (ns.empty() || ns.size() > kMaxNamespaceBytes) return false;
  for (char c : ns) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status check_namespace(const std::string& ns, const char* field) {
  if (valid_namespace(ns)) return {};
  return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + field + "': \"" + ns.substr(0, 80) +
                                                     "\" is not 1..64 bytes of letters, digits, '_', '-' or '.'");
}

Status check_set_namespace(SetNamespace& m) { return check_namespace(m.ns, "namespace"); }

}  // namespace orion
