#include "services/scheduler/scheduler_core.h"

#include <algorithm>

#include "common/log.h"

namespace orion::scheduler {

namespace {

int order_key(const TaskRecord& t) { return -static_cast<int>(t.view.spec.priority); }

bool has_all(const std::vector<std::string>& have, const std::vector<std::string>& need) {
  for (const auto& c : need) {
    if (std::find(have.begin(), have.end(), c) == have.end()) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::optional<std::uint64_t> parse_task_id(const std::string& id) {
  if (id.size() < 2 || id.size() > 21 || id[0] != 't') return std::nullopt;
  std::uint64_t seq = 0;
  for (std::size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
    seq = seq * 10 + static_cast<std::uint64_t>(id[i] - '0');
  }
  return seq;
}

}  // namespace

SchedulerCore::SchedulerCore(const Clock& clock, CoreOptions options) : clock_(clock), options_(options) {}

TaskRecord* SchedulerCore::find(const std::string& task_id) {
  auto seq = parse_task_id(task_id);
  if (!seq) return nullptr;
  auto it = tasks_.find(*seq);
  return it == tasks_.end() ? nullptr : &it->second;
}

const TaskRecord* SchedulerCore::find(const std::string& task_id) const {
  return const_cast<SchedulerCore*>(this)->find(task_id);
}

const AgentSession* SchedulerCore::agent(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? nullptr : &it->second;
}

void SchedulerCore::mark(TaskRecord& t, const char* topic) {
  dirty_.insert(t.seq);
  if (!topic) return;
  const TaskView& v = t.view;
  Json data = {{"task_id", v.task_id},     {"state", std::string(to_string(v.state))},
               {"type", v.spec.type},      {"name", v.spec.name},
               {"agent", v.assigned_agent}, {"attempt", v.attempt},
               {"priority", std::string(to_string(v.spec.priority))}, {"progress", v.progress}};
  if (!v.error.empty()) data["error"] = v.error;
  outbox_.events.push_back({topic, std::move(data)});
}

void SchedulerCore::enqueue(TaskRecord& t) {
  t.view.state = TaskState::PENDING;
  pending_.insert({order_key(t), t.seq});
  dispatch_needed_ = true;
}

void SchedulerCore::restore(TaskRecord record) {
  next_seq_ = std::max(next_seq_, record.seq + 1);
  auto seq = record.seq;
  by_request_[record.request_id] = seq;
  auto& t = tasks_[seq] = std::move(record);
  t.view.task_id = task_id_for(seq);
  if (t.view.state == TaskState::ASSIGNED || t.view.state == TaskState::RUNNING) {
    t.view.assigned_agent.clear();
    t.view.progress = 0;
    t.view.reason = "re-queued after a scheduler restart (attempt " + std::to_string(t.view.attempt) + " fenced off)";
    dirty_.insert(seq);
    enqueue(t);
  } else if (t.view.state == TaskState::PENDING) {
    enqueue(t);
  }
}

Result<SubmitOk> SchedulerCore::submit(const std::string& request_id, TaskSpec spec) {
  if (!request_id.empty()) {
    auto it = by_request_.find(request_id);
    if (it != by_request_.end()) return SubmitOk{task_id_for(it->second), true};
  }
  std::uint64_t seq = next_seq_++;
  TaskRecord& t = tasks_[seq];
  t.seq = seq;
  // A submit without a request id cannot be retried safely; give it a unique one of its own.
  t.request_id = request_id.empty() ? "seq:" + std::to_string(seq) : request_id;
  by_request_[t.request_id] = seq;
  t.view.task_id = task_id_for(seq);
  t.view.spec = std::move(spec);
  t.view.created_ms = clock_.wall_ms();
  enqueue(t);
  mark(t, "task.submitted");
  return SubmitOk{t.view.task_id, false};
}

std::string SchedulerCore::explain_pending(const TaskRecord& t) const {
  std::size_t capable = 0, free = 0;
  for (const auto& [id, a] : agents_) {
    if (!has_all(a.spec.capabilities, t.view.spec.capabilities)) continue;
    ++capable;
    if (a.running.size() < static_cast<std::size_t>(a.spec.capacity)) ++free;
  }
  std::string base = t.view.reason.empty() ? "" : t.view.reason + "; ";
  if (capable == 0) return base + "waiting: no live agent has capabilities [" + join(t.view.spec.capabilities) + "]";
  if (free == 0) return base + "waiting: all " + std::to_string(capable) + " capable agents are at capacity";
  return base + "waiting: queued behind tasks of higher priority or earlier submission";
}

Result<TaskView> SchedulerCore::get(const std::string& task_id) const {
  const TaskRecord* t = find(task_id);
  if (!t) return make_error(ErrorCode::NOT_FOUND, "task " + task_id + " does not exist");
  TaskView v = t->view;
  if (v.state == TaskState::PENDING) v.reason = explain_pending(*t);
  return v;
}

Result<std::optional<TaskView>> SchedulerCore::wait(const std::string& identity, const std::string& request_id,
                                                    const WaitTask& request) {
  const TaskRecord* t = find(request.task_id);
  if (!t) return make_error(ErrorCode::NOT_FOUND, "task " + request.task_id + " does not exist");
  if (is_terminal(t->view.state) || request.timeout_ms == 0) return std::optional<TaskView>(*get(request.task_id));
  if (waiters_.size() >= options_.max_waiters) {
    return make_error(ErrorCode::UNAVAILABLE, "too many waiting requests; retry later");
  }
  waiters_.insert({t->seq, Waiter{identity, request_id, t->seq, clock_.now_ms() + request.timeout_ms}});
  return std::optional<TaskView>();
}

void SchedulerCore::answer_waiters(const TaskRecord& t) {
  auto range = waiters_.equal_range(t.seq);
  for (auto it = range.first; it != range.second; ++it) {
    outbox_.to_clients.push_back({it->second.identity, "",
                                  Envelope{MsgType::TASK_INFO, it->second.request_id, TaskInfo{t.view}.to_body()}});
  }
  waiters_.erase(range.first, range.second);
}

void SchedulerCore::expire_waiters() {
  auto now = clock_.now_ms();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.deadline_ms > now) {
      ++it;
      continue;
    }
    auto view = get(task_id_for(it->first));
    outbox_.to_clients.push_back({it->second.identity, "",
                                  Envelope{MsgType::TASK_INFO, it->second.request_id, TaskInfo{*view}.to_body()}});
    it = waiters_.erase(it);
  }
}

AttachOk SchedulerCore::attach(const std::string& identity, const AgentSpec& spec) {
  auto it = agents_.find(spec.agent_id);
  if (it != agents_.end() && it->second.identity != identity) {
    // A new connection for a known agent: the process restarted or reconnected. Either way its
    // old leases cannot be trusted to finish; fence them and re-queue (a late result is stale).
    lose_agent(spec.agent_id, "agent " + spec.agent_id + " re-attached");
  }
  AgentSession& a = agents_[spec.agent_id];
  bool fresh = a.identity.empty();
  a.spec = spec;
  a.identity = identity;
  a.last_seen_ms = clock_.now_ms();
  if (fresh) {
    spdlog::info("event=agent_attached agent={} caps={} capacity={}", spec.agent_id, join(spec.capabilities),
                 spec.capacity);
  }
  dispatch_needed_ = true;
  return AttachOk{options_.heartbeat_ms, options_.liveness};
}

Status SchedulerCore::heartbeat(const std::string& identity, const AgentHeartbeat& hb) {
  auto it = agents_.find(hb.agent_id);
  if (it == agents_.end() || it->second.identity != identity) {
    return make_error(ErrorCode::NOT_FOUND, "agent " + hb.agent_id + " is not attached; attach again");
  }
  it->second.last_seen_ms = clock_.now_ms();
  return {};
}

void SchedulerCore::detach(const std::string& agent_id) {
  if (agents_.count(agent_id)) lose_agent(agent_id, "agent " + agent_id + " detached");
}

void SchedulerCore::agent_unreachable(const std::string& agent_id) {
  if (agents_.count(agent_id)) lose_agent(agent_id, "agent " + agent_id + " is unreachable");
}

void SchedulerCore::lose_agent(const std::string& agent_id, const std::string& why) {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return;
  auto running = it->second.running;  // copy: requeue edits the set
  spdlog::info("event=agent_lost agent={} reason=\"{}\" requeued={}", agent_id, why, running.size());
  for (auto seq : running) requeue(tasks_.at(seq), why);
  agents_.erase(it);
  dispatch_needed_ = true;
}

void SchedulerCore::release_slot(TaskRecord& t) {
  auto it = agents_.find(t.view.assigned_agent);
  if (it != agents_.end() && it->second.running.erase(t.seq)) dispatch_needed_ = true;
  t.deadline_ms = 0;
}

void SchedulerCore::requeue(TaskRecord& t, const std::string& why) {
  release_slot(t);
  spdlog::info("event=task_requeued task={} attempt={} reason=\"{}\"", t.view.task_id, t.view.attempt, why);
  t.view.assigned_agent.clear();
  t.view.progress = 0;
  t.view.reason = "re-queued: " + why + " (attempt " + std::to_string(t.view.attempt) + " fenced off)";
  enqueue(t);
  mark(t, "task.requeued");
}

void SchedulerCore::finish(TaskRecord& t, TaskState state, const char* topic) {
  release_slot(t);
  t.view.state = state;
  t.view.finished_ms = clock_.wall_ms();
  mark(t, topic);
  answer_waiters(t);
}

void SchedulerCore::progress(const TaskProgress& p) {
  TaskRecord* t = find(p.task_id);
  if (!t || t->view.attempt != p.attempt) return;
  auto& v = t->view;
  if (v.state == TaskState::ASSIGNED) {
    v.state = TaskState::RUNNING;
    v.started_ms = clock_.wall_ms();
    v.progress = p.progress;
    mark(*t, "task.running");
  } else if (v.state == TaskState::RUNNING) {
    v.progress = p.progress;
    mark(*t, "task.progress");
  }
}

ResultOk SchedulerCore::result(const TaskResult& r) {
  TaskRecord* t = find(r.task_id);
  if (!t) return ResultOk{r.task_id, r.attempt, false};
  auto& v = t->view;
  if (v.attempt != r.attempt || (v.state != TaskState::ASSIGNED && v.state != TaskState::RUNNING)) {
    spdlog::debug("event=stale_result task={} attempt={} current_attempt={} state={}", r.task_id, r.attempt,
                  v.attempt, to_string(v.state));
    return ResultOk{r.task_id, r.attempt, false};
  }
  if (v.started_ms == 0) v.started_ms = clock_.wall_ms();
  if (r.ok) {
    v.output = r.output;
    v.progress = 100;
    finish(*t, TaskState::COMPLETED, "task.completed");
  } else {
    v.error = r.error.empty() ? "failed without a message" : r.error;
    finish(*t, TaskState::FAILED, "task.failed");
  }
  return ResultOk{r.task_id, r.attempt, true};
}

void SchedulerCore::expire_agents() {
  auto cutoff = clock_.now_ms() - options_.heartbeat_ms * options_.liveness;
  std::vector<std::string> lost;
  for (const auto& [id, a] : agents_) {
    if (a.last_seen_ms < cutoff) lost.push_back(id);
  }
  for (const auto& id : lost) lose_agent(id, "agent " + id + " missed its heartbeats");
}

void SchedulerCore::expire_tasks() {
  auto now = clock_.now_ms();
  std::vector<std::uint64_t> expired;
  for (const auto& [id, a] : agents_) {
    for (auto seq : a.running) {
      const auto& t = tasks_.at(seq);
      if (t.deadline_ms != 0 && t.deadline_ms <= now) expired.push_back(seq);
    }
  }
  for (auto seq : expired) {
    TaskRecord& t = tasks_.at(seq);
    auto it = agents_.find(t.view.assigned_agent);
    if (it != agents_.end()) {
      CancelTask c{t.view.task_id, t.view.attempt, "timed out"};
      outbox_.to_agents.push_back({it->second.identity, it->first, Envelope{MsgType::CANCEL_TASK, "", c.to_body()}});
    }
    t.view.error = "timed out after " + std::to_string(t.view.spec.timeout_ms) + " ms";
    finish(t, TaskState::TIMEOUT, "task.timeout");
  }
}

AgentSession* SchedulerCore::select_agent(const TaskSpec& spec, std::size_t* capable) {
  AgentSession* best = nullptr;
  double best_load = 2.0;
  *capable = 0;
  for (auto& [id, a] : agents_) {
    if (!has_all(a.spec.capabilities, spec.capabilities)) continue;
    ++*capable;
    auto cap = static_cast<std::size_t>(a.spec.capacity);
    if (a.running.size() >= cap) continue;
    double load = static_cast<double>(a.running.size()) / static_cast<double>(cap);
    // Least loaded wins; among equals, the one assigned to least recently, so work spreads.
    if (load < best_load || (load == best_load && best && a.last_assigned < best->last_assigned)) {
      best = &a, best_load = load;
    }
  }
  return best;
}

void SchedulerCore::dispatch() {
  if (!dispatch_needed_) return;
  dispatch_needed_ = false;
  std::size_t free_slots = 0;
  for (const auto& [id, a] : agents_) {
    auto cap = static_cast<std::size_t>(a.spec.capacity);
    if (a.running.size() < cap) free_slots += cap - a.running.size();
  }
  // Capability sets that found no agent in this pass: later tasks needing them are skipped,
  // so a long queue of unservable tasks costs one lookup per distinct set, not per task.
  std::set<std::vector<std::string>> unservable;
  for (auto it = pending_.begin(); it != pending_.end() && free_slots > 0;) {
    TaskRecord& t = tasks_.at(it->second);
    if (unservable.count(t.view.spec.capabilities)) {
      ++it;
      continue;
    }
    std::size_t capable = 0;
    AgentSession* a = select_agent(t.view.spec, &capable);
    if (!a) {
      unservable.insert(t.view.spec.capabilities);
      ++it;
      continue;
    }
    it = pending_.erase(it);
    --free_slots;
    auto& v = t.view;
    v.state = TaskState::ASSIGNED;
    v.attempt += 1;
    v.assigned_agent = a->spec.agent_id;
    v.assigned_ms = clock_.wall_ms();
    v.progress = 0;
    v.reason = "assigned to " + a->spec.agent_id + ": least loaded of " + std::to_string(capable) +
               " agents with capabilities [" + join(v.spec.capabilities) + "]";
    t.deadline_ms = v.spec.timeout_ms > 0 ? clock_.now_ms() + v.spec.timeout_ms : 0;
    a->running.insert(t.seq);
    a->last_assigned = ++assignments_;
    Assign msg{v.task_id, v.attempt, v.spec.type, v.spec.input, v.spec.metadata, v.spec.timeout_ms};
    outbox_.to_agents.push_back({a->identity, a->spec.agent_id, Envelope{MsgType::ASSIGN, "", msg.to_body()}});
    mark(t, "task.assigned");
  }
}

void SchedulerCore::tick() {
  expire_agents();
  expire_tasks();
  expire_waiters();
  dispatch();
}

Status SchedulerCore::check_invariants() const {
  auto broken = [](const std::string& what) { return Status(make_error(ErrorCode::INTERNAL, what)); };
  std::size_t pending_states = 0;
  for (const auto& [seq, t] : tasks_) {
    if (seq >= next_seq_) return broken("seq not below next_seq");
    if (t.view.task_id != task_id_for(seq)) return broken("task id does not match seq " + std::to_string(seq));
    bool queued = pending_.count({order_key(t), seq}) > 0;
    if ((t.view.state == TaskState::PENDING) != queued) return broken("pending queue out of step for " + t.view.task_id);
    if (t.view.state == TaskState::PENDING) ++pending_states;
    bool leased = t.view.state == TaskState::ASSIGNED || t.view.state == TaskState::RUNNING;
    if (leased) {
      auto it = agents_.find(t.view.assigned_agent);
      if (it == agents_.end() || !it->second.running.count(seq)) {
        return broken("leased task " + t.view.task_id + " is not on its agent");
      }
    }
  }
  if (pending_states != pending_.size()) return broken("pending queue holds tasks that are not PENDING");
  for (const auto& [id, a] : agents_) {
    if (a.running.size() > static_cast<std::size_t>(a.spec.capacity)) return broken("agent " + id + " over capacity");
    for (auto seq : a.running) {
      const auto& v = tasks_.at(seq).view;
      if (v.assigned_agent != id || (v.state != TaskState::ASSIGNED && v.state != TaskState::RUNNING)) {
        return broken("agent " + id + " holds task " + v.task_id + " that is not leased to it");
      }
    }
  }
  return {};
}

}  // namespace orion::scheduler
