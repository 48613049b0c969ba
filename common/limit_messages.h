// The limit messages of the scheduler's client API (docs/protocol.md section 18), as value types
// with to_body() and a bounded from_body() that names the first bad field.
//
//   SetLimit m;
//   m.pattern = "customer-*"; m.max_running = 5;      // at most 5 running per customer
//   client.call(true, MsgType::SET_LIMIT, m.to_body(), timeout);  // -> LIMIT_OK
//
// The structs, their readers and writers are generated from common/protocol.toml (family
// "limit") into common/gen/limit_messages.{h,cpp} in the build tree; the rules that span fields
// are check_set_limit (limit_checks.cpp). How the scheduler counts and holds tasks is
// services/scheduler/key_limits.h.
#pragma once

#include <string>
#include <string_view>

#include "common/gen/limit_messages.h"
#include "common/messages.h"

namespace orion {

// True for a limit key a task may carry: 1..kMaxLimitKeyBytes letters, digits, '_', '-', '.', ':'.
bool valid_limit_key(std::string_view key);
// True for a rule's pattern: a valid key, or a valid key followed by '*'.
bool valid_limit_pattern(std::string_view pattern);

}  // namespace orion
