// Namespaces (docs/protocol.md section 19): every task, workflow, schedule and proposal lives in
// one, "default" unless it says otherwise. The scheduler keeps per-namespace settings (a fair
// share weight and the default of on_exhausted) set with SET_NAMESPACE, listed with
// LIST_NAMESPACES and reset with DELETE_NAMESPACE.
//
//   if (!valid_namespace(spec.ns)) ...                  // 1..64 of [A-Za-z0-9_.-]
//   client.call(true, MsgType::SET_NAMESPACE, SetNamespace{"tenant-a", 2.0, "park"}.to_body(), t);
//
// The structs are generated from common/protocol.toml (family "namespace") into
// common/gen/namespace_messages.{h,cpp} in the build tree; check_set_namespace and the namespace
// rule of the other records are in namespace_checks.cpp.
#pragma once

#include <string>

#include "common/gen/namespace_messages.h"

namespace orion {

inline constexpr const char* kDefaultNamespace = "default";

// True for 1..kMaxNamespaceBytes (64) bytes of letters, digits, '_', '-' and '.'.
bool valid_namespace(const std::string& ns);
// INVALID_ARGUMENT naming `field` when ns is not valid_namespace(); "" is refused too.
Status check_namespace(const std::string& ns, const char* field);

}  // namespace orion
