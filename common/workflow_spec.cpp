#include "common/namespace_messages.h"
#include "common/workflow_spec.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/fields.h"

namespace orion {

namespace {

constexpr std::size_t kMaxWalkDepth = 64;  // nesting of an input walked for references

Error invalid(const std::string& where, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + why);
}

bool good_step_name(const std::string& n) {
  if (n.empty() || n.size() > kMaxNameBytes) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// A TaskSpec error "field 'priority': must be ..." as "steps[2].priority: must be ...".
Error step_error(const std::string& where, const Error& e) {
  const std::string prefix = "field '";
  auto end = e.message.find("': ");
  if (e.message.compare(0, prefix.size(), prefix) == 0 && end != std::string::npos) {
    return Error{e.code, where + "." + e.message.substr(prefix.size(), end - prefix.size()) + ": " +
                             e.message.substr(end + 3)};
  }
  return Error{e.code, where + ": " + e.message};
}

// A string of an input, split into literal text and references.
struct Piece {
  bool is_ref = false;
  std::string text;  // literal text, or the reference as written ("${steps.a.output}")
  StepRef ref;
};

Result<std::vector<Piece>> split_template(const std::string& s, const std::string& where) {
  std::vector<Piece> out;
  std::string literal;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 3, "$${") == 0) {  // escaped: a literal "${"
      literal += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") != 0) {
      literal += s[i++];
      continue;
    }
    auto close = s.find('}', i + 2);
    if (close == std::string::npos) {
      return invalid(where, "unterminated reference \"" + s.substr(i, 40) + "\": a \"${\" needs its \"}\" (write $${ for a literal ${)");
    }
    std::string body = s.substr(i + 2, close - i - 2), written = s.substr(i, close - i + 1);
    std::vector<std::string> parts;
    for (std::size_t p = 0;;) {
      auto dot = body.find('.', p);
      parts.push_back(body.substr(p, dot == std::string::npos ? std::string::npos : dot - p));
      if (dot == std::string::npos) break;
      p = dot + 1;
    }
    bool ok = parts.size() >= 3 && parts[0] == "steps" && good_step_name(parts[1]) && parts[2] == "output" &&
              parts.size() - 3 <= kMaxRefPathSegments &&
              std::none_of(parts.begin() + 3, parts.end(), [](const std::string& x) { return x.empty(); });
    if (!ok) {
      return invalid(where, "bad reference \"" + written + "\": expected ${steps.NAME.output} or ${steps.NAME.output.PATH}");
    }
    if (!literal.empty()) out.push_back(Piece{false, std::move(literal), {}}), literal.clear();
    Piece p{true, written, StepRef{where, parts[1], std::vector<std::string>(parts.begin() + 3, parts.end())}};
    out.push_back(std::move(p));
    i = close + 1;
  }
  if (!literal.empty() || out.empty()) out.push_back(Piece{false, std::move(literal), {}});
  return out;
}

// Calls fn(string, location) for every string value under `v`; stops at fn's first error.
template <class Fn>
Status walk_strings(const Json& v, const std::string& where, std::size_t depth, Fn&& fn) {
  if (depth > kMaxWalkDepth) return invalid(where, "nested more than " + std::to_string(kMaxWalkDepth) + " levels deep");
  if (v.is_string()) return fn(v.get_ref<const std::string&>(), where);
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (auto s = walk_strings(it.value(), where + "." + it.key(), depth + 1, fn); !s) return s;
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (auto s = walk_strings(v[i], where + "[" + std::to_string(i) + "]", depth + 1, fn); !s) return s;
    }
  }
  return {};
}

Result<Json> resolve_value(const Json& v, const std::string& where, std::size_t depth,
                           const std::function<const Json*(const std::string&)>& output_of) {
  if (depth > kMaxWalkDepth) return invalid(where, "nested more than " + std::to_string(kMaxWalkDepth) + " levels deep");
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      auto r = resolve_value(it.value(), where + "." + it.key(), depth + 1, output_of);
      if (!r) return r;
      out[it.key()] = std::move(*r);
    }
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (std::size_t i = 0; i < v.size(); ++i) {
      auto r = resolve_value(v[i], where + "[" + std::to_string(i) + "]", depth + 1, output_of);
      if (!r) return r;
      out.push_back(std::move(*r));
    }
    return out;
  }
  if (!v.is_string() || v.get_ref<const std::string&>().find("${") == std::string::npos) return v;
  auto pieces = split_template(v.get_ref<const std::string&>(), where);
  if (!pieces) return pieces.error();
  std::vector<Json> values;
  for (const auto& p : *pieces) {
    if (!p.is_ref) continue;
    const Json* cur = output_of(p.ref.step);
    if (!cur) return invalid(where, p.text + ": step \"" + p.ref.step + "\" has no output");
    std::string walked = "output";
    for (const auto& seg : p.ref.path) {
      const Json* next = nullptr;
      if (cur->is_object()) {
        auto it = cur->find(seg);
        if (it != cur->end()) next = &*it;
      } else if (cur->is_array() && std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                 seg.size() < 10 && std::stoul(seg) < cur->size()) {
        next = &(*cur)[std::stoul(seg)];
      }
      if (!next) return invalid(where, p.text + ": the " + walked + " of step \"" + p.ref.step + "\" has no \"" + seg + "\"");
      walked += "." + seg;
      cur = next;
    }
    values.push_back(*cur);
  }
  if (pieces->size() == 1 && (*pieces)[0].is_ref) return std::move(values[0]);
  std::string text;
  std::size_t k = 0;
  for (const auto& p : *pieces) {
    if (!p.is_ref) {
      text += p.text;
      continue;
    }
    const Json& x = values[k++];
    text += x.is_string() ? x.get<std::string>() : x.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return Json(std::move(text));
}

// Names a cycle among `left` (steps not placed by the topological sort), as "a -> b -> a".
std::string name_cycle(const std::vector<WorkflowStep>& steps, const std::map<std::string, std::size_t>& index,
                       const std::vector<bool>& left) {
  std::size_t start = 0;
  while (!left[start]) ++start;
  std::vector<std::size_t> path;
  std::map<std::size_t, std::size_t> seen;  // step -> position in path
  for (std::size_t cur = start;;) {
    if (seen.count(cur)) {
      std::string out;
      for (std::size_t i = seen[cur]; i < path.size(); ++i) out += steps[path[i]].name + " -> ";
      return out + steps[cur].name;
    }
    seen[cur] = path.size();
    path.push_back(cur);
    for (const auto& d : steps[cur].task.depends_on) {
      auto it = index.find(d);
      if (it != index.end() && left[it->second]) {
        cur = it->second;
        break;
      }
    }
  }
}

}  // namespace

bool may_hold_refs(const Json& input) {
  bool found = false;
  walk_strings(input, "", 0, [&](const std::string& s, const std::string&) -> Status {
    if (s.find("${") != std::string::npos) found = true;
    return {};
  });
  return found;
}

Result<std::vector<StepRef>> find_refs(const Json& input, const std::string& where) {
  std::vector<StepRef> refs;
  auto s = walk_strings(input, where, 0, [&](const std::string& text, const std::string& loc) -> Status {
    if (text.find("${") == std::string::npos) return {};
    auto pieces = split_template(text, loc);
    if (!pieces) return pieces.error();
    for (auto& p : *pieces) {
      if (!p.is_ref) continue;
      if (refs.size() >= kMaxRefsPerStep) {
        return invalid(loc, "more than " + std::to_string(kMaxRefsPerStep) + " references in one step");
      }
      refs.push_back(std::move(p.ref));
    }
    return {};
  });
  if (!s) return s.error();
  return refs;
}

Result<Json> resolve_refs(const Json& input, const std::string& where,
                          const std::function<const Json*(const std::string& step)>& output_of) {
  return resolve_value(input, where, 0, output_of);
}

Json WorkflowSpec::to_json() const {
  Json steps_json = Json::array();
  for (const auto& s : steps) steps_json.push_back(s.task.to_json());
  Json j{{"name", name}, {"steps", std::move(steps_json)}};
  if (!consensus.is_null()) j["consensus"] = consensus;
  if (result_ttl_ms >= 0) j["result_ttl_ms"] = result_ttl_ms;
  if (ns != "default") j["namespace"] = ns;
  return j;
}

Result<WorkflowSpec> WorkflowSpec::from_json(const Json& j) {
  if (!j.is_object()) return invalid("workflow", "must be a map");
  WorkflowSpec w;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return invalid("name", "is required: a non-empty string");
  }
  w.name = name->get<std::string>();
  if (w.name.size() > kMaxNameBytes) return invalid("name", "longer than " + std::to_string(kMaxNameBytes) + " bytes");
  auto c = j.find("consensus");
  if (c != j.end() && !c->is_null()) {
    auto g = ConsensusGate::from_json(*c, "consensus");
    if (!g) {  // "field 'consensus': why" -> "consensus: why", like every other location here
      const std::string prefix = "field 'consensus': ";
      const auto& m = g.error().message;
      return invalid("consensus", m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m);
    }
    w.consensus = g->to_json();
  }
  auto ttl = j.find("result_ttl_ms");
  if (ttl != j.end() && !ttl->is_null()) {
    if (!ttl->is_number_integer() || ttl->get<std::int64_t>() < -1 ||
        (ttl->is_number_unsigned() && ttl->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxRetentionMs)) ||
        ttl->get<std::int64_t>() > kMaxRetentionMs) {
      return invalid("result_ttl_ms", "must be an integer in -1.." + std::to_string(kMaxRetentionMs));
    }
    w.result_ttl_ms = ttl->get<std::int64_t>();
  }
  auto ns = j.find("namespace");
  if (ns != j.end() && !ns->is_null()) {
    if (!ns->is_string() || !valid_namespace(ns->get_ref<const std::string&>())) {
      return invalid("namespace", "must be 1..64 bytes of letters, digits, '_', '-' or '.'");
    }
    w.ns = ns->get<std::string>();
  }
  auto steps = j.find("steps");
  if (steps == j.end() || !steps->is_array() || steps->empty()) return invalid("steps", "must be a non-empty array");
  if (steps->size() > kMaxWorkflowSteps) {
    return make_error(ErrorCode::TOO_LARGE, "steps: more than " + std::to_string(kMaxWorkflowSteps) + " steps");
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Json& item = (*steps)[i];
    std::string where = "steps[" + std::to_string(i) + "]";
    if (!item.is_object()) return invalid(where, "must be a map");
    auto n = item.find("name");
    if (n == item.end() || !n->is_string()) return invalid(where + ".name", "is required: the step's name");
    std::string step_name = n->get<std::string>();
    if (!good_step_name(step_name)) {
      return invalid(where + ".name", "\"" + step_name.substr(0, 64) + "\" must be 1..256 letters, digits, '_' or '-'");
    }
    if (!index.emplace(step_name, i).second) return invalid(where + ".name", "\"" + step_name + "\" is used by an earlier step");
    auto spec = TaskSpec::from_json(item);
    if (!spec) return step_error(where, spec.error());
    if (!spec->idempotency_key.empty()) {
      return invalid(where + ".idempotency_key", "not allowed in a step (a run is deduplicated by its request id)");
    }
    spec->ns = w.ns;  // a run's steps live in its namespace
    w.steps.push_back(WorkflowStep{step_name, std::move(*spec)});
  }
  // depends_on: known steps, then no cycle (Kahn's order; what is left holds a cycle).
  std::vector<std::vector<std::size_t>> deps(w.steps.size()), dependants(w.steps.size());
  for (std::size_t i = 0; i < w.steps.size(); ++i) {
    const auto& dlist = w.steps[i].task.depends_on;
    for (std::size_t k = 0; k < dlist.size(); ++k) {
      auto it = index.find(dlist[k]);
      if (it == index.end()) {
        return invalid("steps[" + std::to_string(i) + "].depends_on[" + std::to_string(k) + "]",
                       "unknown step \"" + dlist[k] + "\"");
      }
      if (std::find(deps[i].begin(), deps[i].end(), it->second) != deps[i].end()) continue;
      deps[i].push_back(it->second);
      dependants[it->second].push_back(i);
    }
  }
  std::vector<std::size_t> unmet(w.steps.size()), ready;
  for (std::size_t i = 0; i < w.steps.size(); ++i) {
    unmet[i] = deps[i].size();
    if (unmet[i] == 0) ready.push_back(i);
  }
  std::vector<bool> left(w.steps.size(), true);
  std::size_t placed = 0;
  while (!ready.empty()) {
    auto i = ready.back();
    ready.pop_back();
    left[i] = false;
    ++placed;
    for (auto d : dependants[i]) {
      if (--unmet[d] == 0) ready.push_back(d);
    }
  }
  if (placed != w.steps.size()) return invalid("steps", "dependency cycle: " + name_cycle(w.steps, index, left));
  // References: syntax, a known step, an ancestor.
  for (std::size_t i = 0; i < w.steps.size(); ++i) {
    const std::string where = "steps[" + std::to_string(i) + "].input";
    auto refs = find_refs(w.steps[i].task.input, where);
    if (!refs) return refs.error();
    if (refs->empty()) continue;
    std::vector<bool> ancestor(w.steps.size(), false);
    std::vector<std::size_t> work = deps[i];
    while (!work.empty()) {
      auto a = work.back();
      work.pop_back();
      if (ancestor[a]) continue;
      ancestor[a] = true;
      work.insert(work.end(), deps[a].begin(), deps[a].end());
    }
    for (const auto& r : *refs) {
      auto it = index.find(r.step);
      if (it == index.end()) return invalid(r.location, "unknown step \"" + r.step + "\"");
      if (!ancestor[it->second]) {
        return invalid(r.location, "step \"" + r.step + "\" is not an ancestor of \"" + w.steps[i].name +
                                       "\" (list it in depends_on, directly or through another step)");
      }
    }
  }
  return w;
}

}  // namespace orion
