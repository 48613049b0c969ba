// Who may do what: the policy file a service reads at start and again on SIGHUP. It maps each
// public key to a principal, and each principal to roles and grants. The principal of a request
// is the one its connection's key maps to (the ZAP user id, common/zap_handler.h), never a name
// in the message.
//
//   # policy.yaml
//   principals:
//     services:  {key: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", roles: [service]}
//     alice:     {key: "...", roles: [admin]}
//     ops:       {key: "...", roles: [operator]}
//     ci:        {key: "...", roles: [submitter], capabilities: [build, test], task_types: [compile],
//                 namespaces: [ci, "team-a-*"]}
//     gpu-boxes: {key: "...", roles: [agent], agents: ["gpu-*"], capabilities: [gpu, work],
//                 vote_keys: {gpu-1: "3f9a...(64 hex digits)", gpu-2: "..."}}
//     dashboard: {key: "...", roles: [reader]}
//
//   auto policy = Policy::load("policy.yaml");          // INVALID_ARGUMENT naming the entry
//   Asked asked;
//   asked.capabilities = spec.capabilities, asked.task_type = spec.type;
//   if (auto s = policy->allow("ci", Action::SUBMIT, asked); !s)
//     reply s.error();                                  // PERMISSION_DENIED naming what was refused
//
// Roles (each includes READ):
//   admin      everything
//   operator   CONTROL: cancel, reprioritize, drain, workflow cancel and retry
//   submitter  SUBMIT (tasks, batches, workflow runs) and CANCEL, of the capabilities and task types
//              granted (none listed: any)
//   agent      AGENT (register, attach, heartbeat, results) and VOTE, as the agent ids granted
//              (exact, or a prefix ending in *), claiming only the capabilities granted
//   reader     READ (status, list, wait, stats, watch, decisions)
//   service    what services do for each other: ANNOUNCE, PROPOSE, PUBLISH, and READ
// PROPOSE is also the admin's; ADMIN (replica membership, policy reload) only the admin's.
// Namespaces: a principal with `namespaces` (exact names, or prefixes ending in *) submits,
// cancels and controls only tasks (and workflow runs) of those namespaces, and sets only their
// settings; none listed: any namespace. Reading is not limited by namespace.
//
// Vote keys: an agent principal's vote_keys map each of its granted agent ids (exact ids) to the
// Ed25519 public key that agent signs its votes with (`orionctl keygen --vote FILE`). With a
// policy, orion-consensus takes every voter's key from here, never from the proposer; a voter
// with no vote key here cannot be named in a proposal. An agent id has at most one vote key.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zap_handler.h"

namespace orion {

enum class Action : std::uint8_t {
  READ,
  SUBMIT,
  CANCEL,
  CONTROL,
  AGENT,
  VOTE,
  PROPOSE,
  ANNOUNCE,
  PUBLISH,
  ADMIN,
};
const char* to_string(Action a);

// What a request asks for, as far as a grant can limit it.
struct Asked {
  std::vector<std::string> capabilities;  // SUBMIT: the task's; AGENT: the agent's
  std::string task_type;                  // SUBMIT
  std::string ns;                         // SUBMIT, CANCEL, CONTROL: the namespace acted in; "" = none
  std::string agent_id;                   // AGENT, VOTE; "" = the role alone (a message on a
                                          // connection whose ATTACH or REGISTER was checked)
};

class Policy {
 public:
  struct Principal {
    std::string name, key;                  // key: Z85
    std::uint32_t roles = 0;                // bits of Role
    std::vector<std::string> agents;        // agent ids or prefixes ending in '*'
    std::vector<std::string> capabilities;  // empty: any
    std::vector<std::string> task_types;    // empty: any
    std::vector<std::string> namespaces;    // names or prefixes ending in '*'; empty: any
  };
  enum Role : std::uint32_t { ADMIN = 1, OPERATOR = 2, SUBMITTER = 4, AGENT = 8, READER = 16, SERVICE = 32 };

  // At most kMaxPrincipals principals; a file of at most kMaxPolicyBytes.
  static constexpr std::size_t kMaxPrincipals = 10'000;
  static constexpr std::size_t kMaxPolicyBytes = 4 << 20;
  static Result<Policy> load(const std::string& path);
  static Result<Policy> parse(const std::string& yaml_text, const std::string& origin = "policy");

  // OK, or PERMISSION_DENIED naming the principal and what was refused. An unknown principal
  // (or "", a connection without CURVE) is refused everything.
  Status allow(const std::string& principal, Action action, const Asked& asked = {}) const;
  const Principal* find(const std::string& name) const;
  // The Ed25519 public key (hex) agent_id votes with; nullptr when the policy holds none.
  const std::string* vote_key(const std::string& agent_id) const;
  // The keys for the ZAP handler: every principal's.
  KeyRing key_ring() const;
  std::size_t size() const { return principals_.size(); }

 private:
  std::map<std::string, Principal> principals_;
  std::map<std::string, std::string> vote_keys_;  // agent id -> Ed25519 public key, hex
};

}  // namespace orion
