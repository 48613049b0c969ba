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

Json ListTasks::to_body() const {
  Json st = Json::array(), pr = Json::array();
  for (auto s : states) st.push_back(static_cast<int>(s));
  for (auto p : priorities) pr.push_back(static_cast<int>(p));
  return {{"states", st}, {"types", types}, {"priorities", pr}, {"limit", limit}, {"after", after}};
}
Result<ListTasks> ListTasks::from_body(const Json& b) {
  auto r = read_fields<ListTasks>(b, [](Fields& f, ListTasks& m) {
    f.str_list("types", m.types, Need::OPTIONAL);
    f.integer("limit", m.limit, Need::OPTIONAL, 1, 10'000);
    f.str("after", m.after, Need::OPTIONAL);
  });
  if (!r) return r;
  auto ints = [&](const char* key, int lo, int hi, auto push) -> Status {
    if (!b.contains(key) || b[key].is_null()) return {};
    if (!b[key].is_array() || b[key].size() > 16) {
      return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': must be a short array of integers");
    }
    for (const auto& v : b[key]) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi) {
        return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': values must be in " +
                                                           std::to_string(lo) + ".." + std::to_string(hi));
      }
      push(v.get<int>());
    }
    return {};
  };
  if (auto s = ints("states", 1, 7, [&](int v) { r->states.push_back(static_cast<TaskState>(v)); }); !s) return s.error();
  if (auto s = ints("priorities", 1, 5, [&](int v) { r->priorities.push_back(static_cast<Priority>(v)); }); !s) {
    return s.error();
  }
  return r;
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

// ---- Events ---------------------------------------------------------------------------------

Json Event::to_body() const {
  Json b = {{"topic", topic}, {"publisher", publisher}, {"seq", seq}, {"ts_ms", ts_ms}, {"data", data}};
  if (epoch != 0) b["epoch"] = epoch;
  return b;
}
Result<Event> Event::from_body(const Json& b) {
  std::int64_t seq = 0, epoch = 0;
  auto r = read_fields<Event>(b, [&](Fields& f, Event& m) {
    f.str("topic", m.topic, Need::REQUIRED);
    f.str("publisher", m.publisher, Need::OPTIONAL);
    f.integer("epoch", epoch, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("seq", seq, Need::OPTIONAL, 0, INT64_MAX);
    f.integer("ts_ms", m.ts_ms, Need::OPTIONAL, 0, INT64_MAX);
    f.object("data", m.data, Need::OPTIONAL);
  });
  if (r) {
    r->seq = static_cast<std::uint64_t>(seq);
    r->epoch = static_cast<std::uint64_t>(epoch);
  }
  return r;
}

}  // namespace orion
