// What a service given CURVE keys enforces: its policy (who may connect, and what each principal
// may do). setup_service_security, called once in main before the service makes sockets, sets
// this process's transport security so that every socket takes CURVE and every context gets a
// ZAP handler admitting the policy's keys; SIGHUP reloads the policy file (a file that does not
// load leaves the policy as it was: event=policy_reload_failed).
//
//   if (auto s = setup_service_security(args); !s) exit(2);       // --curve-key, --policy, ...
//   ...
//   if (auto policy = service_policy()) {                  // nullptr: no CURVE
//     if (auto s = policy->allow(in.principal, Action::SUBMIT, asked); !s) reply(s.error());
//   }
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "common/policy.h"
#include "common/status.h"

namespace orion {

// Keys need a policy (a service must know who may connect), a policy needs keys, and the policy
// must load: INVALID_ARGUMENT naming the flag or the file otherwise.
Status setup_service_security(const std::string& key_file, const std::string& server_key_file,
                              const std::string& policy_file);
// The same from the flags add_common_options (config.h) defines.
Status setup_service_security(const cxxopts::ParseResult& args);

// The policy in force, or nullptr when the service runs without CURVE. Safe from any thread.
std::shared_ptr<const Policy> service_policy();

// OK when the service runs without CURVE or the policy lets the request's principal (the
// connection's, Incoming::principal) do `action`; else PERMISSION_DENIED naming the principal
// and what was refused, logged (event=permission_denied, at most 10 lines a second).
Status authorize(const std::string& principal, Action action, const Asked& asked = {});

// A policy reload SIGHUP asked for, as the audit log records it.
struct PolicyReload {
  bool ok = false;
  std::string detail;  // "principals=N", or why the file did not load
};
// Does the reload SIGHUP asked for, if any, then hands over every reload done since the last call
// (the last 16 at most). Called by the service loop once a turn; empty without CURVE.
std::vector<PolicyReload> take_policy_reloads();

}  // namespace orion
