// The scheduler's replicated state on libraft's deterministic in-memory cluster (raft/fixture.h):
// three servers, each a replica as SchedulerService runs one over Raft (service_replica.cpp).
// The serving leader's turns become replica entries (replica_entry.h), in raft entries as
// RaftLog writes them (encode_raft_batch); every replica applies committed entries to its own
// hot-standby SchedulerCore, skips its own, promotes once its HELLO is applied, and snapshots
// and restores through encode_raft_snapshot / encode_snapshot_state. The leader is killed
// mid-stream and caught up through a snapshot; a leader is cut off from both followers. Every
// replica ends with the same tasks, byte for byte, and its invariants intact. Simulated time
// (the fixture's, in milliseconds; the cores' ManualClock follows it).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

#include "common/raft_log.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/replica_entry.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/task_codec.h"
#include "services/scheduler/workflow_manager.h"
#include "services/scheduler/workflow_record.h"
#include "tests/unit/scheduler/standby_helpers.h"

namespace orion::scheduler {
namespace {

using standby::assigned;
using standby::attach;
using standby::spec;

constexpr unsigned kServers = 3;

// One replica: its core and workflows, fed by the raft FSM of its fixture server the way
// SchedulerService feeds them from RaftLog's items (apply_entry, apply_records, snapshot_state,
// restore_snapshot, check_role, promote, deposed). A restart (a deposed leader whose turns may
// not have committed, or a snapshot reaching a live core) is a new core, a new origin, and
// everything raft holds for this server applied again: its last snapshot, then every entry
// applied since, which is what the restarted process reads back from raft's directory.
class Replica {
 public:
  Replica(const Clock& clock, std::uint64_t id) : clock_(clock), id_(id) {
    fsm.version = 1;
    fsm.data = this;
    fsm.apply = &Replica::fsm_apply;
    fsm.snapshot = &Replica::fsm_snapshot;
    fsm.restore = &Replica::fsm_restore;
    start();
  }
  ~Replica() { workflows_.reset(); }  // it refers to the core

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

  // One turn of the serving leader: `fn` changes its core, then every record the turn changed
  // goes into one replica entry (SchedulerService::hold and persist), held until flush().
  std::vector<std::uint64_t> turn(const std::function<void(SchedulerCore&)>& fn) {
    fn(*core_);
    LogBatch batch;
    core_->drain_batch_hits([&](const BatchHits& h) { batch.put(log_key(kBatchHitsKind, h.id), encode_batch_hits(h)); });
    core_->drain_dirty([&](const TaskRecord& r) {
      batch.put(r.seq, encode_task_record(r));
      workflows_->on_task(r);
    });
    core_->drain_spent_batches([&](std::uint64_t first) { batch.erase(log_key(kBatchRecordKind, first)); });
    workflows_->drain_dirty([&](std::uint64_t key, std::string rec) { batch.put(key, std::move(rec)); });
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
    std::vector<std::string> entries;
    for (const auto& [id, r] : replicas_) {
      ReplicaEntry h;
      h.kind = ReplicaEntry::HELLO;
      h.hello = r;
      entries.push_back(encode_replica_entry(h));
    }
    ReplicaEntry all;
    for (const auto& [seq, t] : core_->tasks()) all.records.put(seq, encode_task_record(t));
    workflows_->each_record([&](std::uint64_t key, std::string rec) { all.records.put(key, std::move(rec)); });
    core_->each_batch_hits([&](const BatchHits& h) { all.records.put(log_key(kBatchHitsKind, h.id), encode_batch_hits(h)); });
    entries.push_back(encode_replica_entry(all));
    return encode_snapshot_state(entries);
  }

 private:
  struct Request {
    struct raft_apply req {};
    Replica* self = nullptr;
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
  bool apply_records(const LogBatch& records) {
    for (const auto& [key, bytes] : records.records) {
      if (bytes.empty()) continue;
      switch (log_kind(key)) {
        case kWorkflowRecordKind:
          if (!workflows_->apply_record(log_id(key), bytes)) return false;
          break;
        case kBatchHitsKind: {
          auto h = decode_batch_hits(log_id(key), bytes);
          if (!h) return false;
          core_->restore_batch_hits(std::move(*h));
          break;
        }
        case kBatchRecordKind: {
          auto b = decode_batch_record(bytes);
          if (!b || !core_->apply_batch_record(b->intake, std::move(b->batch.tasks))) return false;
          break;
        }
        default: {
          auto r = decode_task_record(key, bytes);
          if (!r) return false;
          core_->apply_record(std::move(*r));
        }
      }
    }
    return true;
  }

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
    auto* self = static_cast<Replica*>(f->data);
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
    auto* self = static_cast<Replica*>(f->data);
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
    auto* self = static_cast<Replica*>(f->data);
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
  // What raft holds for this server: its last snapshot's state ("" = none), and every entry
  // applied after it.
  std::string stored_state_;
  std::vector<std::string> stored_entries_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen_;
  std::vector<std::unique_ptr<Request>> requests_;
  int restarts_ = 0, restores_ = 0, bad_entries_ = 0;
};

class ReplicatedSchedulerTest : public ::testing::Test {
 protected:
  // Three servers with our raft settings (tune_raft) and a small log: a snapshot every 32
  // entries, 4 kept after it.
  void SetUp() override {
    ASSERT_EQ(raft_fixture_initialize(&f_), 0);
    started_ = true;
    for (unsigned i = 0; i < kServers; ++i) {
      reps_[i] = std::make_unique<Replica>(clock, i + 1);
      ASSERT_EQ(raft_fixture_grow(&f_, &reps_[i]->fsm), 0);
    }
    struct raft_configuration conf;
    ASSERT_EQ(raft_fixture_configuration(&f_, kServers, &conf), 0);
    ASSERT_EQ(raft_fixture_bootstrap(&f_, &conf), 0);
    raft_configuration_close(&conf);
    RaftOptions tuning;
    tuning.snapshot_threshold = 32;
    tuning.snapshot_trailing = 4;
    for (unsigned i = 0; i < kServers; ++i) {
      reps_[i]->raft = raft_fixture_get(&f_, i);
      tune_raft(reps_[i]->raft, tuning);
    }
    current_ = this;
    raft_fixture_hook(&f_, [](struct raft_fixture*, struct raft_fixture_event*) { current_->after_step(); });
    ASSERT_EQ(raft_fixture_start(&f_), 0);
  }
  void TearDown() override {
    if (!started_) return;
    for (unsigned i = 0; i < kServers; ++i) {
      auto s = reps_[i]->core().check_invariants();
      EXPECT_TRUE(s.ok()) << "replica " << i << ": " << s.error().to_string();
      auto w = reps_[i]->workflows().check_invariants();
      EXPECT_TRUE(w.ok()) << "replica " << i << ": " << w.error().to_string();
      EXPECT_EQ(reps_[i]->bad_entries(), 0) << "replica " << i;
    }
    raft_fixture_close(&f_);
    current_ = nullptr;
  }

  // After every step: the cores' clock follows the fixture's, and each live replica looks at
  // its role as the service does.
  void after_step() {
    clock.advance(static_cast<std::int64_t>(raft_fixture_time(&f_) - seen_ms_));
    seen_ms_ = raft_fixture_time(&f_);
    for (unsigned i = 0; i < kServers; ++i) {
      if (raft_fixture_alive(&f_, i)) reps_[i]->check_role();
    }
  }

  // The replica serving as leader (elected, its HELLO applied), or kServers.
  unsigned serving() const {
    for (unsigned i = 0; i < kServers; ++i) {
      if (reps_[i]->serving() && raft_fixture_alive(const_cast<struct raft_fixture*>(&f_), i) &&
          raft_state(reps_[i]->raft) == RAFT_LEADER) {
        return i;
      }
    }
    return kServers;
  }
  // Steps until a replica other than `not_this` serves.
  bool step_until_serving(unsigned max_msecs, unsigned not_this = kServers) {
    struct Arg {
      ReplicatedSchedulerTest* self;
      unsigned not_this;
    } arg{this, not_this};
    return raft_fixture_step_until(
        &f_, [](struct raft_fixture*, void* a) {
          auto* x = static_cast<Arg*>(a);
          const unsigned s = x->self->serving();
          return s < kServers && s != x->not_this;
        },
        &arg, max_msecs);
  }
  // Steps until every live server applied the last entry of the leader's log.
  bool step_until_converged(unsigned max_msecs) {
    return raft_fixture_step_until(
        &f_, [](struct raft_fixture* f, void*) {
          const unsigned l = raft_fixture_leader_index(f);
          if (l >= raft_fixture_n(f)) return false;
          const raft_index last = raft_last_index(raft_fixture_get(f, l));
          for (unsigned i = 0; i < raft_fixture_n(f); ++i) {
            if (!raft_fixture_alive(f, i)) continue;
            struct raft* r = raft_fixture_get(f, i);
            if (r->last_applied != last || raft_last_index(r) != last) return false;
          }
          return true;
        },
        nullptr, max_msecs);
  }

  // One turn of the serving leader, flushed into its own raft entry unless `batched`.
  std::vector<std::uint64_t> turn(const std::function<void(SchedulerCore&)>& fn, bool batched = false) {
    const unsigned s = serving();
    EXPECT_LT(s, kServers) << "no replica serves";
    if (s >= kServers) return {};
    auto numbers = reps_[s]->turn(fn);
    if (!batched) reps_[s]->flush();
    return numbers;
  }
  void flush() {
    if (serving() < kServers) reps_[serving()]->flush();
  }

  // Submits one task per request id, in one turn each.
  void submit_each(const std::vector<std::string>& request_ids) {
    for (const auto& rid : request_ids) {
      turn([&](SchedulerCore& c) { ASSERT_TRUE(c.submit(rid, spec()).ok()) << rid; });
    }
  }

  // Every replica holds the same tasks and the same snapshot state, byte for byte, and
  // `tasks` of them.
  void expect_all_equal(std::size_t tasks) {
    const std::string state = reps_[0]->snapshot_state();
    for (unsigned i = 0; i < kServers; ++i) {
      EXPECT_EQ(reps_[i]->core().task_count(), tasks) << "replica " << i;
      const std::string own = reps_[i]->snapshot_state();
      EXPECT_TRUE(own == state) << "replica " << i << " holds another state (" << own.size() << " bytes, replica 0 "
                                << state.size() << ")";
      if (i > 0) standby::expect_same(reps_[0]->core(), reps_[i]->core());
    }
  }
  // How many tasks of this replica came from a request id starting with `prefix`.
  std::size_t tasks_from(unsigned i, const std::string& prefix) const {
    std::size_t n = 0;
    for (const auto& [seq, t] : reps_[i]->core().tasks()) n += t.request_id.rfind(prefix, 0) == 0;
    return n;
  }

  static ReplicatedSchedulerTest* current_;
  ManualClock clock{1000};
  raft_time seen_ms_ = 0;
  struct raft_fixture f_ {};
  bool started_ = false;
  std::unique_ptr<Replica> reps_[kServers];
};

ReplicatedSchedulerTest* ReplicatedSchedulerTest::current_ = nullptr;

std::vector<std::string> ids(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST_F(ReplicatedSchedulerTest, TheLeadersTurnsReachEveryStandbyAndLeaveThemEqual) {
  ASSERT_TRUE(step_until_serving(5'000));
  std::string a, b, d;
  turn([&](SchedulerCore& c) {
    a = c.submit("ra", spec())->task_id;
    b = c.submit("rb", spec({a}))->task_id;
    c.submit("rc", spec({b}));
    d = c.submit("rd", spec({}, /*retries=*/1))->task_id;
  });
  turn([&](SchedulerCore& c) {
    attach(c, "w1", 2);
    c.tick();
    EXPECT_EQ(assigned(c), (std::vector<std::string>{a, d}));
  });
  // Two turns in one raft entry: a completes (b is ready), d fails and waits out its backoff;
  // then one more task.
  turn([&](SchedulerCore& c) {
    ASSERT_TRUE(c.result(TaskResult{a, 1, true, Json{{"ok", 1}}, ""}).accepted);
    ASSERT_TRUE(c.result(TaskResult{d, 1, false, Json(), "boom"}).accepted);
  }, /*batched=*/true);
  turn([&](SchedulerCore& c) { ASSERT_TRUE(c.submit("re", spec({a})).ok()); }, /*batched=*/true);
  flush();
  ASSERT_TRUE(step_until_converged(5'000));

  const unsigned leader = serving();
  ASSERT_LT(leader, kServers);
  expect_all_equal(5);
  for (unsigned i = 0; i < kServers; ++i) {
    EXPECT_EQ(reps_[i]->core().get(a)->state, TaskState::COMPLETED) << "replica " << i;
    EXPECT_EQ(reps_[i]->core().get(d)->state, TaskState::PENDING) << "replica " << i;
    EXPECT_EQ(reps_[i]->core().ready_count(), 2u) << "replica " << i << ": b and e are ready";
    EXPECT_EQ(reps_[i]->serving(), i == leader);
    EXPECT_EQ(reps_[i]->restarts(), 0);
  }
  // A follower answers a retried submit from its own indexes.
  const unsigned follower = (leader + 1) % kServers;
  auto again = reps_[follower]->core().submit("rb", spec({a}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->task_id, b);
  EXPECT_TRUE(again->duplicate);
}

TEST_F(ReplicatedSchedulerTest, AKilledLeaderIsReplacedAndCatchesUpThroughASnapshot) {
  ASSERT_TRUE(step_until_serving(5'000));
  submit_each(ids("r", 10));
  std::string first;
  turn([&](SchedulerCore& c) {
    attach(c, "w1", 2);
    c.tick();
    auto got = assigned(c);
    ASSERT_EQ(got.size(), 2u);
    first = got[0];
    ASSERT_TRUE(c.result(TaskResult{first, 1, true, Json(), ""}).accepted);
  });
  ASSERT_TRUE(step_until_converged(5'000));
  expect_all_equal(10);

  // Mid-stream: two turns are appended on the leader, which dies before sending them.
  const unsigned old = serving();
  const raft_index applied_before = reps_[old]->raft->last_applied;
  const std::uint64_t old_origin = reps_[old]->origin();
  std::vector<std::uint64_t> lost;
  for (const auto& rid : ids("lost-", 2)) {
    for (auto n : turn([&](SchedulerCore& c) { ASSERT_TRUE(c.submit(rid, spec()).ok()); })) lost.push_back(n);
  }
  ASSERT_EQ(lost.size(), 2u);
  raft_fixture_kill(&f_, old);

  ASSERT_TRUE(step_until_serving(10'000, old));
  const unsigned next = serving();
  EXPECT_EQ(reps_[next]->core().task_count(), 10u) << "the new leader serves what was committed";
  // Enough turns for every live server to snapshot and compact its log past the old leader's.
  submit_each(ids("n", 40));
  turn([&](SchedulerCore& c) {
    attach(c, "w2", 1);
    c.tick();
    auto got = assigned(c);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(c.result(TaskResult{got[0], c.get(got[0])->attempt, true, Json(), ""}).accepted);
  });
  ASSERT_TRUE(step_until_converged(10'000));
  EXPECT_GT(raft_fixture_get(&f_, next)->log.snapshot.last_index, raft_last_index(reps_[old]->raft))
      << "the leader's log no longer holds what the old leader misses";
  EXPECT_EQ(reps_[old]->raft->last_applied, applied_before);

  raft_fixture_revive(&f_, old);
  ASSERT_TRUE(step_until_converged(20'000));
  EXPECT_GT(raft_fixture_n_recv(&f_, old, RAFT_IO_INSTALL_SNAPSHOT), 0u) << "it caught up through a snapshot";
  EXPECT_GT(reps_[old]->restores(), 0);
  EXPECT_FALSE(reps_[old]->serving());
  EXPECT_EQ(serving(), next);
  expect_all_equal(50);
  for (unsigned i = 0; i < kServers; ++i) {
    EXPECT_EQ(tasks_from(i, "lost-"), 0u) << "replica " << i;
    EXPECT_EQ(reps_[i]->core().get(first)->state, TaskState::COMPLETED) << "replica " << i;
    for (auto n : lost) EXPECT_EQ(reps_[i]->seen().count({old_origin, n}), 0u) << "replica " << i;
  }
}

TEST_F(ReplicatedSchedulerTest, ACutOffLeadersTurnsNeverApplyAndEveryReplicaConvergesAfterTheHeal) {
  ASSERT_TRUE(step_until_serving(5'000));
  submit_each(ids("r", 6));
  ASSERT_TRUE(step_until_converged(5'000));
  expect_all_equal(6);

  const unsigned old = serving();
  const raft_index cut = reps_[old]->raft->last_applied;
  const std::uint64_t old_origin = reps_[old]->origin();
  for (unsigned j = 0; j < kServers; ++j) {
    if (j == old) continue;
    raft_fixture_disconnect(&f_, old, j);
    raft_fixture_disconnect(&f_, j, old);
  }
  // The old leader still serves for a while: three turns that only it stores.
  std::vector<std::uint64_t> lost;
  for (const auto& rid : ids("lost-", 3)) {
    for (auto n : turn([&](SchedulerCore& c) { ASSERT_TRUE(c.submit(rid, spec()).ok()); })) lost.push_back(n);
  }
  ASSERT_EQ(lost.size(), 3u);
  EXPECT_EQ(tasks_from(old, "lost-"), 3u);

  // The other two elect a leader, which serves and commits turns of its own.
  ASSERT_TRUE(step_until_serving(10'000, old));
  const unsigned next = serving();
  EXPECT_EQ(tasks_from(next, "lost-"), 0u);
  submit_each(ids("n", 3));
  const raft_index committed = raft_last_index(reps_[next]->raft);
  for (unsigned i = 0; i < kServers; ++i) {
    if (i == old) continue;
    ASSERT_TRUE(raft_fixture_step_until_applied(&f_, i, committed, 5'000)) << "replica " << i;
  }
  // Time passes on the old leader's side too: it stepped down, applied nothing of its own,
  // and, its turns not committed, started again from its log.
  raft_fixture_step_until_elapsed(&f_, 2'000);
  EXPECT_NE(raft_state(reps_[old]->raft), RAFT_LEADER);
  EXPECT_FALSE(reps_[old]->serving());
  EXPECT_EQ(reps_[old]->raft->last_applied, cut) << "an entry of the cut-off leader was applied";
  EXPECT_EQ(reps_[old]->restarts(), 1);
  EXPECT_EQ(reps_[old]->core().task_count(), 6u) << "after its restart it holds what was committed";

  for (unsigned j = 0; j < kServers; ++j) {
    if (j == old) continue;
    raft_fixture_reconnect(&f_, old, j);
    raft_fixture_reconnect(&f_, j, old);
  }
  ASSERT_TRUE(step_until_converged(20'000));
  EXPECT_EQ(serving(), next);
  expect_all_equal(9);
  for (unsigned i = 0; i < kServers; ++i) {
    EXPECT_EQ(tasks_from(i, "lost-"), 0u) << "replica " << i;
    EXPECT_EQ(tasks_from(i, "n"), 3u) << "replica " << i;
    for (auto n : lost) EXPECT_EQ(reps_[i]->seen().count({old_origin, n}), 0u) << "replica " << i;
  }
}

}  // namespace
}  // namespace orion::scheduler
