// SchedulerCore, part 2: agents, leases, results, timers and dispatch.
#include <algorithm>
#include <deque>
#include <limits>

#include "common/log.h"
#include "common/msg_writer.h"
#include "common/task_pack.h"
#include "services/scheduler/retry_policy.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"

namespace orion::scheduler {

void SchedulerCore::answer_group(const Waiters::Waiter& w, const std::vector<std::uint64_t>& seqs) {
  // A terminal task whose dependencies all COMPLETED reads as it is stored (get() would add
  // nothing: no waiting_on, no PENDING reason), so it is packed from its record; others are
  // copied through get(). Saves a TaskView copy per task of a 500-task WAIT_TASKS.
  auto body = pack_task_list(seqs.size(), [&](MsgWriter& out, std::size_t i) {
    const TaskRecord& t = tasks_.at(seqs[i]);
    bool as_stored = is_terminal(t.state) &&
                     std::all_of(t.deps.begin(), t.deps.end(), [&](std::uint64_t d) { return dep_met(d); });
    if (as_stored) pack_view(out, t, /*with_waiting_on=*/true);
    else get(t.task_id())->write_packed(out);
  });
  outbox_.to_clients.push_back({w.identity, "", packed_envelope(MsgType::TASK_LIST, w.request_id, std::move(body))});
}

void SchedulerCore::answer_single(const Waiters::Waiter& w, const TaskView& view) {
  outbox_.to_clients.push_back({w.identity, "", packed_envelope(MsgType::TASK_INFO, w.request_id, pack_task_info(view))});
}

// No held WAIT_TASKS names the task any more: it expires when due (retention).
void SchedulerCore::answer_waiters(const TaskRecord& t) {
  std::optional<TaskView> view;  // built once, for the first WAIT_TASK on t
  waiters_.ended(
      t.seq,
      [&](std::uint64_t, const Waiters::Waiter& w) {
        if (!view) view = *get(t.task_id());
        answer_single(w, *view);
      },
      [&](const Waiters::Waiter& w, const std::vector<std::uint64_t>& seqs) { answer_group(w, seqs); },
      [&](std::uint64_t seq) { index_expiry(tasks_.at(seq)); });
}

void SchedulerCore::expire_waiters() {
  waiters_.expire(
      clock_.now_ms(), [&](std::uint64_t seq, const Waiters::Waiter& w) { answer_single(w, *get(task_id_for(seq))); },
      [&](const Waiters::Waiter& w, const std::vector<std::uint64_t>& seqs) { answer_group(w, seqs); },
      [&](std::uint64_t seq) { index_expiry(tasks_.at(seq)); });
}

void SchedulerCore::release_slot(TaskRecord& t) {
  AgentSession* a = pool_.find(t.cold().assigned_agent);
  if (a && a->running.erase(t.seq)) {
    dispatch_needed_ = true;
  } else if (auto u = unclaimed_.find(t.cold().assigned_agent); u != unclaimed_.end()) {
    u->second.seqs.erase(t.seq);
    if (u->second.seqs.empty()) unclaimed_.erase(u);
  }
  t.deadline_ms = 0;
}

namespace {

// The event of a task's end, by its terminal state.
const char* end_topic(TaskState state) {
  switch (state) {
    case TaskState::COMPLETED: return "task.completed";
    case TaskState::TIMEOUT: return "task.timeout";
    case TaskState::CANCELLED: return "task.cancelled";
    default: return "task.failed";
  }
}

}  // namespace

void SchedulerCore::finish(TaskRecord& t, TaskState state, Cause cause) {
  if (!transition(t, state, cause)) return;
  if (state != TaskState::COMPLETED) {
    // One line per task that did not complete, with what a person needs to follow it: grep the
    // task id in the client's, the scheduler's and the agent's logs.
    const auto& c = t.cold();
    spdlog::info("event=task_ended state={} task={} type={} agent={} attempt={} cause={} error={}", to_string(state),
                 t.task_id(), logfmt_value(t.spec.type), c.assigned_agent.empty() ? "-" : logfmt_value(c.assigned_agent),
                 t.attempt, to_string(cause), logfmt_value(c.error.substr(0, 512)));
  }
  unqueue(t);
  release_slot(t);
  t.mutable_cold().finished_ms = wall_ms();
  note(t, state, t.cold().error);
  mark(t, end_topic(state));
  answer_waiters(t);
  index_expiry(t);
  // Its ended dependencies may have been retained for it alone (retained()).
  for (auto d : t.deps) {
    if (auto dep = tasks_.find(d); dep != tasks_.end()) index_expiry(dep->second);
  }
}

// Ends every non-terminal task that depends, directly or not, on `root` (which just ended
// FAILED, CANCELLED or TIMEOUT) as FAILED with a cause naming its failed dependency.
void SchedulerCore::cascade(TaskRecord& root, std::vector<std::string>* ended) {
  std::vector<std::uint64_t> work{root.seq};
  while (!work.empty()) {
    TaskRecord& cause = tasks_.at(work.back());
    work.pop_back();
    for (auto d : cause.dependants) {
      TaskRecord& t = tasks_.at(d);
      // A parked task ran, so its dependencies had all COMPLETED; none can end badly now.
      if (is_terminal(t.state) || t.state == TaskState::PARKED) continue;
      if (is_leased(t.state)) {
        // Cannot happen while deps gate assignment, but a lease must never be left behind.
        cancel_on_agent(t, "a dependency failed");
      }
      t.mutable_cold().error = "dependency " + cause.task_id() + " ended " + std::string(to_string(cause.state)) +
                             (root.seq != cause.seq ? " (root cause " + root.task_id() + ")" : "");
      t.unmet = 0;
      finish(t, TaskState::FAILED, Cause::DEPENDENCY_FAILED);
      if (ended) ended->push_back(t.task_id());
      work.push_back(d);
    }
  }
}

void SchedulerCore::on_completed(TaskRecord& t) {
  for (auto d : t.dependants) {
    TaskRecord& dep = tasks_.at(d);
    if (dep.state != TaskState::PENDING || dep.unmet == 0) continue;
    if (--dep.unmet == 0) {
      dep.ready_ms = 0;
      make_ready(dep);
      mark(dep, nullptr);
    }
  }
}

void SchedulerCore::requeue(TaskRecord& t, const std::string& why) {
  if (!transition(t, TaskState::PENDING, Cause::FENCED)) return;
  release_slot(t);
  spdlog::info("event=task_fenced task={} type={} agent={} attempt={} reason={} action=requeue", t.task_id(),
               logfmt_value(t.spec.type), logfmt_value(t.cold().assigned_agent), t.attempt, logfmt_value(why));
  t.mutable_cold().reason = "re-queued: " + why + " (attempt " + std::to_string(t.attempt) + " fenced off)";
  note(t, TaskState::PENDING, t.cold().reason);
  t.mutable_cold().assigned_agent.clear();
  t.mutable_cold().progress = 0;
  make_ready(t);  // keeps its ready_ms: a task that lost its agent does not lose its place
  mark(t, "task.requeued");
}

Result<DrainAgentOk> SchedulerCore::drain(const DrainAgent& request) {
  AgentSession* a = pool_.find(request.agent_id);
  if (!a) return make_error(ErrorCode::NOT_FOUND, "agent " + request.agent_id + " is not attached");
  if (!a->draining) {
    start_draining(*a, "drain requested");
    outbox_.to_agents.push_back({a->identity, a->spec.agent_id, Envelope{MsgType::DRAIN, "", Drain{"drain requested"}.to_body()}});
  }
  return DrainAgentOk{a->spec.agent_id, static_cast<std::int64_t>(a->running.size())};
}

AgentStatsOk SchedulerCore::agent_stats() const {
  auto perf = [](const std::string& id, const AgentStats& s) {
    AgentPerf p;
    p.agent_id = id;
    p.done = static_cast<std::int64_t>(s.done);
    p.failed = static_cast<std::int64_t>(s.failed);
    p.timed_out = static_cast<std::int64_t>(s.timed_out);
    auto total = s.done + s.failed + s.timed_out;
    p.success_rate = total ? static_cast<double>(s.done) / static_cast<double>(total) : 1.0;
    p.mean_ms = s.mean_ms();
    p.p95_ms = s.p95_ms();
    p.score = s.score();
    return p;
  };
  std::map<std::string, AgentPerf> all;
  for (const auto& [id, s] : pool_.retired()) all[id] = perf(id, s);
  for (const auto& [id, a] : pool_.agents()) {
    AgentPerf p = perf(id, a.stats);
    p.attached = true;
    p.draining = a.draining;
    p.load = static_cast<std::int64_t>(a.held());  // stale attempts too: they take slots
    p.capacity = a.spec.capacity;
    all[id] = p;
  }
  AgentStatsOk out;
  for (auto& [id, p] : all) out.agents.push_back(std::move(p));
  return out;
}

void SchedulerCore::start_draining(AgentSession& a, const std::string& why) {
  a.draining = true;
  spdlog::info("event=agent_draining agent={} running={} reason={}",
               a.spec.agent_id, a.running.size(), orion::logfmt_value(why));
  MsgWriter w;
  w.map(3);
  w.key("agent_id"), w.str(a.spec.agent_id);
  w.key("running"), w.integer(static_cast<std::int64_t>(a.running.size()));
  w.key("reason"), w.str(why);
  outbox_.events.push_back({"agent.draining", w.take()});
}

void SchedulerCore::detach(const std::string& agent_id) { lose_agent(agent_id, "agent " + agent_id + " detached"); }

void SchedulerCore::agent_down(const std::string& agent_id) {
  const auto now = clock_.now_ms();
  if (auto u = unclaimed_.find(agent_id); u != unclaimed_.end()) {
    // Leases adopted at start-up: fenced once their grace is over (a tick would do it too).
    if (u->second.until_ms <= now) {
      expire_unclaimed();
      return;
    }
    spdlog::info("event=agent_down_ignored agent={} reason=\"its leases are within their grace\"", agent_id);
    return;
  }
  const AgentSession* a = pool_.find(agent_id);
  if (!a) return;
  if (now - a->last_seen_ms <= options_.heartbeat_ms * options_.liveness) {
    spdlog::info("event=agent_down_ignored agent={} reason=\"heard from it within its liveness window\"", agent_id);
    return;
  }
  lose_agent(agent_id, "agent " + agent_id + " missed its heartbeats (the registry marked it down too)");
}

void SchedulerCore::agent_unreachable(const std::string& agent_id) {
  lose_agent(agent_id, "agent " + agent_id + " is unreachable");
}

void SchedulerCore::lose_agent(const std::string& agent_id, const std::string& why) {
  AgentSession* a = pool_.find(agent_id);
  if (!a) return;
  auto running = a->running;  // copy: requeue edits the set
  spdlog::info("event=agent_lost agent={} reason={} requeued={}", agent_id, orion::logfmt_value(why), running.size());
  for (auto seq : running) requeue(tasks_.at(seq), why);
  clear_stale(*a);
  pool_.remove(agent_id);
  dispatch_needed_ = true;
}

void SchedulerCore::progress(const TaskProgress& p) {
  TaskRecord* t = find(p.task_id);
  if (!t || t->attempt != p.attempt) return;
  auto& v = *t;
  // Neither RUNNING nor progress is written by itself: after a crash an ASSIGNED and a RUNNING
  // attempt are fenced and re-queued alike, so losing them changes nothing a restart does. They
  // reach the disk with the task's next durable change (its result, a re-queue, a timeout).
  // Their events still wait for the turn's commit, like every reply, so nothing is announced
  // ahead of state an earlier turn made durable.
  if (v.state == TaskState::ASSIGNED) {
    if (!transition(v, TaskState::RUNNING, Cause::START)) return;
    v.mutable_cold().started_ms = clock_.wall_ms();
    v.mutable_cold().progress = p.progress;
    note(*t, TaskState::RUNNING, "started");
    mark(*t, "task.running", /*durable=*/false);
  } else if (v.state == TaskState::RUNNING) {
    v.mutable_cold().progress = p.progress;
    mark(*t, "task.progress", /*durable=*/false);
  }
}

ResultOk SchedulerCore::result(const TaskResult& r) {
  TaskRecord* t = find(r.task_id);
  if (!t) {
    if (auto owner = stale_owner_.find({r.task_id, r.attempt}); owner != stale_owner_.end()) {
      if (AgentSession* a = pool_.find(owner->second)) drop_stale(*a, owner->first);
    }
    return ResultOk{r.task_id, r.attempt, false};
  }
  auto& v = *t;
  if (v.attempt != r.attempt || !is_leased(v.state)) {
    spdlog::debug("event=stale_result task={} attempt={} current_attempt={} state={}", r.task_id, r.attempt,
                  v.attempt, to_string(v.state));
    // A stale attempt's result: it is gone from its agent, and so is the slot it held there.
    if (auto owner = stale_owner_.find({r.task_id, r.attempt}); owner != stale_owner_.end()) {
      if (AgentSession* a = pool_.find(owner->second)) drop_stale(*a, owner->first);
    }
    return ResultOk{r.task_id, r.attempt, false};
  }
  // Run time from "started", or from the assignment when the agent never said it started.
  std::int64_t from = v.cold().started_ms ? v.cold().started_ms : v.cold().assigned_ms;
  double runtime_ms = static_cast<double>(std::max<std::int64_t>(0, clock_.wall_ms() - from));
  if (v.cold().started_ms == 0) v.mutable_cold().started_ms = clock_.wall_ms();
  pool_.record_outcome(v.cold().assigned_agent, r.ok, false, runtime_ms);
  if (r.ok) {
    v.mutable_cold().output = r.output;
    v.mutable_cold().progress = 100;
    v.mutable_cold().error.clear();
    finish(*t, TaskState::COMPLETED, Cause::RESULT_OK);
    on_completed(*t);
    return ResultOk{r.task_id, r.attempt, true};
  }
  v.mutable_cold().error = r.error.empty() ? "failed without a message" : r.error;
  v.failures += 1;
  if (v.failures <= v.spec.retries) {
    if (!transition(v, TaskState::PENDING, Cause::RETRY)) return ResultOk{r.task_id, r.attempt, false};
    const std::string agent = v.cold().assigned_agent;  // for the log line: cleared below
    release_slot(*t);
    auto delay = retry_delay_ms(v.spec.retry, t->seq, v.failures);
    v.mutable_cold().assigned_agent.clear();
    v.mutable_cold().progress = 0;
    t->retry_due_ms = clock_.now_ms() + delay;
    v.retry_at_ms = clock_.wall_ms() + delay;
    ready_.wait_retry(*t);
    note(*t, TaskState::PENDING, "attempt " + std::to_string(v.attempt) + " failed (" + v.cold().error + "); retry " +
                                     std::to_string(v.failures) + " of " + std::to_string(v.spec.retries) + " in " +
                                     std::to_string(delay) + " ms");
    mark(*t, "task.retrying");
    spdlog::info("event=task_retrying task={} type={} agent={} attempt={} retry={}/{} delay_ms={} error={}", r.task_id,
                 logfmt_value(v.spec.type), logfmt_value(agent), v.attempt, v.failures, v.spec.retries, delay,
                 logfmt_value(v.cold().error.substr(0, 512)));
    return ResultOk{r.task_id, r.attempt, true};
  }
  if (parks(v.spec)) {
    park(*t);  // a dead letter: its dependants keep waiting
    return ResultOk{r.task_id, r.attempt, true};
  }
  finish(*t, TaskState::FAILED, Cause::RESULT_FAILED);
  cascade(*t, nullptr);
  return ResultOk{r.task_id, r.attempt, true};
}

void SchedulerCore::expire_agents() {
  auto cutoff = clock_.now_ms() - options_.heartbeat_ms * options_.liveness;
  std::vector<std::string> lost;
  for (const auto& [id, a] : pool_.agents()) {
    if (a.last_seen_ms < cutoff) lost.push_back(id);
  }
  for (const auto& id : lost) lose_agent(id, "agent " + id + " missed its heartbeats");
}

void SchedulerCore::expire_tasks() {
  auto now = clock_.now_ms();
  std::vector<std::uint64_t> expired;
  auto due = [&](std::uint64_t seq) {
    const auto& t = tasks_.at(seq);
    if (t.deadline_ms != 0 && t.deadline_ms <= now) expired.push_back(seq);
  };
  for (const auto& [id, a] : pool_.agents()) {
    for (auto seq : a.running) due(seq);
  }
  for (const auto& [id, u] : unclaimed_) {
    for (auto seq : u.seqs) due(seq);
  }
  for (auto seq : expired) {
    TaskRecord& t = tasks_.at(seq);
    cancel_on_agent(t, "timed out");
    pool_.record_outcome(t.cold().assigned_agent, false, true, static_cast<double>(t.spec.timeout_ms));
    t.mutable_cold().error = "timed out after " + std::to_string(t.spec.timeout_ms) + " ms";
    finish(t, TaskState::TIMEOUT, Cause::TIMEOUT);
    cascade(t, nullptr);
  }
}

void SchedulerCore::expire_retries() {
  auto now = clock_.now_ms();
  while (auto seq = ready_.due_retry(now)) {
    TaskRecord& t = tasks_.at(seq);
    t.retry_due_ms = 0;
    t.ready_ms = 0;
    make_ready(t);
    mark(t, nullptr);
  }
}

// Once a second: notes which classes no live agent can serve, and fails their tasks once they
// have waited past their unschedulable timeout (ReadyQueues::sweep, for its cost).
void SchedulerCore::expire_unschedulable() {
  const auto now = clock_.now_ms();
  auto servable = [&](const TaskRecord& head) {
    std::size_t capable = 0, free = 0, draining = 0;
    pool_.count(head.spec, &capable, &free, &draining);
    return capable > 0;
  };
  ready_.sweep(now, tasks_, servable, [&](std::uint64_t seq, std::int64_t waited_ms) {
    TaskRecord& t = tasks_.at(seq);
    std::string caps;
    for (const auto& c : t.spec.capabilities) caps += (caps.empty() ? "" : ",") + c;
    t.mutable_cold().error = "unschedulable: no live agent has capabilities [" + caps + "] for " +
                             std::to_string(waited_ms) + " ms";
    finish(t, TaskState::FAILED, Cause::UNSCHEDULABLE);
    cascade(t, nullptr);
  });
}

void SchedulerCore::assign(TaskRecord& t, AgentSession& a, const std::string& why) {
  auto& v = t;
  // A workflow step's references to other steps' outputs are resolved now.
  auto input = input_for(t);
  if (!input) {
    v.mutable_cold().error = input.error().message;
    finish(t, TaskState::FAILED, Cause::INPUT_UNRESOLVED);
    cascade(t, nullptr);
    dispatch_needed_ = true;  // the slot this task would have taken is still free
    return;
  }
  if (!transition(v, TaskState::ASSIGNED, Cause::ASSIGN)) return;
  // After a restart or a change of leader one number is skipped (scheduler_core.h, "Attempt numbers").
  const bool skipped = t.skip_attempt;
  v.attempt += skipped ? 2 : 1;
  t.skip_attempt = false;
  v.mutable_cold().assigned_agent = a.spec.agent_id;
  v.mutable_cold().assigned_ms = clock_.wall_ms();
  v.mutable_cold().started_ms = 0;
  v.mutable_cold().progress = 0;
  v.mutable_cold().reason = why;
  t.deadline_ms = v.spec.timeout_ms > 0 ? clock_.now_ms() + v.spec.timeout_ms : 0;
  pool_.note_assigned(a, t.seq);
  note(t, TaskState::ASSIGNED, why);
  std::vector<std::pair<std::string, const Json*>> deps;
  deps.reserve(t.deps.size());
  for (auto d : t.deps) deps.emplace_back(task_id_for(d), &tasks_.at(d).cold().output);
  std::string body = pack_assign(t.task_id(), v.attempt, v.spec, *input ? **input : v.spec.input, deps);
  outbox_.to_agents.push_back(
      {a.identity, a.spec.agent_id, packed_envelope(MsgType::ASSIGN, "", std::move(body)), t.seq, !skipped});
  mark(t, "task.assigned");
}

// Assigns ready tasks while agents have free slots. Each round takes, among the classes some
// agent can serve now, the namespace fair share puts first (when several have such classes),
// then its head with the lowest ageing key. Cost per assignment: one look at each non-empty
// class head plus one select(), and with several namespaces one pass over them (fair_share.h);
// a class that cannot be served is skipped for the rest of the pass.
void SchedulerCore::dispatch() {
  if (!dispatch_needed_) return;
  dispatch_needed_ = false;
  std::size_t free_slots = pool_.free_slots();
  std::set<const ReadyQueues::Class*> blocked;
  while (free_slots > 0 && ready_.size() > 0) {
    ReadyQueues::Class* best = ready_.best(blocked, share_);
    if (!best) break;
    TaskRecord& t = tasks_.at(best->head());
    if (!t.spec.limit_keys.empty() && hold_by_limit(*best, t)) continue;  // out of the queue: no slot taken
    auto choice = pool_.select(t.spec);
    if (!choice.agent) {
      blocked.insert(best);
      continue;
    }
    ready_.pop(*best, t);
    share_.served(best->ns());
    --free_slots;
    assign(t, *choice.agent, choice.why);
  }
}

void SchedulerCore::tick() {
  expire_agents();
  expire_unclaimed();
  expire_tasks();
  expire_retries();
  expire_unschedulable();
  expire_waiters();
  expire_gates();
  expire_limit_waits();
  dispatch();
  // Fair share keeps a pass per namespace it has seen: past 4,096, those without ready work and
  // without a weight set are forgotten (each gives back at most one slot's worth, fair_share.h).
  if (share_.tracked() > 4096) share_.trim(ready_.ready_namespaces());
  expire_retained();
}

Status SchedulerCore::check_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  if (auto s = ready_.check_invariants(tasks_); !s) return s;
  if (auto s = waiters_.check_invariants(tasks_); !s) return s;
  if (auto s = gates_.check_invariants(); !s) return s;
  if (auto s = books_.check_invariants(tasks_); !s) return s;
  if (auto s = check_limit_invariants(); !s) return s;
  if (share_.weights().size() != ns_settings_.size()) return broken("fair share weights differ from the namespace settings");
  for (const auto& [ns, settings] : ns_settings_) {
    if (share_.weight(ns) != settings.weight) return broken("fair share weight of " + ns + " differs from its settings");
  }
  for (const auto& [seq, t] : tasks_) {
    const auto& v = t;
    if (seq >= next_seq_) return broken("seq not below next_seq");
    if (!(t.counted == LiveStats::counted_as(t))) return broken("stats counts out of step for " + v.task_id());
    bool leased = is_leased(v.state);
    if (leased) {
      const AgentSession* a = pool_.find(v.cold().assigned_agent);
      auto u = unclaimed_.find(v.cold().assigned_agent);
      bool in_session = a && a->running.count(seq), in_unclaimed = u != unclaimed_.end() && u->second.seqs.count(seq);
      // A hot standby holds the leases of the leader's agents in standby_leased_ instead.
      bool standby = standby_leased_.count(seq) > 0;
      if (in_session + in_unclaimed + standby != 1) return broken("leased task " + v.task_id() + " is not on its agent, or twice");
      if (t.unmet != 0) return broken("task " + v.task_id() + " was assigned with unmet dependencies");
    }
    std::uint32_t unmet = v.cold().gate.pending() ? 1 : 0;
    for (auto d : t.deps) unmet += !dep_met(d);
    if (!is_terminal(v.state)) {
      for (auto d : t.deps) {
        if (!tasks_.count(d)) return broken("task " + v.task_id() + " lost its dependency t" + std::to_string(d) + " to expiry");
      }
    }
    for (auto d : t.dependants) {
      if (!tasks_.count(d)) return broken("task " + v.task_id() + " lists an expired dependant t" + std::to_string(d));
    }
    if (!is_terminal(v.state) && v.cold().gate.pending() && !standby_gated_.count(seq) &&
        !gates_.holds_task(v.cold().gate.id, seq)) {
      return broken("gated task " + v.task_id() + " is not held by its gate");
    }
    if (!is_terminal(v.state) && unmet != t.unmet) return broken("unmet count wrong for " + v.task_id());
    if ((v.state == TaskState::PARKED) != (parked_.count(seq) > 0)) return broken("parked index out of step for " + v.task_id());
    if (v.effective_priority < v.spec.priority) return broken("effective priority below own for " + v.task_id());
  }
  for (auto seq : parked_) {
    if (!tasks_.count(seq)) return broken("parked index holds t" + std::to_string(seq) + ", which is not held");
  }
  for (auto seq : standby_leased_) {
    const TaskRecord* t = task(seq);
    if (!t || !is_leased(t->state)) {
      return broken("standby lease of seq " + std::to_string(seq) + " is not a leased task");
    }
  }
  for (auto seq : standby_gated_) {
    const TaskRecord* t = task(seq);
    if (!t || is_terminal(t->state) || !t->cold().gate.pending()) {
      return broken("standby gate of seq " + std::to_string(seq) + " holds no gated task");
    }
  }
  for (const auto& [key, owner] : stale_owner_) {
    const AgentSession* a = pool_.find(owner);
    if (!a || !a->stale.count(key)) return broken("stale attempt " + key.first + " is not on its agent " + owner);
  }
  for (const auto& [id, u] : unclaimed_) {
    if (u.seqs.empty()) return broken("an empty set of unclaimed leases for " + id);
    for (auto seq : u.seqs) {
      const auto& v = tasks_.at(seq);
      if (v.cold().assigned_agent != id || !is_leased(v.state)) {
        return broken("unclaimed lease of " + v.task_id() + " is not leased to " + id);
      }
    }
  }
  for (const auto& [id, a] : pool_.agents()) {
    if (a.running.size() > static_cast<std::size_t>(a.spec.capacity)) return broken("agent " + id + " over capacity");
    for (const auto& key : a.stale) {
      auto owner = stale_owner_.find(key);
      if (owner == stale_owner_.end()) return broken("stale attempt " + key.first + " of " + id + " has no owner");
    }
    for (auto seq : a.running) {
      const auto& v = tasks_.at(seq);
      if (v.cold().assigned_agent != id || !is_leased(v.state)) {
        return broken("agent " + id + " holds task " + v.task_id() + " that is not leased to it");
      }
    }
  }
  return {};
}

}  // namespace orion::scheduler
