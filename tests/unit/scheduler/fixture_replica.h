// A scheduler replica on one server of libraft's in-memory fixture (raft/fixture.h), for the
// unit tests of the replicated scheduler (replicated_scheduler_test.cpp): the server's raft FSM
// feeds its own SchedulerCore and WorkflowManager the way SchedulerService feeds them from
// RaftLog's items (service_replica.cpp).
//
//   FixtureReplica r(clock, 1);
//   raft_fixture_grow(&f, &r.fsm);  ...  r.raft = raft_fixture_get(&f, 0);
//   ... after every raft_fixture_step: r.check_role();   // HELLO when elected, promote, depose
//   r.turn([](SchedulerCore& c) { c.submit(...); });      // the leader's turn, one replica entry
//   r.flush();                                            // the turns so far, one raft entry
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern "C" {
#include <raft.h>
}

#include "common/clock.h"
#include "common/codec.h"
#include "common/log_store.h"
#include "common/raft_log.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/replica_entry.h"
#include "services/scheduler/replica_state.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_manager.h"
#include "services/scheduler/workflow_record.h"

namespace orion::scheduler {

// One replica: its core and workflows, fed by the raft FSM of its fixture server the way
// SchedulerService feeds them from RaftLog's items (apply_entry, apply_records, snapshot_state,
// restore_snapshot, check_role, promote, deposed). A restart (a deposed leader whose turns may
// not have committed, or a snapshot reaching a live core) is a new core, a new origin, and
// everything raft holds for this server applied again: its last snapshot, then every entry
// applied since, which is what the restarted process reads back from raft's directory.
class FixtureReplica {
 public:
  FixtureReplica(const Clock& clock, std::uint64_t id) : clock_(clock), id_(id) {
    fsm.version = 1;
    fsm.data = this;
    fsm.apply = &FixtureReplica::fsm_apply;
    fsm.snapshot = &FixtureReplica::fsm_snapshot;
    fsm.restore = &FixtureReplica::fsm_restore;
    start();
  }
  ~FixtureReplica() { workflows_.reset(); }  // it refers to the core

  struct raft_fsm fsm {};
  struct raft* raft = nullptr;

  SchedulerCore& core() { return *core_; }
  const SchedulerCore& core() const { return *core_; }
  const WorkflowManager& workflows() const { return *workflows_; }
  bool serving() const { return serving_; }
  std::uint64_t origin() const { return origin_; }
  int restarts() const { return restarts_; }
  int restores() const { return restores_; }
  int bad_entries() const { return bad_entries_; }
  // (origin, number) of every replica entry applied to this replica's core since its start.
  const std::set<std::pair<std::uint64_t, std::uint64_t>>& seen() const { return seen_; }

  // The service's check_role, run after every step of the fixture (the service polls raft).
  void check_role() {
    if (failed_ && serving_) deposed();  // a FAILED item: our turns may never commit
    failed_ = false;
    const bool leader = raft_state(raft) == RAFT_LEADER;
    if (serving_ && (!leader || raft->current_term != serving_term_)) return deposed();
    if (leader && !serving_ && hello_term_ != raft->current_term) {
      // Our first entry of the term; once it is applied, so is everything committed before it.
      hello_term_ = raft->current_term;
      ReplicaEntry h;
      h.kind = ReplicaEntry::HELLO;
      h.origin = origin_;
      h.number = hello_number_ = ++last_batch_;
      h.hello = ReplicaAddress{id_, "client-" + std::to_string(id_), "agent-" + std::to_string(id_)};
      append({encode_replica_entry(h)});
    }
  }

  // A SUBMIT_BATCH in the leader's turn, as the service takes one in: its tasks made by the
  // core, and one batch record (batch_record.h) of its body and intake for the turn's entry.
  Result<BatchIntake> submit_batch(const std::string& request_id, std::vector<BatchEntry> entries) {
    const std::string body = encode_value(SubmitBatch{entries, {}}.to_body());
    BatchIntake intake;
    auto ok = core_->submit_batch(request_id, std::move(entries), {}, &intake);
    if (!ok) return ok.error();
    if (intake.recorded) batch_records_.put(log_key(kBatchRecordKind, intake.first), encode_batch_record(intake, body));
    return intake;
  }

  // One turn of the serving leader: `fn` changes its core, then every record the turn changed
  // goes into one replica entry (SchedulerService::hold and persist), held until flush().
  std::vector<std::uint64_t> turn(const std::function<void(SchedulerCore&)>& fn) {
    fn(*core_);
    LogBatch batch = drain_turn_records(*core_, *workflows_, std::move(batch_records_));
    batch_records_ = LogBatch();
    core_->outbox().clear();
    if (batch.empty()) return {};
    ReplicaEntry e;
    e.origin = origin_;
    e.number = ++last_batch_;
    e.records = std::move(batch);
    unflushed_.push_back(encode_replica_entry(e));
    return {e.number};
  }
  // The turns since the last flush, in one raft entry (as RaftLog submits what queued up
  // between two wake-ups of its loop).
  void flush() {
    if (unflushed_.empty()) return;
    append(std::move(unflushed_));
    unflushed_.clear();
  }

  // The service's snapshot_state: one HELLO per known replica, then every record.
  std::string snapshot_state() const {
    auto state = replica_snapshot(*core_, *workflows_, replicas_);
    EXPECT_TRUE(state.ok()) << state.error().to_string();
    return state.ok() ? std::move(*state) : std::string();
  }

 private:
  struct Request {
    struct raft_apply req {};
    FixtureReplica* self = nullptr;
  };

  // A (re)start: an empty core, a new origin, then what raft holds for this server.
  void start() {
    ++starts_;
    origin_ = (id_ << 32) | starts_;
    workflows_.reset();
    core_ = std::make_unique<SchedulerCore>(clock_, CoreOptions{});
    workflows_ = std::make_unique<WorkflowManager>(*core_, clock_);
    replicas_.clear();
    seen_.clear();
    unflushed_.clear();
    batch_records_ = LogBatch();
    serving_ = false;
    serving_term_ = hello_term_ = 0;
    last_batch_ = own_applied_ = hello_number_ = 0;
    if (!stored_state_.empty()) {
      auto entries = decode_snapshot_state(stored_state_);
      if (!entries) {
        ++bad_entries_;
      } else {
        for (const auto& e : *entries) apply_entry(e);
      }
    }
    for (const auto& e : stored_entries_) {
      for (const auto& c : split_raft_entry(e)) apply_entry(c);
    }
  }
  void restart() {
    ++restarts_;
    ++generation_;
    start();
  }

  void append(std::vector<std::string> commands) {
    std::vector<std::pair<std::uint64_t, std::string>> numbered;
    for (auto& c : commands) numbered.emplace_back(numbered.size(), std::move(c));
    const std::string bytes = numbered.size() == 1 ? numbered[0].second : encode_raft_batch(numbered);
    struct raft_buffer buf;
    buf.len = bytes.size();
    buf.base = raft_malloc(buf.len);
    std::memcpy(buf.base, bytes.data(), buf.len);
    requests_.push_back(std::make_unique<Request>());
    Request* r = requests_.back().get();
    r->self = this;
    r->req.data = r;
    int rv = raft_apply(raft, &r->req, &buf, 1, [](struct raft_apply* req, int status, void*) {
      if (status != 0) static_cast<Request*>(req->data)->self->failed_ = true;
    });
    if (rv != 0) {
      raft_free(buf.base);
      failed_ = true;
    }
  }

  // The service's apply_entry.
  void apply_entry(std::string_view bytes) {
    auto e = decode_replica_entry(bytes);
    if (!e) {
      ++bad_entries_;
      return;
    }
    seen_.insert({e->origin, e->number});
    if (e->kind == ReplicaEntry::HELLO) replicas_[e->hello.id] = e->hello;
    if (e->origin == origin_) {
      own_applied_ = std::max(own_applied_, e->number);
      if (e->kind == ReplicaEntry::HELLO && e->number == hello_number_ && !serving_) promote();
      return;
    }
    if (serving_) {
      const std::uint64_t before = generation_;
      deposed();  // another leader's entry committed in what we took for our term
      if (generation_ != before) return;  // restarted: the entry was applied again from the store
    }
    if (e->kind == ReplicaEntry::RECORDS && !apply_records(e->records)) ++bad_entries_;
  }

  // The service's apply_records.
  bool apply_records(const LogBatch& records) { return apply_replica_records(*core_, *workflows_, records).ok(); }

  void promote() {
    core_->promote();
    workflows_->promote();
    serving_ = true;
    serving_term_ = raft->current_term;
  }

  // The service's deposed: every turn of ours committed, stay up as a follower; otherwise start
  // again from the log.
  void deposed() {
    if (unflushed_.empty() && own_applied_ >= last_batch_ && !core_->applying()) {
      core_->demote();
      serving_ = false;
      hello_number_ = 0;
      return;
    }
    restart();
  }

  static int fsm_apply(struct raft_fsm* f, const struct raft_buffer* buf, void** result) {
    auto* self = static_cast<FixtureReplica*>(f->data);
    std::string entry(static_cast<const char*>(buf->base), buf->len);
    self->stored_entries_.push_back(entry);
    const std::uint64_t generation = self->generation_;
    for (const auto& c : split_raft_entry(entry)) {
      self->apply_entry(c);
      if (self->generation_ != generation) break;  // restarted: applied from the store already
    }
    *result = nullptr;
    return 0;
  }

  // The service answers a SNAPSHOT item only once every turn of its own is applied (its core
  // is then exactly the state as of raft's last applied entry); until then, "not now".
  static int fsm_snapshot(struct raft_fsm* f, struct raft_buffer* bufs[], unsigned* n) {
    auto* self = static_cast<FixtureReplica*>(f->data);
    if (self->serving_ && (self->own_applied_ < self->last_batch_ || !self->unflushed_.empty())) return RAFT_BUSY;
    std::string state = self->snapshot_state();
    const std::string bytes = encode_raft_snapshot(state, {});
    *bufs = static_cast<struct raft_buffer*>(raft_malloc(sizeof(struct raft_buffer)));
    (*bufs)[0].base = raft_malloc(bytes.size());
    std::memcpy((*bufs)[0].base, bytes.data(), bytes.size());
    (*bufs)[0].len = bytes.size();
    *n = 1;
    self->stored_state_ = std::move(state);
    self->stored_entries_.clear();
    return 0;
  }

  // A snapshot from the leader: the service restores it into an empty core, and restarts to
  // do so when its core is not empty; either way, the state is the snapshot's, then its tail.
  static int fsm_restore(struct raft_fsm* f, struct raft_buffer* buf) {
    auto* self = static_cast<FixtureReplica*>(f->data);
    std::string state;
    std::vector<std::string> tail;
    const bool ok = decode_raft_snapshot(std::string_view(static_cast<const char*>(buf->base), buf->len), &state, &tail);
    raft_free(buf->base);
    if (!ok) return RAFT_CORRUPT;
    ++self->restores_;
    self->stored_state_ = std::move(state);
    self->stored_entries_ = std::move(tail);
    self->restart();
    return 0;
  }

  const Clock& clock_;
  const std::uint64_t id_;
  std::unique_ptr<SchedulerCore> core_;
  std::unique_ptr<WorkflowManager> workflows_;
  std::uint64_t starts_ = 0, origin_ = 0, generation_ = 0;
  std::map<std::uint64_t, ReplicaAddress> replicas_;
  bool serving_ = false, failed_ = false;
  raft_term serving_term_ = 0, hello_term_ = 0;
  std::uint64_t last_batch_ = 0, own_applied_ = 0, hello_number_ = 0;
  std::vector<std::string> unflushed_;
  LogBatch batch_records_;  // of this turn's batches (submit_batch)
  // What raft holds for this server: its last snapshot's state ("" = none), and every entry
  // applied after it.
  std::string stored_state_;
  std::vector<std::string> stored_entries_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen_;
  std::vector<std::unique_ptr<Request>> requests_;
  int restarts_ = 0, restores_ = 0, bad_entries_ = 0;
};

}  // namespace orion::scheduler
