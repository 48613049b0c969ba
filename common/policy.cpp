#include "common/policy.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/curve_keys.h"

namespace orion {
namespace {

constexpr std::size_t kMaxName = 256;     // a principal, agent id, capability or task type
constexpr std::size_t kMaxListItems = 1'000;

const std::map<std::string, Policy::Role>& role_names() {
  static const std::map<std::string, Policy::Role> names = {
      {"admin", Policy::ADMIN},   {"operator", Policy::OPERATOR}, {"submitter", Policy::SUBMITTER},
      {"agent", Policy::AGENT},   {"reader", Policy::READER},     {"service", Policy::SERVICE}};
  return names;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "none" : out;
}

bool granted(const std::vector<std::string>& grants, const std::string& id) {
  return std::any_of(grants.begin(), grants.end(), [&](const std::string& g) {
    if (!g.empty() && g.back() == '*') return id.compare(0, g.size() - 1, g, 0, g.size() - 1) == 0;
    return g == id;
  });
}

// An Ed25519 public key in hex (what an agent's REGISTER carries as public_key).
bool is_vote_key(const std::string& key) {
  return key.size() == 64 && std::all_of(key.begin(), key.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// The first of `asked` not in `granted` (an empty grant list grants all), or nullptr.
const std::string* first_ungranted(const std::vector<std::string>& asked, const std::vector<std::string>& granted) {
  if (granted.empty()) return nullptr;
  for (const auto& a : asked) {
    if (std::find(granted.begin(), granted.end(), a) == granted.end()) return &a;
  }
  return nullptr;
}

Error denied(const std::string& principal, const std::string& what) {
  return make_error(ErrorCode::PERMISSION_DENIED, "principal " + principal + " may not " + what);
}

}  // namespace

const char* to_string(Action a) {
  switch (a) {
    case Action::READ: return "read";
    case Action::SUBMIT: return "submit";
    case Action::CANCEL: return "cancel";
    case Action::CONTROL: return "control";
    case Action::AGENT: return "act as an agent";
    case Action::VOTE: return "vote";
    case Action::PROPOSE: return "propose";
    case Action::ANNOUNCE: return "announce a service";
    case Action::PUBLISH: return "publish events";
    case Action::ADMIN: return "administer the cluster";
  }
  return "?";
}

Result<Policy> Policy::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::INVALID_ARGUMENT, "policy " + path + ": cannot be read");
  std::string text(kMaxPolicyBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxPolicyBytes) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "policy " + path + ": over " + std::to_string(kMaxPolicyBytes) + " bytes");
  }
  return parse(text, "policy " + path);
}

Result<Policy> Policy::parse(const std::string& yaml_text, const std::string& origin) {
  auto bad = [&](const std::string& why) { return make_error(ErrorCode::INVALID_ARGUMENT, origin + ": " + why); };
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return bad(std::string("not YAML: ") + e.what());
  }
  if (!root.IsMap() || !root["principals"] || !root["principals"].IsMap()) {
    return bad("expected a map 'principals: {NAME: {key: ..., roles: [...]}, ...}'");
  }
  for (const auto& top : root) {
    if (top.first.Scalar() != "principals") return bad("unknown top-level field '" + top.first.Scalar() + "'");
  }
  Policy policy;
  KeyRing ring;  // one key, one principal
  try {
    for (const auto& entry : root["principals"]) {
      const std::string name = entry.first.Scalar();
      const std::string at = "principal '" + name + "'";
      if (name.empty() || name.size() > kMaxName) return bad(at + ": a name of 1 to 256 characters");
      if (policy.principals_.size() >= kMaxPrincipals) return bad("more than 10000 principals");
      const YAML::Node& body = entry.second;
      if (!body.IsMap()) return bad(at + ": expected {key: ..., roles: [...]}");
      Principal p;
      p.name = name;
      auto list = [&](const char* field, std::vector<std::string>& out) -> Status {
        const YAML::Node n = body[field];
        if (!n) return {};
        if (!n.IsSequence()) return bad(at + ": " + field + " is a list");
        if (n.size() > kMaxListItems) return bad(at + ": " + field + " has more than 1000 items");
        for (const auto& item : n) {
          if (!item.IsScalar() || item.Scalar().empty() || item.Scalar().size() > kMaxName) {
            return bad(at + ": each of " + field + " is a name of 1 to 256 characters");
          }
          out.push_back(item.Scalar());
        }
        return {};
      };
      for (const auto& field : body) {
        static const std::set<std::string> known = {"key", "roles", "agents", "capabilities", "task_types", "namespaces", "vote_keys"};
        if (!known.count(field.first.Scalar())) return bad(at + ": unknown field '" + field.first.Scalar() + "'");
      }
      if (!body["key"] || !body["key"].IsScalar() || !is_z85_key(body["key"].Scalar())) {
        return bad(at + ": key is its public key, 40 characters of Z85 (orionctl keygen FILE; FILE.pub)");
      }
      p.key = body["key"].Scalar();
      std::vector<std::string> roles;
      if (auto s = list("roles", roles); !s) return s.error();
      if (roles.empty()) return bad(at + ": roles is a list of at least one of admin, operator, submitter, agent, reader, service");
      for (const auto& r : roles) {
        auto it = role_names().find(r);
        if (it == role_names().end()) return bad(at + ": unknown role '" + r + "'");
        p.roles |= it->second;
      }
      for (auto [field, out] : {std::pair<const char*, std::vector<std::string>*>{"agents", &p.agents},
                                {"capabilities", &p.capabilities},
                                {"task_types", &p.task_types},
                                {"namespaces", &p.namespaces}}) {
        if (auto s = list(field, *out); !s) return s.error();
      }
      if ((p.roles & AGENT) && p.agents.empty()) {
        return bad(at + ": the agent role needs 'agents', the ids it may take (a prefix ends in *; [\"*\"]: any)");
      }
      if (const YAML::Node keys = body["vote_keys"]) {
        if (!keys.IsMap()) return bad(at + ": vote_keys maps agent ids to Ed25519 public keys (64 hex digits)");
        if (keys.size() > kMaxListItems) return bad(at + ": vote_keys has more than 1000 entries");
        for (const auto& k : keys) {
          const std::string agent = k.first.Scalar();
          const std::string key = k.second.IsScalar() ? k.second.Scalar() : std::string();
          if (!(p.roles & AGENT) || !granted(p.agents, agent) || agent.find('*') != std::string::npos) {
            return bad(at + ": vote_keys names agent '" + agent + "', which is not one of its granted agent ids");
          }
          if (!is_vote_key(key)) return bad(at + ": the vote key of agent '" + agent + "' is not 64 hex digits");
          if (!policy.vote_keys_.emplace(agent, key).second) {
            return bad(at + ": agent '" + agent + "' has a vote key under another principal already");
          }
        }
      }
      if (auto s = ring.add(p.key, name); !s) return bad(s.error().message);
      policy.principals_.emplace(name, std::move(p));
    }
  } catch (const YAML::Exception& e) {
    return bad(e.what());
  }
  return policy;
}

const std::string* Policy::vote_key(const std::string& agent_id) const {
  auto it = vote_keys_.find(agent_id);
  return it == vote_keys_.end() ? nullptr : &it->second;
}

const Policy::Principal* Policy::find(const std::string& name) const {
  auto it = principals_.find(name);
  return it == principals_.end() ? nullptr : &it->second;
}

KeyRing Policy::key_ring() const {
  KeyRing ring;
  for (const auto& [name, p] : principals_) (void)ring.add(p.key, name);  // checked at parse
  return ring;
}

Status Policy::allow(const std::string& principal, Action action, const Asked& asked) const {
  const Principal* p = find(principal);
  if (!p) {
    return make_error(ErrorCode::PERMISSION_DENIED, principal.empty()
                                                        ? std::string("an unauthenticated connection may not ") + to_string(action)
                                                        : "unknown principal " + principal);
  }
  if (p->roles & ADMIN) return {};
  const auto has = [&](std::uint32_t roles) { return (p->roles & roles) != 0; };
  // Work in a namespace (protocol.md section 19): submitted, cancelled or controlled there only
  // when the namespace is granted (exact, or a prefix ending in *; none listed: any).
  const bool in_namespace = action == Action::SUBMIT || action == Action::CANCEL || action == Action::CONTROL;
  if (in_namespace && !asked.ns.empty() && !p->namespaces.empty() && !granted(p->namespaces, asked.ns)) {
    return denied(principal, "act in namespace " + asked.ns + " (granted: " + joined(p->namespaces) + ")");
  }
  switch (action) {
    case Action::READ:
      return {};
    case Action::SUBMIT: {
      if (!has(SUBMITTER)) return denied(principal, "submit work (no submitter role)");
      if (const std::string* c = first_ungranted(asked.capabilities, p->capabilities)) {
        return denied(principal, "submit tasks needing capability " + *c + " (granted: " + joined(p->capabilities) + ")");
      }
      if (!p->task_types.empty() && std::find(p->task_types.begin(), p->task_types.end(), asked.task_type) == p->task_types.end()) {
        return denied(principal, "submit tasks of type " + asked.task_type + " (granted: " + joined(p->task_types) + ")");
      }
      return {};
    }
    case Action::CANCEL:
      return has(SUBMITTER | OPERATOR) ? Status{} : denied(principal, "cancel (no submitter or operator role)");
    case Action::CONTROL:
      return has(OPERATOR) ? Status{} : denied(principal, "control tasks, workflows or agents (no operator role)");
    case Action::AGENT:
    case Action::VOTE: {
      if (!has(AGENT)) return denied(principal, std::string(to_string(action)) + " (no agent role)");
      if (!asked.agent_id.empty() && !granted(p->agents, asked.agent_id)) {
        return denied(principal, std::string(action == Action::VOTE ? "vote as" : "act as") + " agent " + asked.agent_id +
                                     " (granted: " + joined(p->agents) + ")");
      }
      if (const std::string* c = first_ungranted(asked.capabilities, p->capabilities)) {
        return denied(principal, "claim capability " + *c + " (granted: " + joined(p->capabilities) + ")");
      }
      return {};
    }
    case Action::PROPOSE:
    case Action::ANNOUNCE:
    case Action::PUBLISH:
      return has(SERVICE) ? Status{} : denied(principal, std::string(to_string(action)) + " (no service role)");
    case Action::ADMIN:
      return denied(principal, "administer the cluster (no admin role)");
  }
  return denied(principal, to_string(action));
}

}  // namespace orion
