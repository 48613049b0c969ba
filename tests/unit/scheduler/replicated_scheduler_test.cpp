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

#include <functional>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

#include "common/raft_log.h"
#include "tests/unit/scheduler/fixture_replica.h"
#include "tests/unit/scheduler/standby_helpers.h"

namespace orion::scheduler {
namespace {

using standby::assigned;
using standby::attach;
using standby::spec;

constexpr unsigned kServers = 3;

class ReplicatedSchedulerTest : public ::testing::Test {
 protected:
  // Three servers with our raft settings (tune_raft) and a small log: a snapshot every 32
  // entries, 4 kept after it.
  void SetUp() override {
    ASSERT_EQ(raft_fixture_initialize(&f_), 0);
    started_ = true;
    for (unsigned i = 0; i < kServers; ++i) {
      reps_[i] = std::make_unique<FixtureReplica>(clock, i + 1);
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

  // A SUBMIT_BATCH in one turn of the serving leader (FixtureReplica::submit_batch).
  void submit_batch(const std::string& request_id, std::vector<BatchEntry> entries) {
    const unsigned s = serving();
    ASSERT_LT(s, kServers) << "no replica serves";
    turn([&](SchedulerCore&) {
      auto ok = reps_[s]->submit_batch(request_id, std::move(entries));
      ASSERT_TRUE(ok.ok()) << ok.error().to_string();
      EXPECT_TRUE(ok->recorded) << "its tasks travel as one batch record";
    });
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
  std::unique_ptr<FixtureReplica> reps_[kServers];
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
  // A batch of three, written as one batch record.
  submit_batch("rx", {BatchEntry{"x", spec()}, BatchEntry{"y", spec({"x"})}, BatchEntry{"z", spec({"x", "y"})}});
  ASSERT_TRUE(step_until_converged(5'000));

  const unsigned leader = serving();
  ASSERT_LT(leader, kServers);
  expect_all_equal(8);
  for (unsigned i = 0; i < kServers; ++i) {
    EXPECT_EQ(reps_[i]->core().get(a)->state, TaskState::COMPLETED) << "replica " << i;
    EXPECT_EQ(reps_[i]->core().get(d)->state, TaskState::PENDING) << "replica " << i;
    EXPECT_EQ(reps_[i]->core().ready_count(), 3u) << "replica " << i << ": b, e and x are ready";
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
  submit_batch("nb", {BatchEntry{"x", spec()}, BatchEntry{"y", spec({"x"})}, BatchEntry{"z", spec({"x"})}});
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
  expect_all_equal(53);
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

// Retention on replicas: the leader decides expiry in a turn, and the turn's entry carries the
// deletions, so every follower drops the same tasks and a snapshot taken after is smaller.
TEST_F(ReplicatedSchedulerTest, FollowersDropWhatTheLeaderExpiredAndTheSnapshotShrinks) {
  ASSERT_TRUE(step_until_serving(5'000));
  std::vector<std::string> done;
  turn([&](SchedulerCore& c) {
    for (int i = 0; i < 20; ++i) done.push_back(c.submit("rx" + std::to_string(i), spec())->task_id);
  });
  std::string pending;
  turn([&](SchedulerCore& c) {
    TaskSpec waits = spec();
    waits.capabilities = {"nobody"};
    pending = c.submit("rp", waits)->task_id;
    attach(c, "w1", 20);
    c.tick();
    EXPECT_EQ(assigned(c).size(), 20u);
  });
  turn([&](SchedulerCore& c) {
    for (const auto& id : done) ASSERT_TRUE(c.result(TaskResult{id, 1, true, Json{{"out", std::string(200, 'x')}}, ""}).accepted);
  });
  ASSERT_TRUE(step_until_converged(5'000));
  expect_all_equal(21);
  const std::size_t before = reps_[serving()]->snapshot_state().size();

  clock.advance(CoreOptions{}.retention_ms + 1000);
  turn([&](SchedulerCore& c) { EXPECT_EQ(c.expire_retained(), 20u); });
  ASSERT_TRUE(step_until_converged(5'000));
  expect_all_equal(1);
  for (unsigned i = 0; i < kServers; ++i) {
    auto gone = reps_[i]->core().get(done[0]);
    ASSERT_FALSE(gone.ok()) << "replica " << i;
    EXPECT_NE(gone.error().message.find("has expired"), std::string::npos) << "replica " << i;
    EXPECT_TRUE(reps_[i]->core().get(pending).ok()) << "replica " << i;
  }
  const std::size_t after = reps_[serving()]->snapshot_state().size();
  EXPECT_LT(after * 4, before) << "20 of 21 tasks gone: the snapshot shrinks (" << before << " -> " << after << " bytes)";
}

}  // namespace
}  // namespace orion::scheduler
