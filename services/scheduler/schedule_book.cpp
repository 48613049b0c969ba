#include "services/scheduler/schedule_book.h"

#include <algorithm>

#include "common/log.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/workflow_manager.h"

namespace orion::scheduler {

ScheduleBook::ScheduleBook(SchedulerCore& core, WorkflowManager& workflows, const Clock& clock)
    : core_(core), workflows_(workflows), clock_(clock) {}

Envelope ScheduleBook::handle(const Envelope& e) {
  auto answer = [&](MsgType type, auto&& result) {
    if (!result) return error_envelope(e.request_id, result.error());
    return Envelope{type, e.request_id, result->to_body()};
  };
  switch (e.type) {
    case MsgType::SCHEDULE_CREATE: {
      auto m = ScheduleCreate::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::SCHEDULE_INFO, create(e.request_id, std::move(m->schedule)));
    }
    case MsgType::SCHEDULE_LIST: {
      auto m = ScheduleList::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::SCHEDULE_LIST_OK, list(*m));
    }
    case MsgType::SCHEDULE_PAUSE: {
      auto m = SchedulePause::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::SCHEDULE_INFO, pause(m->schedule_id));
    }
    case MsgType::SCHEDULE_RESUME: {
      auto m = ScheduleResume::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::SCHEDULE_INFO, resume(m->schedule_id));
    }
    case MsgType::SCHEDULE_DELETE: {
      auto m = ScheduleDelete::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::SCHEDULE_DELETE_OK, remove(m->schedule_id));
    }
    case MsgType::SCHEDULE_TRIGGER: {
      auto m = ScheduleTrigger::from_body(e.body);
      if (!m) return error_envelope(e.request_id, m.error());
      return answer(MsgType::SCHEDULE_TRIGGER_OK, trigger(e.request_id, m->schedule_id));
    }
    default:
      return error_envelope(e.request_id, make_error(ErrorCode::UNKNOWN_TYPE, std::string(to_string(e.type)) +
                                                                                   " is not a schedule request"));
  }
}

ScheduleBook::Entry* ScheduleBook::find(const std::string& schedule_id) {
  auto it = by_id_.find(schedule_id);
  return it == by_id_.end() ? nullptr : &by_seq_.at(it->second);
}

const ScheduleBook::Entry* ScheduleBook::find(const std::string& schedule_id) const {
  auto it = by_id_.find(schedule_id);
  return it == by_id_.end() ? nullptr : &by_seq_.at(it->second);
}

Error ScheduleBook::missing(const std::string& schedule_id) const {
  return make_error(ErrorCode::NOT_FOUND, "schedule " + schedule_id + " does not exist");
}

void ScheduleBook::index(const Entry& e) {
  const ScheduleView& v = e.rec.view;
  if (active(e) && v.next_fire_ms > 0) due_.emplace(v.next_fire_ms, e.rec.seq);
  if (v.pending_tick_ms != 0) pending_.insert(e.rec.seq);
}

void ScheduleBook::unindex(const Entry& e) {
  due_.erase({e.rec.view.next_fire_ms, e.rec.seq});
  pending_.erase(e.rec.seq);
}

Result<ScheduleInfo> ScheduleBook::create(const std::string& request_id, ScheduleSpec spec) {
  if (auto it = by_request_.find(request_id); it != by_request_.end() && !request_id.empty()) {
    return info(by_seq_.at(it->second), true);
  }
  if (!spec.schedule_id.empty() && find(spec.schedule_id)) {
    return make_error(ErrorCode::ALREADY_EXISTS, "schedule_id: schedule " + spec.schedule_id + " exists");
  }
  if (by_seq_.size() >= kMaxSchedules) {
    return make_error(ErrorCode::FAILED_PRECONDITION, "the scheduler holds " + std::to_string(kMaxSchedules) +
                                                          " schedules, the most it keeps: delete one first");
  }
  // The generated reader checked the spec; a caller in process may not have.
  if (auto s = check_schedule_spec(spec); !s) return s.error();
  const std::int64_t now = clock_.wall_ms();
  if (spec.interval_ms > 0 && spec.start_ms == 0) spec.start_ms = now + spec.interval_ms;
  auto ticks = ScheduleTicks::make(spec);
  if (!ticks) return ticks.error();
  const std::int64_t next = ticks->next_after(now);
  if (next < 0) return make_error(ErrorCode::INVALID_ARGUMENT, "cron: \"" + spec.cron + "\" never fires");
  counter_dirty_ = true;
  std::uint64_t seq = next_seq_++;
  std::string id = spec.schedule_id.empty() ? "s" + std::to_string(seq) : spec.schedule_id;
  while (find(id)) id = "s" + std::to_string(seq = next_seq_++);  // past ids a client gave ("s7")
  ScheduleRecord rec;
  rec.seq = seq;
  rec.request_id = request_id;
  rec.view.schedule_id = id;
  rec.view.spec = std::move(spec);
  rec.view.spec.schedule_id = id;
  rec.view.state = rec.view.spec.paused ? "paused" : "active";
  rec.view.next_fire_ms = rec.view.spec.paused ? 0 : next;
  rec.view.created_ms = now;
  auto [it, fresh] = by_seq_.emplace(seq, Entry{std::move(rec), std::move(*ticks)});
  (void)fresh;
  by_id_[id] = seq;
  if (!request_id.empty()) by_request_[request_id] = seq;
  index(it->second);
  dirty_.insert(seq);
  spdlog::info("event=schedule_created schedule={} next_fire_ms={}", id, it->second.rec.view.next_fire_ms);
  return info(it->second, false);
}

Result<ScheduleListOk> ScheduleBook::list(const ScheduleList& request) const {
  ScheduleListOk out;
  auto it = request.after.empty() ? by_id_.begin() : by_id_.upper_bound(request.after);
  for (; it != by_id_.end(); ++it) {
    if (out.schedules.size() >= static_cast<std::size_t>(request.limit)) {
      out.next = out.schedules.back().schedule_id;
      break;
    }
    const ScheduleView& v = by_seq_.at(it->second).rec.view;
    if (!request.ns.empty() && v.spec.ns != request.ns) continue;
    out.schedules.push_back(v);
  }
  return out;
}

Result<ScheduleView> ScheduleBook::get(const std::string& schedule_id) const {
  const Entry* e = find(schedule_id);
  if (!e) return missing(schedule_id);
  return e->rec.view;
}

Result<ScheduleInfo> ScheduleBook::pause(const std::string& schedule_id) {
  Entry* e = find(schedule_id);
  if (!e) return missing(schedule_id);
  if (active(*e)) {
    unindex(*e);
    e->rec.view.state = "paused";
    e->rec.view.next_fire_ms = 0;
    index(*e);
    dirty_.insert(e->rec.seq);
  }
  return info(*e, false);
}

Result<ScheduleInfo> ScheduleBook::resume(const std::string& schedule_id) {
  Entry* e = find(schedule_id);
  if (!e) return missing(schedule_id);
  if (!active(*e)) {
    unindex(*e);
    e->rec.view.state = "active";
    const std::int64_t next = e->ticks.next_after(clock_.wall_ms());
    e->rec.view.next_fire_ms = next < 0 ? 0 : next;
    index(*e);
    dirty_.insert(e->rec.seq);
  }
  return info(*e, false);
}

Result<ScheduleDeleteOk> ScheduleBook::remove(const std::string& schedule_id) {
  Entry* e = find(schedule_id);
  if (!e) return missing(schedule_id);
  const std::uint64_t seq = e->rec.seq;
  unindex(*e);
  by_request_.erase(e->rec.request_id);
  by_id_.erase(schedule_id);
  by_seq_.erase(seq);
  dirty_.insert(seq);
  spdlog::info("event=schedule_deleted schedule={}", schedule_id);
  return ScheduleDeleteOk{schedule_id};
}

Result<ScheduleTriggerOk> ScheduleBook::trigger(const std::string& request_id, const std::string& schedule_id) {
  Entry* e = find(schedule_id);
  if (!e) return missing(schedule_id);
  const std::string key = schedule_trigger_key(schedule_id, request_id);
  const std::int64_t now = clock_.wall_ms();
  bool duplicate = false;
  auto id = submit(*e, now, key, &duplicate);
  if (!id) return id.error();
  if (!duplicate) {
    ScheduleView& v = e->rec.view;
    v.last_fired_id = *id;
    v.last_fired_tick_ms = now;
    ++v.fired;
    v.last_error.clear();
    dirty_.insert(e->rec.seq);
  }
  return ScheduleTriggerOk{schedule_id, *id, key};
}

bool ScheduleBook::ended(const std::string& id) const {
  if (id.empty()) return true;
  if (id[0] == 'w') {
    auto w = workflows_.get(id);
    return !w || is_terminal(w->state);
  }
  auto seq = core_.seq_of(id);
  const TaskRecord* t = seq ? core_.task(*seq) : nullptr;
  return t == nullptr || is_terminal(t->state);
}

Result<std::string> ScheduleBook::submit(const Entry& e, std::int64_t tick, const std::string& key, bool* duplicate) {
  const ScheduleSpec& spec = e.rec.view.spec;
  if (spec.task) {
    TaskSpec task = *spec.task;
    task.ns = spec.ns;  // what a schedule fires lives in its namespace
    task.idempotency_key = key;
    if (!task.metadata.is_object()) task.metadata = Json::object();
    task.metadata["schedule_id"] = e.rec.view.schedule_id;
    task.metadata["schedule_tick_ms"] = std::to_string(tick);
    auto ok = core_.submit(key, std::move(task));
    if (!ok) return ok.error();
    *duplicate = ok->duplicate;
    return ok->task_id;
  }
  WorkflowSpec workflow = *spec.workflow;
  workflow.ns = spec.ns;
  for (auto& step : workflow.steps) step.task.ns = spec.ns;
  auto ok = workflows_.run(key, std::move(workflow));
  if (!ok) return ok.error();
  *duplicate = ok->duplicate;
  return ok->workflow_id;
}

void ScheduleBook::fire(Entry& e, std::int64_t tick) {
  ScheduleView& v = e.rec.view;
  bool duplicate = false;
  auto id = submit(e, tick, schedule_tick_key(v.schedule_id, tick), &duplicate);
  dirty_.insert(e.rec.seq);
  if (!id) {
    // The tick is dealt with all the same: a spec the scheduler refuses now would be refused
    // again on every retry.
    v.last_error = id.error().to_string().substr(0, kMaxTextBytes);
    ++v.skipped;
    spdlog::warn("event=schedule_refused schedule={} tick_ms={} error={}",
                 v.schedule_id, tick, orion::logfmt_value(v.last_error));
    return;
  }
  v.last_fired_id = *id;
  v.last_fired_tick_ms = tick;
  v.last_error.clear();
  if (!duplicate) ++v.fired;
}

void ScheduleBook::offer(Entry& e, std::int64_t tick) {
  ScheduleView& v = e.rec.view;
  const std::string& overlap = v.spec.overlap;
  if (overlap == "allow" || ended(v.last_fired_id)) return fire(e, tick);
  if (overlap == "queue_one") {
    if (v.pending_tick_ms != 0) ++v.skipped;  // the older queued tick gives way
    v.pending_tick_ms = tick;
    pending_.insert(e.rec.seq);
  } else {
    ++v.skipped;
  }
  dirty_.insert(e.rec.seq);
}

void ScheduleBook::run_due(Entry& e, std::int64_t now) {
  ScheduleView& v = e.rec.view;
  const std::int64_t from = v.next_fire_ms;
  const std::int64_t latest = e.ticks.latest_in(from, now);
  std::vector<std::int64_t> ticks;
  if (latest >= 0) {
    // Late by more than the grace (or half the tick's period, when shorter): missed.
    const std::int64_t period = e.ticks.next_after(latest) - latest;
    const bool on_time = now - latest <= std::min(kMisfireGraceMs, period > 0 ? period / 2 : kMisfireGraceMs);
    if (v.spec.catchup == "all") {
      std::int64_t lo = std::max(from, now - v.spec.catchup_window_ms);
      if (on_time) lo = std::min(lo, latest);
      ticks = e.ticks.newest_in(lo, now, kMaxCatchupTicks);
    } else if (v.spec.catchup == "last" || on_time) {
      ticks = {latest};
    }
    const std::size_t due = e.ticks.count_in(from, now, kMaxCountedTicks);
    v.skipped += static_cast<std::int64_t>(due - std::min(due, ticks.size()));
    v.last_tick_ms = latest;
  }
  for (auto t : ticks) offer(e, t);
  const std::int64_t next = e.ticks.next_after(now);
  v.next_fire_ms = next < 0 ? 0 : next;
  dirty_.insert(e.rec.seq);
}

void ScheduleBook::tick() {
  const std::int64_t now = clock_.wall_ms();
  // Queued ticks whose previous firing ended (a paused schedule's wait).
  for (auto it = pending_.begin(); it != pending_.end();) {
    Entry& e = by_seq_.at(*it);
    ScheduleView& v = e.rec.view;
    if (!active(e) || !ended(v.last_fired_id)) {
      ++it;
      continue;
    }
    const std::int64_t t = v.pending_tick_ms;
    v.pending_tick_ms = 0;
    it = pending_.erase(it);
    fire(e, t);
  }
  for (std::size_t n = 0; n < kFireSlice && !due_.empty() && due_.begin()->first <= now; ++n) {
    Entry& e = by_seq_.at(due_.begin()->second);
    unindex(e);
    run_due(e, now);
    index(e);
  }
}

Status ScheduleBook::apply_record(std::uint64_t id, std::string_view bytes) {
  if (id == 0) {
    if (bytes.empty()) return {};
    auto next = decode_schedule_counter(bytes);
    if (!next) return next.error();
    next_seq_ = std::max(next_seq_, *next);
    return {};
  }
  if (auto it = by_seq_.find(id); it != by_seq_.end()) {
    unindex(it->second);
    by_request_.erase(it->second.rec.request_id);
    by_id_.erase(it->second.rec.view.schedule_id);
    by_seq_.erase(it);
  }
  if (bytes.empty()) return {};
  auto rec = decode_schedule_record(id, bytes);
  if (!rec) return rec.error();
  auto ticks = ScheduleTicks::make(rec->view.spec);
  if (!ticks) return make_error(ErrorCode::INTERNAL, "stored schedule " + rec->view.schedule_id + ": " + ticks.error().message);
  next_seq_ = std::max(next_seq_, id + 1);
  const std::string schedule_id = rec->view.schedule_id;
  const std::string request_id = rec->request_id;
  auto [it, fresh] = by_seq_.emplace(id, Entry{std::move(*rec), std::move(*ticks)});
  (void)fresh;
  by_id_[schedule_id] = id;
  if (!request_id.empty()) by_request_[request_id] = id;
  index(it->second);
  return {};
}

Status ScheduleBook::check_invariants() const {
  auto broken = [](const std::string& what) { return make_error(ErrorCode::INTERNAL, "schedule book: " + what); };
  if (by_id_.size() != by_seq_.size()) return broken("by_id_ does not index every schedule");
  std::size_t due = 0, pending = 0;
  for (const auto& [seq, e] : by_seq_) {
    const ScheduleView& v = e.rec.view;
    if (seq >= next_seq_) return broken("seq " + std::to_string(seq) + " not below next_seq_");
    auto id = by_id_.find(v.schedule_id);
    if (id == by_id_.end() || id->second != seq) return broken(v.schedule_id + " not indexed by id");
    if (active(e) && v.next_fire_ms > 0) {
      if (!due_.count({v.next_fire_ms, seq})) return broken(v.schedule_id + " not in the due index");
      ++due;
    }
    if (v.pending_tick_ms != 0) {
      if (!pending_.count(seq)) return broken(v.schedule_id + " pending but not in the pending set");
      ++pending;
    }
  }
  if (due != due_.size()) return broken("the due index holds schedules that are not due");
  if (pending != pending_.size()) return broken("the pending set holds schedules with nothing pending");
  return {};
}

}  // namespace orion::scheduler
