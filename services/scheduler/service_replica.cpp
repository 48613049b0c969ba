// orion-scheduler as one of 3 or 5 Raft replicas (scheduler_service.h; docs/internals/replication.md).
//
// The leader runs exactly the single replica's turn; only where a turn's records go differs:
// into one Raft entry (replica_entry.h) instead of a SQLite transaction, and its replies wait
// until that entry comes back committed. Followers apply every committed entry to their core
// as it commits (hot standby), so a new leader serves as soon as its own first entry, a
// HELLO, is applied: everything committed before its term is in its core by then.
//
// A leader that loses its term stops and starts again from its log: its core may hold turns
// that never committed. A leader that cannot confirm its leadership (the lease, raft_log.h)
// answers UNAVAILABLE instead of serving possibly stale state.
#include <cstdlib>
#include <random>

#include "common/ids.h"
#include "common/log.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/consensus_messages.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/scheduler_service.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_record.h"

namespace orion::scheduler {

namespace {
// A deposed leader waits this many election timeouts at most for its log to settle (the new
// leader's first entry applied here) before it restarts anyway.
constexpr std::int64_t kRestartSettleElections = 4;
}  // namespace

Status SchedulerService::start_replica() {
  origin_ = std::random_device{}() | (static_cast<std::uint64_t>(std::random_device{}()) << 32);
  if (origin_ == 0) origin_ = 1;
  if (auto s = bind_and_link(); !s) return s;
  raft_ = std::make_unique<RaftLog>(options_.raft.options(options_.data_dir + "/raft"));
  if (auto s = raft_->start(); !s) return s;
  role_ = raft_->role();
  spdlog::info("event=serving replica={} client={} agent={} registries={} role={}", options_.raft.id, client_ep_,
               agent_ep_, join_endpoints(options_.registries), to_string(role_.role));
  return {};
}

void SchedulerService::take_log() {
  raft_->drain_wakeups();
  std::deque<LogItem> items;
  raft_->take(items);
  for (auto& item : items) {
    if (restart_pending_) {
      // Nothing reaches the core now. A snapshot, to take or to restore, cannot wait.
      auto e = item.kind == LogItem::APPLY ? decode_replica_header(item.bytes) : Result<ReplicaEntry>(ReplicaEntry{});
      if (item.kind == LogItem::SNAPSHOT || item.kind == LogItem::RESTORE) return restart_now("snapshot");
      if (item.kind == LogItem::APPLY && e && e->origin != origin_) return restart_now("log_settled");
      continue;
    }
    switch (item.kind) {
      case LogItem::APPLY:
        apply_entry(item.bytes);
        break;
      case LogItem::RESTORE:
        restore_snapshot(item.snapshot);
        break;
      case LogItem::SNAPSHOT:
        snapshot_wanted_ = true;
        maybe_snapshot();
        break;
      case LogItem::CHANGED: {
        auto c = changes_.find(item.seqs.empty() ? 0 : item.seqs[0]);
        if (c == changes_.end()) break;
        client_replies_.push_back({c->second.identity, change_replicas_answer(c->second.request_id, c->second.request, item)});
        changes_.erase(c);
        break;
      }
      case LogItem::FAILED:
        // Our turns that may never commit: the core is ahead of the log.
        if (serving_) return deposed(item.error.to_string());
        break;
    }
    if (stopping_) return;
  }
}

void SchedulerService::apply_entry(std::string_view bytes) {
  // Our own turn's records are in the core already: under load nearly every entry a leader
  // applies is its own, and decoding its records (a copy and an allocation each) only to drop
  // them cost the leader as much as a follower's decode.
  if (auto h = decode_replica_header(bytes); h && h->origin == origin_ && h->kind == ReplicaEntry::RECORDS) {
    own_applied_ = std::max(own_applied_, h->number);
    return;
  }
  auto e = decode_replica_entry(bytes);
  if (!e) {
    // Every replica refuses the same entry alike; nothing was changed by it.
    spdlog::error("event=bad_entry error={}", orion::logfmt_value(e.error().to_string()));
    return;
  }
  if (e->kind == ReplicaEntry::HELLO) replicas_[e->hello.id] = e->hello;
  if (e->origin == origin_) {
    // Our own turn: the core has it already.
    own_applied_ = std::max(own_applied_, e->number);
    if (e->kind == ReplicaEntry::HELLO && e->number == hello_number_ && !serving_) promote();
    return;
  }
  if (serving_) {
    // Only the leader appends: another's entry committing in our term cannot happen.
    spdlog::warn("event=foreign_entry origin={} number={}", e->origin, e->number);
    deposed("an entry of another leader committed");
    if (stopping_) return;
  }
  if (e->kind == ReplicaEntry::RECORDS) {
    if (auto s = apply_records(e->records); !s) {
      spdlog::critical("event=bad_records error={}", orion::logfmt_value(s.error().to_string()));
      std::abort();  // our state no longer matches the leader's: start again from the log
    }
  }
}

Status SchedulerService::apply_records(const LogBatch& records) {
  return apply_replica_records(core_, workflows_, records, logs());
}

// A snapshot loaded at start, or sent by the leader to a replica too far behind.
void SchedulerService::restore_snapshot(std::string_view state) {
  if (core_.task_count() != 0 || workflows_.workflow_count() != 0 || audit_.size() != 0 || history_.size() != 0 ||
      schedules_.size() != 0 || limits_.size() != 0 || namespaces_.size() != 0) {
    // Replacing a live core in place would leave every index to rebuild: start again instead,
    // from the snapshot raft has stored by now.
    spdlog::info("event=snapshot_received action=restart");
    restart_wanted_ = true;
    stopping_ = true;
    return;
  }
  auto entries = decode_snapshot_state(state);
  if (!entries) {
    spdlog::critical("event=bad_snapshot error={}", orion::logfmt_value(entries.error().to_string()));
    std::abort();
  }
  for (const auto& e : *entries) apply_entry(e);
  spdlog::info("event=snapshot_restored tasks={} workflows={}", core_.task_count(), workflows_.workflow_count());
}

void SchedulerService::maybe_snapshot() {
  if (!snapshot_wanted_ || (serving_ && own_applied_ < last_batch_)) return;
  snapshot_wanted_ = false;
  const std::int64_t t0 = steady_now_ms();
  auto state = replica_snapshot(core_, workflows_, replicas_, logs());
  if (!state) {
    // Raft waits for this answer: without it no snapshot is ever taken again, and a state raft
    // cannot hold is no state to serve from.
    spdlog::critical("event=snapshot_failed error={}", orion::logfmt_value(state.error().to_string()));
    std::abort();
  }
  spdlog::info("event=snapshot_encoded bytes={} tasks={} ms={}", state->size(), core_.task_count(), steady_now_ms() - t0);
  raft_->snapshot_taken(std::move(*state));
}

void SchedulerService::check_role() {
  RoleInfo now = raft_->role();
  if (restart_pending_) {
    // Elected again, its core ahead of the log: it must not serve from it.
    // (The term it lost may still read LEADER for a moment: raft's role is polled.)
    if (now.role == Role::LEADER && now.term > role_.term) return restart_now("elected_again");
    if (clock_.now_ms() >= restart_deadline_ms_) return restart_now("settle_deadline");
  }
  if (now == role_) return;
  spdlog::info("event=role_changed replica={} role={} leader={} term={}", options_.raft.id, to_string(now.role),
               now.leader_id.empty() ? "-" : now.leader_id, now.term);
  const bool lost = serving_ && (now.role != Role::LEADER || now.term != role_.term);
  role_ = now;
  registry_link_.announce_now();  // the registries learn the new role at once
  if (lost) return deposed("leadership lost in term " + std::to_string(now.term));
  if (now.role == Role::LEADER && !serving_) {
    // Our first entry of the term. Once it is applied, so is everything committed before it.
    ReplicaEntry h;
    h.kind = ReplicaEntry::HELLO;
    h.origin = origin_;
    h.number = hello_number_ = ++last_batch_;
    h.hello = ReplicaAddress{options_.raft.id, client_ep_, agent_ep_};
    raft_->append({{h.number, encode_replica_entry(h)}});
  }
}

void SchedulerService::promote() {
  core_.promote();
  workflows_.promote();
  early_.reset();  // nothing of this term is durable yet (early_assigns.h)
  serving_ = true;
  registry_link_.announce_now();
  spdlog::info("event=leader_ready replica={} term={} tasks={} ready={} workflows={}", options_.raft.id, role_.term,
               core_.task_count(), core_.ready_count(), workflows_.workflow_count());
}

void SchedulerService::deposed(const std::string& why) {
  release();  // what is known committed still goes out
  early_.reset();
  if (held_.empty() && own_applied_ >= last_batch_ && !core_.applying()) {
    // Every turn of ours is committed: the core holds committed state only. Stay up, a follower.
    spdlog::warn("event=deposed replica={} reason={} action=follow", options_.raft.id, orion::logfmt_value(why));
    core_.demote();
    serving_ = false;
    hello_number_ = 0;
    client_replies_.clear();
    agent_replies_.clear();
    registry_link_.announce_now();
    return;
  }
  spdlog::warn("event=deposed replica={} reason={} action=restart", options_.raft.id, orion::logfmt_value(why));
  // Turns not known committed: their outcome is unknown; clients retry with the same request id.
  const Error unknown = make_error(ErrorCode::UNAVAILABLE, "leadership lost: outcome unknown, retry with the same request id");
  for (auto& h : held_) {
    if (h.batch <= own_applied_) continue;
    for (auto& r : h.client) send_envelope(client_, r.identity, error_envelope(r.envelope.request_id, unknown));
    for (auto& r : h.agent) send_envelope(agent_, r.identity, error_envelope(r.envelope.request_id, unknown));
  }
  held_.clear();
  client_replies_.clear();
  agent_replies_.clear();
  serving_ = false;  // refuse() answers NOT_LEADER from now on
  restart_pending_ = true;
  restart_deadline_ms_ = clock_.now_ms() + kRestartSettleElections * options_.raft.election_ms;
  registry_link_.announce_now();
}

void SchedulerService::restart_now(const char* why) {
  spdlog::info("event=restart replica={} why={}", options_.raft.id, why);
  restart_wanted_ = true;
  stopping_ = true;
}

bool SchedulerService::refuse(std::vector<Reply>& replies, const Incoming& in, bool agent_socket) {
  if (!raft_) return false;
  const std::string& rid = in.envelope->request_id;
  if (serving_) {
    if (raft_->lease_valid()) return false;
    replies.push_back({in.identity, error_envelope(rid, make_error(ErrorCode::UNAVAILABLE,
                                                                   "the leader cannot confirm its leadership; retry shortly"))});
    return true;
  }
  std::string leader;
  if (!role_.leader_id.empty() && role_.role != Role::LEADER) {
    auto it = replicas_.find(std::strtoull(role_.leader_id.c_str(), nullptr, 10));
    if (it != replicas_.end()) leader = agent_socket ? it->second.agent : it->second.client;
  }
  Envelope e = error_envelope(rid, make_error(ErrorCode::NOT_LEADER, ""));
  e.body["leader"] = leader;
  e.body["message"] = leader.empty() ? "not the leader; the leader is not known yet, retry shortly"
                                     : "not the leader; the leader is " + leader;
  replies.push_back({in.identity, std::move(e)});
  return true;
}

Envelope SchedulerService::replica_info(const Envelope& request) const {
  ReplicaInfo r;
  r.replica_id = options_.raft.replica_name();
  if (!raft_) {
    r.role = "single";
    r.leader_id = r.replica_id;
    r.leader_client = client_ep_;
  } else {
    r.role = to_string(role_.role);
    if (role_.role == Role::LEADER && !serving_) r.role = "candidate";  // elected, not serving yet
    r.leader_id = role_.leader_id;
    auto it = replicas_.find(std::strtoull(role_.leader_id.c_str(), nullptr, 10));
    if (it != replicas_.end()) r.leader_client = it->second.client;
    r.term = static_cast<std::int64_t>(role_.term);
    auto p = raft_->progress();
    r.applied = static_cast<std::int64_t>(p.applied_index);
    r.commit_index = static_cast<std::int64_t>(p.commit_index);
  }
  r.tasks = static_cast<std::int64_t>(core_.task_count());
  if (request.body.is_object() && request.body.contains("digest") && request.body["digest"] == true) {
    // Of every task and workflow as their records: equal on replicas that applied the same log
    // once no task runs (progress and RUNNING are not replicated until the task's next change).
    std::string all;
    for (const auto& [seq, t] : core_.tasks()) all += encode_task_record(t);
    workflows_.each_record([&](std::uint64_t, std::string rec) { all += rec; });
    r.digest = state_digest(all);
  }
  return Envelope{MsgType::REPLICA_INFO, request.request_id, r.to_body()};
}

// Membership: on the serving leader only (refuse() sent the rest away), answered once raft
// has committed the new configuration (take_log, CHANGED).
void SchedulerService::change_replicas(const Incoming& in) {
  const Envelope& e = *in.envelope;
  auto m = ChangeReplicas::from_body(e.body);
  if (!m) return client_replies_.push_back({in.identity, error_envelope(e.request_id, m.error())});
  if (!raft_) {
    return client_replies_.push_back(
        {in.identity, error_envelope(e.request_id, make_error(ErrorCode::FAILED_PRECONDITION,
                                                              "one scheduler on SQLite has no replicas to change"))});
  }
  const std::uint64_t n = ++next_change_;
  changes_[n] = PendingChange{in.identity, e.request_id, *m};
  spdlog::info("event=membership_change op={} id={} address={}", m->op, m->id, m->address);
  raft_->change_membership(membership_change(*m, n));
}

}  // namespace orion::scheduler
