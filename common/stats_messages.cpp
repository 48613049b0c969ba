#include "common/stats_messages.h"

#include "common/fields.h"
#include "common/messages.h"  // kMaxRetentionMs

namespace orion {

namespace {

constexpr std::int64_t kMaxCount = INT64_MAX;
constexpr double kMaxMs = 1e15;

Error invalid(const std::string& field, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, "field '" + field + "': " + why);
}

// {name: count}, at most kMaxStatsKeys entries of non-negative integers.
Result<Counts> read_counts(const Json& b, const char* key) {
  Counts out;
  if (!b.contains(key) || b[key].is_null()) return out;
  const Json& m = b[key];
  if (!m.is_object() || m.size() > kMaxStatsKeys) return invalid(key, "must be a map of at most 64 counts");
  for (const auto& [name, n] : m.items()) {
    if (name.size() > kMaxNameBytes || !n.is_number_integer() || n.get<std::int64_t>() < 0) {
      return invalid(key, "must map names to non-negative integers");
    }
    out[name] = n.get<std::int64_t>();
  }
  return out;
}

template <class T>
Result<std::vector<T>> read_rows(const Json& b, const char* key) {
  std::vector<T> out;
  if (!b.contains(key) || b[key].is_null()) return out;
  const Json& a = b[key];
  if (!a.is_array() || a.size() > kMaxStatsRows) return invalid(key, "must be an array of at most 1024 rows");
  for (const auto& j : a) {
    auto row = T::from_json(j);
    if (!row) return invalid(key, row.error().message);
    out.push_back(std::move(*row));
  }
  return out;
}

template <class T, class Fn>
Result<T> read(const Json& j, Fn&& fn) {
  if (!j.is_object()) return make_error(ErrorCode::INVALID_ARGUMENT, "must be a map");
  T out;
  Fields f(j);
  fn(f, out);
  if (!f.ok()) return f.error();
  return out;
}

template <class T>
Json rows(const std::vector<T>& v) {
  Json a = Json::array();
  for (const auto& r : v) a.push_back(r.to_json());
  return a;
}

}  // namespace

Json TypeStats::to_json() const {
  return {{"type", type},         {"tasks", tasks},           {"started", started},
          {"finished", finished}, {"wait_p50_ms", wait_p50_ms}, {"wait_p95_ms", wait_p95_ms},
          {"run_p50_ms", run_p50_ms}, {"run_p95_ms", run_p95_ms}};
}

Result<TypeStats> TypeStats::from_json(const Json& j) {
  return read<TypeStats>(j, [](Fields& f, TypeStats& t) {
    f.str("type", t.type, Need::REQUIRED);
    f.integer("tasks", t.tasks, Need::OPTIONAL, 0, kMaxCount);
    f.integer("started", t.started, Need::OPTIONAL, 0, kMaxCount);
    f.integer("finished", t.finished, Need::OPTIONAL, 0, kMaxCount);
    f.number("wait_p50_ms", t.wait_p50_ms, Need::OPTIONAL, 0, kMaxMs);
    f.number("wait_p95_ms", t.wait_p95_ms, Need::OPTIONAL, 0, kMaxMs);
    f.number("run_p50_ms", t.run_p50_ms, Need::OPTIONAL, 0, kMaxMs);
    f.number("run_p95_ms", t.run_p95_ms, Need::OPTIONAL, 0, kMaxMs);
  });
}

Json WaitingClass::to_json() const {
  return {{"capabilities", capabilities}, {"tasks", tasks}, {"oldest_wait_ms", oldest_wait_ms}};
}

Result<WaitingClass> WaitingClass::from_json(const Json& j) {
  return read<WaitingClass>(j, [](Fields& f, WaitingClass& w) {
    f.str_list("capabilities", w.capabilities, Need::OPTIONAL);
    f.integer("tasks", w.tasks, Need::OPTIONAL, 0, kMaxCount);
    f.integer("oldest_wait_ms", w.oldest_wait_ms, Need::OPTIONAL, 0, kMaxCount);
  });
}

Json SchedulerStatsOk::to_body() const {
  return {{"total", total}, {"by_state", by_state}, {"by_priority", by_priority},
          {"types", rows(types)}, {"waiting", rows(waiting)}, {"retention_ms", retention_ms}};
}

Result<SchedulerStatsOk> SchedulerStatsOk::from_body(const Json& b) {
  auto out = read<SchedulerStatsOk>(b, [](Fields& f, SchedulerStatsOk& s) {
    f.integer("total", s.total, Need::OPTIONAL, 0, kMaxCount);
    f.integer("retention_ms", s.retention_ms, Need::OPTIONAL, 0, kMaxRetentionMs);
  });
  if (!out) return out;
  auto states = read_counts(b, "by_state");
  if (!states) return states.error();
  auto priorities = read_counts(b, "by_priority");
  if (!priorities) return priorities.error();
  auto types = read_rows<TypeStats>(b, "types");
  if (!types) return types.error();
  auto waiting = read_rows<WaitingClass>(b, "waiting");
  if (!waiting) return waiting.error();
  out->by_state = std::move(*states);
  out->by_priority = std::move(*priorities);
  out->types = std::move(*types);
  out->waiting = std::move(*waiting);
  return out;
}

Json ProposalStatsOk::to_body() const {
  Json kinds = Json::object();
  for (const auto& [kind, counts] : by_type) kinds[kind] = counts;
  return {{"total", total}, {"by_outcome", by_outcome}, {"by_type", kinds}};
}

Result<ProposalStatsOk> ProposalStatsOk::from_body(const Json& b) {
  auto out = read<ProposalStatsOk>(b, [](Fields& f, ProposalStatsOk& s) {
    f.integer("total", s.total, Need::OPTIONAL, 0, kMaxCount);
  });
  if (!out) return out;
  auto outcomes = read_counts(b, "by_outcome");
  if (!outcomes) return outcomes.error();
  out->by_outcome = std::move(*outcomes);
  if (b.contains("by_type") && !b["by_type"].is_null()) {
    const Json& m = b["by_type"];
    if (!m.is_object() || m.size() > kMaxStatsKeys) return invalid("by_type", "must be a map of at most 64 types");
    for (const auto& [kind, counts] : m.items()) {
      if (kind.size() > kMaxNameBytes) return invalid("by_type", "has a name longer than 256 bytes");
      auto c = read_counts(m, kind.c_str());
      if (!c) return invalid("by_type", c.error().message);
      out->by_type[kind] = std::move(*c);
    }
  }
  return out;
}

}  // namespace orion
