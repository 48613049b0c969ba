#include "services/scheduler/live_stats.h"

#include <algorithm>
#include <vector>

#include "services/scheduler/task_stats.h"

namespace orion::scheduler {

TaskRecord::Counted LiveStats::counted_as(const TaskRecord& t) {
  const TaskRecord& v = t;
  TaskRecord::Counted c;
  c.state = static_cast<std::uint8_t>(v.state);
  c.priority = static_cast<std::uint8_t>(v.spec.priority);
  std::int64_t ready_ms = t.ready_ms > 0 ? t.ready_ms : v.created_ms;
  if (v.cold().assigned_ms > 0) {
    c.wait_bin = static_cast<std::uint16_t>(
        DurationHistogram::bin_of(static_cast<double>(std::max<std::int64_t>(0, v.cold().assigned_ms - ready_ms))) + 1);
  }
  if (is_terminal(v.state) && v.cold().started_ms > 0 && v.cold().finished_ms >= v.cold().started_ms) {
    c.run_bin = static_cast<std::uint16_t>(DurationHistogram::bin_of(static_cast<double>(v.cold().finished_ms - v.cold().started_ms)) + 1);
  }
  return c;
}

void LiveStats::add(TypeAgg& type, const TaskRecord::Counted& c, int sign) {
  total_ += sign;
  by_state_[c.state] += sign;
  by_priority_[c.priority] += sign;
  type.tasks += sign;
  if (c.wait_bin) {
    type.started += sign;
    if (sign > 0) type.waits.add(static_cast<std::uint16_t>(c.wait_bin - 1));
    else type.waits.remove(static_cast<std::uint16_t>(c.wait_bin - 1));
  }
  if (c.run_bin) {
    type.finished += sign;
    if (sign > 0) type.runs.add(static_cast<std::uint16_t>(c.run_bin - 1));
    else type.runs.remove(static_cast<std::uint16_t>(c.run_bin - 1));
  }
}

void LiveStats::update(TaskRecord& t) {
  TaskRecord::Counted now = counted_as(t);
  if (t.counted.counted() && t.counted == now) return;  // the usual case: nothing it is counted by changed
  TypeAgg& type = types_[t.spec.type];
  if (t.counted.counted()) {
    add(type, t.counted, -1);
    if (now.wait_bin != 0 && now.wait_bin != t.counted.wait_bin) {
      timings_.wait(t.spec.type, DurationHistogram::value_of(static_cast<std::uint16_t>(now.wait_bin - 1)) / 1000.0);
    }
    if (now.run_bin != 0 && now.run_bin != t.counted.run_bin) {
      timings_.run(t.spec.type, DurationHistogram::value_of(static_cast<std::uint16_t>(now.run_bin - 1)) / 1000.0);
    }
  }
  if (!t.counted.counted() || t.counted.state != now.state) {
    if (t.counted.counted()) add_ns(t.spec.ns, t.counted.state, -1);
    add_ns(t.spec.ns, now.state, +1);
  }
  add(type, now, +1);
  t.counted = now;
}

void LiveStats::remove(TaskRecord& t) {
  if (!t.counted.counted()) return;
  auto it = types_.find(t.spec.type);
  if (it != types_.end()) {
    add(it->second, t.counted, -1);
    if (it->second.tasks == 0) types_.erase(it);
  }
  add_ns(t.spec.ns, t.counted.state, -1);
  t.counted = TaskRecord::Counted{};
}

void LiveStats::add_ns(const std::string& ns, std::uint8_t state, int sign) {
  if (state >= std::tuple_size<StateCounts>::value) return;
  auto it = by_ns_.find(ns);
  if (it == by_ns_.end()) {
    if (sign < 0) return;
    it = by_ns_.emplace(ns, StateCounts{}).first;
  }
  it->second[state] += sign;
  if (sign < 0) {
    for (auto n : it->second) {
      if (n != 0) return;
    }
    by_ns_.erase(it);
  }
}

void LiveStats::fill(SchedulerStatsOk& out) const {
  out.total = total_;
  for (std::size_t s = 0; s < by_state_.size(); ++s) {
    if (by_state_[s] > 0) out.by_state[std::string(to_string(static_cast<TaskState>(s)))] = by_state_[s];
  }
  for (std::size_t p = 0; p < by_priority_.size(); ++p) {
    if (by_priority_[p] > 0) out.by_priority[std::string(to_string(static_cast<Priority>(p)))] = by_priority_[p];
  }
  std::vector<TypeStats> rows;
  rows.reserve(types_.size());
  for (const auto& [name, a] : types_) {
    if (a.tasks <= 0) continue;
    TypeStats row;
    row.type = name;
    row.tasks = a.tasks;
    row.started = a.started;
    row.finished = a.finished;
    row.wait_p50_ms = a.waits.percentile(0.50);
    row.wait_p95_ms = a.waits.percentile(0.95);
    row.run_p50_ms = a.runs.percentile(0.50);
    row.run_p95_ms = a.runs.percentile(0.95);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const TypeStats& a, const TypeStats& b) { return a.type < b.type; });
  keep_largest(rows);
  out.types = std::move(rows);
}

}  // namespace orion::scheduler
