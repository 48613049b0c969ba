#include "cli/workflow_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>

#include "cli/batch_file.h"

namespace orion::cli {

namespace {

constexpr std::size_t kMaxYamlDepth = 64;

Error invalid(const std::string& what) { return make_error(ErrorCode::INVALID_ARGUMENT, what); }

// A plain (unquoted) scalar typed as the YAML 1.2 core schema types it.
Json plain_scalar(const std::string& s) {
  static const std::regex kNull("^(~|null|Null|NULL|)$");
  static const std::regex kTrue("^(true|True|TRUE)$"), kFalse("^(false|False|FALSE)$");
  static const std::regex kInt("^[-+]?[0-9]+$");
  static const std::regex kFloat("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  if (std::regex_match(s, kNull)) return nullptr;
  if (std::regex_match(s, kTrue)) return true;
  if (std::regex_match(s, kFalse)) return false;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return s;  // too big for an integer: kept as written
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

Result<Json> convert(const YAML::Node& n, const std::string& path, std::size_t depth) {
  auto where = [&] { return path + ":" + std::to_string(n.Mark().line + 1) + ":" + std::to_string(n.Mark().column + 1); };
  if (depth > kMaxYamlDepth) return invalid(where() + ": nested more than 64 levels deep");
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Json(nullptr);
    case YAML::NodeType::Scalar:
      return n.Tag() == "!" ? Json(n.Scalar()) : plain_scalar(n.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : n) {
        auto v = convert(item, path, depth + 1);
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) return invalid(where() + ": a map key must be a plain value");
        auto v = convert(kv.second, path, depth + 1);
        if (!v) return v;
        out[kv.first.Scalar()] = std::move(*v);
      }
      return out;
    }
  }
  return Json(nullptr);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

Result<Json> yaml_to_json(const std::string& text, const std::string& path) {
  try {
    return convert(YAML::Load(text), path, 0);
  } catch (const YAML::Exception& e) {
    return invalid(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<WorkflowSpec> parse_workflow_file(const std::string& text, const std::string& path) {
  Json doc;
  if (ends_with(path, ".json")) {
    try {
      doc = Json::parse(text);
    } catch (const std::exception& e) {
      return invalid(path + " is not valid JSON: " + e.what());
    }
  } else {
    auto y = yaml_to_json(text, path);
    if (!y) return y.error();
    doc = std::move(*y);
  }
  if (!doc.is_object()) return invalid(path + ": a workflow file is a map with name and steps");
  // description: for people (what the workflow needs, how to run it); it stays in the file.
  static const std::set<std::string> known = {"name", "description", "steps", "consensus", "namespace"};
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!known.count(it.key())) {
      return invalid(it.key() + ": is not a known field (name, description, steps, consensus, namespace)");
    }
  }
  if (doc.contains("description") && !doc["description"].is_string()) return invalid("description: must be text");
  // The file's step fields (seconds, priority names) into TaskSpec maps for the wire.
  Json wire{{"name", doc.value("name", Json())}, {"steps", Json::array()}};
  if (!doc.contains("steps") || !doc["steps"].is_array()) return invalid("steps: must be a list of steps");
  for (std::size_t i = 0; i < doc["steps"].size(); ++i) {
    const Json& item = doc["steps"][i];
    std::string where = "steps[" + std::to_string(i) + "]";
    TaskSpec spec;
    if (auto e = read_task_fields(item, spec)) return invalid(where + (e->first.empty() ? "" : "." + e->first) + ": " + e->second);
    if (!item.contains("name")) return invalid(where + ".name: is required: the step's name");
    wire["steps"].push_back(spec.to_json());
  }
  if (doc.contains("consensus") && !doc["consensus"].is_null()) {
    Json c = doc["consensus"];
    if (c.is_object() && c.contains("timeout")) {
      const Json& t = c["timeout"];
      auto ms = file_duration_ms(t);
      if (!ms) return invalid(std::string("consensus.timeout: ") + kDurationForms);
      c["timeout_ms"] = *ms;
      c.erase("timeout");
    }
    wire["consensus"] = std::move(c);
  }
  if (doc.contains("namespace")) wire["namespace"] = doc["namespace"];  // the run's, for every step
  return WorkflowSpec::from_json(wire);
}

}  // namespace orion::cli
