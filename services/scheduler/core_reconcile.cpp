// SchedulerCore, part 3: what an agent holds against the leases the scheduler gave it. At ATTACH
// (a new agent, a re-attach after a pause or a reconnect, an agent coming back after a scheduler
// restart or a leader change) and at each AGENT_HEARTBEAT, the agent's `running` is reconciled:
//
//   reported, leased to it (task ASSIGNED/RUNNING, this agent, this attempt)  lease kept (ATTACH)
//   leased to it, not reported at ATTACH                                       fenced, re-queued
//   reported, not leased to it (stale)                                          CANCEL_TASK once; a slot
//                                                                               until reported gone
//   stale, no longer reported / its TASK_RESULT came (accepted=false)          slot freed
//
// adopt_leases() keeps the leases of agents not attached yet (after a start) for a grace period.
#include <algorithm>

#include "common/log.h"
#include "services/scheduler/scheduler_core.h"

namespace orion::scheduler {

bool SchedulerCore::leased_to(const TaskRecord& t, const std::string& agent_id, std::int64_t attempt) const {
  const auto& v = t;
  return is_leased(v.state) && v.cold().assigned_agent == agent_id &&
         v.attempt == attempt;
}

void SchedulerCore::send_cancel(const AgentSession& a, const std::string& task_id, std::int64_t attempt,
                                const std::string& reason) {
  CancelTask msg{task_id, attempt, reason};
  outbox_.to_agents.push_back({a.identity, a.spec.agent_id, Envelope{MsgType::CANCEL_TASK, "", msg.to_body()}});
}

void SchedulerCore::cancel_on_agent(const TaskRecord& t, const std::string& reason) {
  AgentSession* a = pool_.find(t.cold().assigned_agent);
  if (!a || !a->running.count(t.seq)) return;
  send_cancel(*a, t.task_id(), t.attempt, reason);
  if (a->reports_running) add_stale(*a, {t.task_id(), t.attempt});
}

void SchedulerCore::add_stale(AgentSession& a, const AttemptKey& key) {
  if (!a.stale.insert(key).second) return;
  // Two agents reporting one attempt (only a misbehaving one would): the later owns the index
  // entry; the other's slot is freed by its own reports.
  if (auto old = stale_owner_.find(key); old != stale_owner_.end() && old->second != a.spec.agent_id) {
    if (AgentSession* other = pool_.find(old->second)) other->stale.erase(key);
  }
  stale_owner_[key] = a.spec.agent_id;
}

void SchedulerCore::drop_stale(AgentSession& a, AttemptKey key) {  // a copy: key may name stale_owner_'s entry
  if (!a.stale.erase(key)) return;
  if (auto it = stale_owner_.find(key); it != stale_owner_.end() && it->second == a.spec.agent_id) stale_owner_.erase(it);
  spdlog::debug("event=stale_attempt_gone agent={} task={} attempt={}", a.spec.agent_id, key.first, key.second);
  dispatch_needed_ = true;
}

void SchedulerCore::clear_stale(AgentSession& a) {
  auto keys = a.stale;  // copy: drop_stale edits the set
  for (const auto& key : keys) drop_stale(a, key);
}

// Cost: O(reported + stale) set operations, both bounded by 100,000 (the `running` bound).
void SchedulerCore::reconcile_stale(AgentSession& a, const std::set<AttemptKey>& reported) {
  std::vector<AttemptKey> gone;
  for (const auto& key : a.stale) {
    if (!reported.count(key)) gone.push_back(key);
  }
  for (const auto& key : gone) drop_stale(a, key);
  for (const auto& key : reported) {
    if (a.stale.count(key)) continue;
    auto seq = lookup(key.first);
    if (seq && leased_to(tasks_.at(*seq), a.spec.agent_id, key.second)) continue;
    spdlog::info("event=stale_attempt agent={} task={} attempt={} action=cancel", a.spec.agent_id, key.first, key.second);
    add_stale(a, key);
    send_cancel(a, key.first, key.second, "attempt " + std::to_string(key.second) + " is not leased to this agent");
  }
}

AttachOk SchedulerCore::attach(const std::string& identity, const AgentSpec& spec, const std::vector<TaskRef>* running) {
  const std::string& id = spec.agent_id;
  AgentSession* a = pool_.find(id);
  const bool same_connection = a && a->identity == identity;
  std::set<AttemptKey> reported;
  if (running) {
    for (const auto& r : *running) reported.emplace(r.task_id, r.attempt);
  }
  // The leases the books give this agent: its session's, and those adopted at a start.
  std::vector<std::uint64_t> leased;
  if (a) leased.assign(a->running.begin(), a->running.end());
  if (auto u = unclaimed_.find(id); u != unclaimed_.end()) {
    leased.insert(leased.end(), u->second.seqs.begin(), u->second.seqs.end());
  }
  const auto capacity = static_cast<std::size_t>(same_connection ? a->spec.capacity : spec.capacity);
  std::vector<std::uint64_t> kept;
  std::size_t fenced = 0;
  for (auto seq : leased) {
    TaskRecord& t = tasks_.at(seq);
    // Without `running`, a new connection may have lost everything: fence it all, as before.
    bool keep = running ? reported.count({t.task_id(), t.attempt}) > 0 && kept.size() < capacity
                        : same_connection && a->running.count(seq) > 0;
    if (keep) {
      kept.push_back(seq);
      continue;
    }
    ++fenced;
    requeue(t, running ? "agent " + id + " re-attached without attempt " + std::to_string(t.attempt)
                       : "agent " + id + " re-attached");
  }
  unclaimed_.erase(id);  // what was left there is kept, below
  if (!same_connection) {
    if (a) clear_stale(*a);  // its CANCEL_TASKs went to the old connection: sent again below
    a = &pool_.attach(spec, identity, clock_.now_ms());
  } else {
    a->last_seen_ms = clock_.now_ms();
  }
  for (auto seq : kept) a->running.insert(seq);
  if (running) {
    a->reports_running = true;
    reconcile_stale(*a, reported);
  }
  spdlog::info("event=agent_attached agent={} capacity={} kept={} fenced={} stale={} reported={}", id, spec.capacity,
               kept.size(), fenced, a->stale.size(), running ? std::to_string(running->size()) : "none");
  dispatch_needed_ = true;
  return AttachOk{options_.heartbeat_ms, options_.liveness};
}

Result<AttachOk> SchedulerCore::attach(const std::string& identity, const AgentSpec& spec,
                                       const std::vector<TaskRef>* running, const AgentClaim& claim,
                                       const Policy* policy) {
  const AgentSession* a = pool_.find(spec.agent_id);
  // Live, for the identity rule: as expire_agents() judges it, and its connection not known closed.
  const bool live = a && !a->connection_gone &&
                    clock_.now_ms() - a->last_seen_ms <= options_.heartbeat_ms * options_.liveness;
  if (auto s = judge_claim(claim, holders_.holder(spec.agent_id), live ? &a->instance : nullptr, policy); !s) {
    spdlog::warn("event=attach_refused agent={} principal={} code={} live={}", spec.agent_id,
                 claim.principal.empty() ? "-" : claim.principal, to_string(s.error().code), live);
    return s.error();
  }
  if (!claim.principal.empty()) {
    auto bound = holders_.bind(spec.agent_id, claim.principal);
    if (!bound) return bound.error();
    if (*bound != 0) {
      dirty_holders_.insert(spec.agent_id);
      spdlog::info("event=agent_id_bound agent={} principal={}", spec.agent_id, claim.principal);
    }
  }
  AttachOk ok = attach(identity, spec, running);
  AgentSession* session = pool_.find(spec.agent_id);
  session->instance = claim.instance;
  session->connection_gone = false;
  return ok;
}

void SchedulerCore::connection_gone(const std::string& identity) {
  // O(agents), once per closed connection.
  for (auto& [id, a] : pool_.agents()) {
    if (a.identity == identity && !a.connection_gone) {
      a.connection_gone = true;
      spdlog::info("event=agent_connection_closed agent={}", id);
    }
  }
}

Status SchedulerCore::heartbeat(const std::string& identity, const AgentHeartbeat& hb) {
  AgentSession* a = pool_.find(hb.agent_id);
  if (!a || a->identity != identity) {
    return make_error(ErrorCode::NOT_FOUND, "agent " + hb.agent_id + " is not attached; attach again");
  }
  a->last_seen_ms = clock_.now_ms();
  if (hb.draining && !a->draining) start_draining(*a, "the agent is draining");
  std::set<AttemptKey> reported;
  for (const auto& r : hb.running) reported.emplace(r.task_id, r.attempt);
  reconcile_stale(*a, reported);
  return {};
}

void SchedulerCore::adopt_leases(std::int64_t grace_ms) {
  std::vector<std::uint64_t> leased;
  for (const auto& [seq, t] : tasks_) {
    if (is_leased(t.state)) leased.push_back(seq);
  }
  adopt_leases(leased, grace_ms);
}

void SchedulerCore::adopt_leases(const std::vector<std::uint64_t>& seqs, std::int64_t grace_ms) {
  rebuild_limits(seqs);  // a new term: the leased tasks hold their keys again
  const auto now = clock_.now_ms();
  const auto wall = clock_.wall_ms();
  std::size_t adopted = 0;
  for (auto seq : seqs) {
    TaskRecord& t = tasks_.at(seq);
    auto& v = t;
    if (!is_leased(v.state)) continue;
    if (const AgentSession* a = pool_.find(v.cold().assigned_agent); a && a->running.count(seq)) continue;
    auto& u = unclaimed_[v.cold().assigned_agent];
    u.until_ms = now + grace_ms;
    u.seqs.insert(seq);
    // Its deadline as it was given: assigned_ms + timeout on the wall clock, now on the monotonic one.
    t.deadline_ms = v.spec.timeout_ms > 0
                        ? std::max<std::int64_t>(1, now + std::max<std::int64_t>(0, v.cold().assigned_ms + v.spec.timeout_ms - wall))
                        : 0;
    ++adopted;
  }
  if (adopted > 0) {
    spdlog::info("event=leases_adopted tasks={} agents={} grace_ms={}", adopted, unclaimed_.size(), grace_ms);
  }
}

void SchedulerCore::expire_unclaimed() {
  const auto now = clock_.now_ms();
  for (auto it = unclaimed_.begin(); it != unclaimed_.end();) {
    if (it->second.until_ms > now) {
      ++it;
      continue;
    }
    const std::string agent = it->first;
    const auto seqs = it->second.seqs;
    it = unclaimed_.erase(it);
    spdlog::info("event=leases_unclaimed agent={} requeued={} reason=\"not re-attached within the grace\"", agent,
                 seqs.size());
    for (auto seq : seqs) requeue(tasks_.at(seq), "agent " + agent + " did not re-attach in time to claim it");
  }
}

}  // namespace orion::scheduler
