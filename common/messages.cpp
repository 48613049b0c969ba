#include "common/messages.h"

#include "common/fields.h"

namespace orion {

// ---- Tasks ----------------------------------------------------------------------------------

Json SubmitBatch::to_body() const {
  Json a = Json::array();
  for (const auto& e : tasks) a.push_back({{"key", e.key}, {"task", e.spec.to_json()}});
  Json b = {{"tasks", std::move(a)}};
  if (consensus.enabled()) b["consensus"] = consensus.to_json();
  return b;
}
Result<SubmitBatch> SubmitBatch::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("tasks") || !b["tasks"].is_array()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must be an array");
  }
  const auto& a = b["tasks"];
  if (a.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must not be empty");
  if (a.size() > kMaxBatchTasks) {
    return make_error(ErrorCode::TOO_LARGE, "field 'tasks': more than " + std::to_string(kMaxBatchTasks) + " tasks");
  }
  SubmitBatch out;
  out.tasks.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& item = a[i];
    std::string where = "tasks[" + std::to_string(i) + "]";
    if (!item.is_object()) return make_error(ErrorCode::INVALID_ARGUMENT, "field '" + where + "': must be a map");
    BatchEntry e;
    auto k = read_fields<BatchEntry>(item, [&](Fields& f, BatchEntry&) { f.str("key", e.key, Need::REQUIRED); });
    if (!k) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + k.error().message);
    if (e.key.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": field 'key': must not be empty");
    if (!item.contains("task")) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": field 'task': is required");
    auto spec = TaskSpec::from_json(item["task"]);
    if (!spec) return Error{spec.error().code, where + " (key '" + e.key + "'): " + spec.error().message};
    e.spec = std::move(*spec);
    out.tasks.push_back(std::move(e));
  }
  if (b.contains("consensus") && !b["consensus"].is_null()) {
    auto g = ConsensusGate::from_json(b["consensus"], "consensus");
    if (!g) return g.error();
    out.consensus = std::move(*g);
  }
  return out;
}

Json TaskList::to_body() const {
  Json a = Json::array();
  for (const auto& t : tasks) a.push_back(t.to_json());
  return {{"tasks", std::move(a)}, {"next", next}};
}
Result<TaskList> TaskList::from_body(const Json& b) {
  if (!b.is_object() || !b.contains("tasks") || !b["tasks"].is_array()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "field 'tasks': must be an array");
  }
  TaskList out;
  for (const auto& j : b["tasks"]) {
    auto v = TaskView::from_json(j);
    if (!v) return v.error();
    out.tasks.push_back(std::move(*v));
  }
  if (b.contains("next") && b["next"].is_string()) out.next = b["next"].get<std::string>();
  return out;
}

}  // namespace orion
