// The consensus state machine replicated by libraft's deterministic in-memory cluster
// (raft/fixture.h): three ConsensusCores fed by raft, the leader killed mid-stream, a new one
// elected, the old one revived and caught up through a snapshot. Every replica ends in the same
// state, byte for byte, with its invariants intact. Runs in simulated time, in milliseconds.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

#include "common/raft_log.h"
#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

// A raft FSM that applies each entry as a Command to its own ConsensusCore.
struct CoreFsm {
  struct raft_fsm fsm {};
  ConsensusCore core;
  int bad_entries = 0;

  CoreFsm() {
    fsm.version = 1;
    fsm.data = this;
    fsm.apply = [](struct raft_fsm* f, const struct raft_buffer* buf, void** result) {
      auto* self = static_cast<CoreFsm*>(f->data);
      auto c = decode_command(std::string_view(static_cast<const char*>(buf->base), buf->len));
      if (c) self->core.apply(*c);
      else ++self->bad_entries;
      *result = nullptr;
      return 0;
    };
    fsm.snapshot = [](struct raft_fsm* f, struct raft_buffer* bufs[], unsigned* n) {
      auto* self = static_cast<CoreFsm*>(f->data);
      std::string state = self->core.snapshot();
      *bufs = static_cast<struct raft_buffer*>(raft_malloc(sizeof(struct raft_buffer)));
      (*bufs)[0].base = raft_malloc(state.size());
      std::memcpy((*bufs)[0].base, state.data(), state.size());
      (*bufs)[0].len = state.size();
      *n = 1;
      return 0;
    };
    fsm.restore = [](struct raft_fsm* f, struct raft_buffer* buf) {
      auto* self = static_cast<CoreFsm*>(f->data);
      auto s = self->core.restore_snapshot(std::string_view(static_cast<const char*>(buf->base), buf->len));
      raft_free(buf->base);
      return s.ok() ? 0 : RAFT_CORRUPT;
    };
  }
};

class ReplicatedCoreTest : public CoreFixture {
 protected:
  void SetUp() override { start(nullptr); }
  // Three servers, a small log (snapshots every 32 entries, 4 kept after one); with `tuning`,
  // the rest of our raft settings too (tune_raft).
  void start(const RaftOptions* tuning) {
    ASSERT_EQ(raft_fixture_initialize(&f_), 0);
    started_ = true;
    for (auto& fsm : fsms_) {
      fsm = std::make_unique<CoreFsm>();
      ASSERT_EQ(raft_fixture_grow(&f_, &fsm->fsm), 0);
    }
    struct raft_configuration conf;
    ASSERT_EQ(raft_fixture_configuration(&f_, 3, &conf), 0);
    ASSERT_EQ(raft_fixture_bootstrap(&f_, &conf), 0);
    raft_configuration_close(&conf);
    for (unsigned i = 0; i < 3; ++i) {
      if (tuning) tune_raft(raft_fixture_get(&f_, i), *tuning);
      raft_set_snapshot_threshold(raft_fixture_get(&f_, i), 32);
      raft_set_snapshot_trailing(raft_fixture_get(&f_, i), 4);
    }
    ASSERT_EQ(raft_fixture_start(&f_), 0);
  }
  void TearDown() override {
    if (!started_) return;
    for (const auto& fsm : fsms_) {
      EXPECT_EQ(fsm->core.check_invariants(), "");
      EXPECT_EQ(fsm->bad_entries, 0);
    }
    raft_fixture_close(&f_);
  }

  unsigned leader() { return raft_fixture_leader_index(&f_); }

  // Appends commands through the leader, one raft_apply per command, and waits until the
  // leader applied the last one.
  void replicate(const std::vector<Command>& commands) {
    ASSERT_LT(leader(), 3u) << "no leader";
    append_on(leader(), commands);
    ASSERT_TRUE(raft_fixture_step_until_applied(&f_, leader(), raft_last_index(raft_fixture_get(&f_, leader())), 10'000));
  }

  // Appends commands on server i, one raft_apply per command, without stepping. The status each
  // request ends with is in statuses_ (kPending until raft calls back).
  static constexpr int kPending = 1;
  void append_on(unsigned i, const std::vector<Command>& commands) {
    for (const auto& c : commands) {
      std::string bytes = encode_command(c);
      struct raft_buffer buf;
      buf.len = bytes.size();
      buf.base = raft_malloc(buf.len);
      std::memcpy(buf.base, bytes.data(), buf.len);
      auto req = std::make_unique<struct raft_apply>();
      statuses_.push_back(std::make_unique<int>(kPending));
      req->data = statuses_.back().get();
      ASSERT_EQ(raft_apply(raft_fixture_get(&f_, i), req.get(), &buf, 1,
                           [](struct raft_apply* r, int status, void*) { *static_cast<int*>(r->data) = status; }),
                0);
      requests_.push_back(std::move(req));
    }
  }

  // Cuts server i off from every other server, both ways, or heals it. Saturated links drop
  // what is sent over them silently; the fixture's leader detection (leader()) knows of them.
  void cut_off(unsigned i, bool cut) {
    for (unsigned j = 0; j < 3; ++j) {
      if (j == i) continue;
      if (cut) raft_fixture_saturate(&f_, i, j), raft_fixture_saturate(&f_, j, i);
      else raft_fixture_desaturate(&f_, i, j), raft_fixture_desaturate(&f_, j, i);
    }
  }

  // Where each server stands (for failure messages): "i: state term last-index applied; ".
  std::string servers() {
    std::string out;
    for (unsigned i = 0; i < 3; ++i) {
      struct raft* r = raft_fixture_get(&f_, i);
      out += std::to_string(i) + ": state=" + std::to_string(raft_state(r)) + " term=" + std::to_string(r->current_term) +
             " last=" + std::to_string(raft_last_index(r)) + " applied=" + std::to_string(r->last_applied) + "; ";
    }
    return out + "fixture leader=" + std::to_string(leader());
  }

  // Steps until there is a leader and every server applied the last entry of its log (the
  // leader may change on the way: the last entry is the current leader's).
  bool step_until_converged(unsigned max_msecs) {
    return raft_fixture_step_until(
        &f_, [](struct raft_fixture* f, void*) {
          const unsigned l = raft_fixture_leader_index(f);
          if (l >= raft_fixture_n(f)) return false;
          const raft_index last = raft_last_index(raft_fixture_get(f, l));
          for (unsigned i = 0; i < raft_fixture_n(f); ++i) {
            struct raft* r = raft_fixture_get(f, i);
            if (r->last_applied != last || raft_last_index(r) != last) return false;
          }
          return true;
        },
        nullptr, max_msecs);
  }

  // Signed over the proposal as a replica that holds it shows it (its cluster and content).
  Command vote_command(const std::string& id, const std::string& agent, bool yes) {
    for (const auto& fsm : fsms_) {
      if (!fsm) continue;
      if (auto view = fsm->core.proposal(id)) {
        Vote v{id, agent, yes, sign_vote(keys(agent).secret_key, vote_subject(*view, agent), yes)};
        return command(CommandKind::VOTE, v.to_body());
      }
    }
    return command(CommandKind::VOTE, signed_vote(id, agent, yes).to_body());
  }

  struct raft_fixture f_ {};
  bool started_ = false;
  std::unique_ptr<CoreFsm> fsms_[3];
  std::vector<std::unique_ptr<struct raft_apply>> requests_;
  std::vector<std::unique_ptr<int>> statuses_;  // per request in requests_ sent by append_on
};

TEST_F(ReplicatedCoreTest, ReplicasAgreeAfterTheLeaderIsKilledAndRevived) {
  ASSERT_TRUE(raft_fixture_step_until_has_leader(&f_, 5'000));
  std::vector<std::string> agents = {"a1", "a2", "a3", "a4", "a5"};
  std::vector<Command> batch;
  for (int i = 0; i < 20; ++i) {
    std::vector<Voter> voters;
    for (const auto& a : agents) voters.push_back(voter(a));
    auto type = i % 2 ? ConsensusType::MAJORITY : ConsensusType::PBFT;
    batch.push_back(command(CommandKind::PROPOSE, proposal(type, voters).to_body(), "req-" + std::to_string(i)));
  }
  replicate(batch);
  batch.clear();
  for (int i = 1; i <= 10; ++i) {
    for (int a = 0; a < 3; ++a) batch.push_back(vote_command("p" + std::to_string(i), agents[a], (i + a) % 3 != 0));
  }
  replicate(batch);

  unsigned old = leader();
  raft_fixture_kill(&f_, old);
  ASSERT_TRUE(raft_fixture_step_until_has_no_leader(&f_, 10'000));
  ASSERT_TRUE(raft_fixture_step_until_has_leader(&f_, 10'000));
  ASSERT_NE(leader(), old);
  batch.clear();
  for (int i = 11; i <= 20; ++i) {
    for (int a = 0; a < 5; ++a) batch.push_back(vote_command("p" + std::to_string(i), agents[a], (i * a) % 4 != 0));
  }
  // A retried proposal after the failover: deduplicated by its request id.
  batch.push_back(command(CommandKind::PROPOSE, proposal(ConsensusType::MAJORITY, {voter("a1")}).to_body(), "req-3"));
  replicate(batch);

  raft_fixture_revive(&f_, old);
  raft_index last = raft_last_index(raft_fixture_get(&f_, leader()));
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, last, 20'000)) << "every replica applies the last entry";
  const std::string state = fsms_[leader()]->core.snapshot();
  for (const auto& fsm : fsms_) EXPECT_EQ(fsm->core.snapshot(), state);
  EXPECT_GT(raft_fixture_n_recv(&f_, old, RAFT_IO_INSTALL_SNAPSHOT), 0u) << "it caught up through a snapshot";
  EXPECT_EQ(fsms_[old]->core.proposal_count(), 20u);
  EXPECT_NE(fsms_[old]->core.proposal("p20")->outcome, Outcome::UNKNOWN);
}

// Retention over raft: the leader's HELLO carries a 1 s retention; 60 decided proposals are
// forgotten by a TICK stamped 2 s later, the same on every replica. A replica that was down
// meanwhile catches up through a snapshot taken after the expiry: smaller, and it agrees.
TEST_F(ReplicatedCoreTest, ExpiryShrinksTheSnapshotAndAReplicaRestoredFromItAgrees) {
  ASSERT_TRUE(raft_fixture_step_until_has_leader(&f_, 5'000));
  std::vector<Command> batch;
  // Without the audit log and the event history, whose records have retentions of their own
  // (core_audit_test.cpp, core_events_test.cpp).
  for (auto& fsm : fsms_) fsm->core.set_event_history({0, 1'000});
  batch.push_back(command(CommandKind::HELLO,
                          {{"replica", "r1"}, {"client", "tcp://x:1"}, {"retention_ms", 1'000}, {"audit_keep", 0}}));
  for (int i = 0; i < 60; ++i) {
    batch.push_back(command(CommandKind::PROPOSE, proposal(ConsensusType::RAFT, {}).to_body(), "req-" + std::to_string(i)));
  }
  batch.push_back(command(CommandKind::PROPOSE, proposal(ConsensusType::MAJORITY, {voter("a1"), voter("a2")}, 600'000).to_body(),
                          "pending"));
  replicate(batch);
  ASSERT_TRUE(step_until_converged(5'000));
  const std::size_t before = fsms_[leader()]->core.snapshot().size();
  ASSERT_EQ(fsms_[leader()]->core.proposal_count(), 61u);

  const unsigned down = (leader() + 1) % 3;
  raft_fixture_kill(&f_, down);
  batch.clear();
  clock.advance(2'000);
  for (int i = 0; i < 40; ++i) {  // past the snapshot threshold, so a snapshot is taken after the expiry
    batch.push_back(command(CommandKind::TICK, Json::object()));
    clock.advance(1);
  }
  replicate(batch);
  raft_fixture_revive(&f_, down);
  raft_index last = raft_last_index(raft_fixture_get(&f_, leader()));
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, last, 20'000)) << servers();
  EXPECT_GT(raft_fixture_n_recv(&f_, down, RAFT_IO_INSTALL_SNAPSHOT), 0u) << "it caught up through a snapshot";

  const std::string state = fsms_[leader()]->core.snapshot();
  EXPECT_LT(state.size(), before / 10) << "60 decided proposals forgotten";
  for (const auto& fsm : fsms_) {
    EXPECT_EQ(fsm->core.snapshot(), state);
    EXPECT_EQ(fsm->core.proposal_count(), 1u);
    EXPECT_EQ(fsm->core.retention_ms(), 1'000);
    auto gone = fsm->core.proposal("p1");
    ASSERT_FALSE(gone.ok());
    EXPECT_NE(gone.error().message.find("expired"), std::string::npos);
    EXPECT_EQ(fsm->core.proposal("p61")->outcome, Outcome::PENDING);
  }
}

// A partition: the leader is cut off from both followers while commands go in on both sides.
// Its own appends never commit, so no replica applies them (its applied index stays where the
// cut found it); the majority elects a new leader that commits. After the heal the old
// leader's uncommitted entries are replaced by the new leader's and every replica holds the
// same state, byte for byte.
TEST_F(ReplicatedCoreTest, ACutOffLeadersCommandsNeverApplyAndTheReplicasConvergeAfterTheHeal) {
  ASSERT_TRUE(raft_fixture_step_until_has_leader(&f_, 5'000));
  std::vector<std::string> agents = {"a1", "a2", "a3"};
  std::vector<Voter> voters;
  for (const auto& a : agents) voters.push_back(voter(a));
  std::vector<Command> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(command(CommandKind::PROPOSE, proposal(ConsensusType::MAJORITY, voters).to_body(),
                            "req-" + std::to_string(i)));
  }
  replicate(batch);
  ASSERT_TRUE(step_until_converged(5'000));
  for (const auto& fsm : fsms_) ASSERT_EQ(fsm->core.proposal_count(), 10u);

  const unsigned old = leader();
  unsigned old_index = old;  // for the predicate below
  const raft_index cut = raft_fixture_get(&f_, old)->last_applied;
  const raft_term old_term = raft_fixture_get(&f_, old)->current_term;
  cut_off(old, true);
  // The old leader still takes commands: 5 proposals and votes on p1..p5 that only it stores.
  const std::size_t lost_first = statuses_.size();
  batch.clear();
  for (int i = 0; i < 5; ++i) {
    batch.push_back(command(CommandKind::PROPOSE, proposal(ConsensusType::MAJORITY, voters).to_body(),
                            "lost-" + std::to_string(i)));
    batch.push_back(vote_command("p" + std::to_string(i + 1), "a1", false));
  }
  append_on(old, batch);
  EXPECT_GT(raft_last_index(raft_fixture_get(&f_, old)), cut);

  // The other two elect a new leader among themselves, which commits votes and proposals.
  ASSERT_TRUE(raft_fixture_step_until(
      &f_, [](struct raft_fixture* f, void* arg) {
        const unsigned l = raft_fixture_leader_index(f);
        return l < raft_fixture_n(f) && l != *static_cast<unsigned*>(arg);
      },
      &old_index, 10'000)) << servers();
  EXPECT_GT(raft_fixture_get(&f_, leader())->current_term, old_term);
  batch.clear();
  for (int i = 1; i <= 5; ++i) {
    for (const auto& a : agents) batch.push_back(vote_command("p" + std::to_string(i), a, true));
  }
  for (int i = 0; i < 3; ++i) {
    batch.push_back(command(CommandKind::PROPOSE, proposal(ConsensusType::PBFT, voters).to_body(),
                            "new-" + std::to_string(i)));
  }
  replicate(batch);
  const raft_index committed = raft_last_index(raft_fixture_get(&f_, leader()));
  for (unsigned i = 0; i < 3; ++i) {
    if (i == old) continue;
    ASSERT_TRUE(raft_fixture_step_until_applied(&f_, i, committed, 5'000)) << "replica " << i;
  }
  // Time passes on the old leader's side too: it has stepped down, and applied nothing new.
  raft_fixture_step_until_elapsed(&f_, 2'000);
  EXPECT_NE(raft_state(raft_fixture_get(&f_, old)), RAFT_LEADER);
  EXPECT_EQ(raft_fixture_get(&f_, old)->last_applied, cut) << "an entry of the cut-off leader was applied";
  EXPECT_EQ(fsms_[old]->core.proposal_count(), 10u);
  for (unsigned i = 0; i < 3; ++i) {
    if (i == old) continue;
    EXPECT_EQ(fsms_[i]->core.proposal_count(), 13u) << "replica " << i;
    EXPECT_EQ(fsms_[i]->core.proposal("p1")->outcome, Outcome::APPROVED) << "replica " << i;
  }

  cut_off(old, false);
  ASSERT_TRUE(step_until_converged(20'000)) << servers();
  const std::string state = fsms_[leader()]->core.snapshot();
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(fsms_[i]->core.snapshot(), state) << "replica " << i;
    EXPECT_EQ(fsms_[i]->core.proposal_count(), 13u) << "replica " << i << ": the cut-off leader's proposals are gone";
    EXPECT_EQ(fsms_[i]->core.proposal("p1")->outcome, Outcome::APPROVED) << "replica " << i;
  }
  for (std::size_t r = lost_first; r < lost_first + 10; ++r) {
    EXPECT_NE(*statuses_[r], kPending) << "request " << r - lost_first << " of the cut-off leader never ended";
    EXPECT_NE(*statuses_[r], 0) << "request " << r - lost_first << " of the cut-off leader reported committed";
  }
}

// libraft 0.15 drops, without an answer, an InstallSnapshot that reaches a follower while it is
// writing a snapshot of its own ("already taking or installing snapshot"); the leader then sends
// that follower heartbeats only (whose rejections it ignores) until its install-snapshot timeout
// passes: 30 s by default. This replays, deterministically, what a restarted replica of the
// integration test went through: follower F (slow disk) comes back 3 entries short and just
// below its snapshot threshold; while it appends them the leader appends 40 more, snapshots and
// compacts its log (F's link is down meanwhile, so F never sees them as entries); F applies,
// crosses its threshold and starts its snapshot; the leader, hearing F's acknowledgement, sends
// it a snapshot, which arrives during F's own.
class SnapshotCollisionTest : public ReplicatedCoreTest {
 protected:
  struct Outcome {
    std::int64_t caught_up_ms = -1;  // after the leader's snapshot; -1 = not within 5 s
    unsigned snapshots_received = 0;
  };

  void SetUp() override {}  // run() starts the cluster with the options under test

  Outcome run(const RaftOptions& options) {
    start(&options);
    struct raft_fixture& f = f_;
    EXPECT_TRUE(raft_fixture_step_until_has_leader(&f, 5'000));
    const unsigned leader = raft_fixture_leader_index(&f), slow = leader == 0 ? 1 : 0, other = 3 - leader - slow;
    struct raft* l = raft_fixture_get(&f, leader);
    int next = 0;
    auto append = [&](int n) {  // n proposals in one raft_apply
      std::vector<struct raft_buffer> bufs(static_cast<std::size_t>(n));
      for (auto& buf : bufs) {
        std::string bytes = encode_command(command(CommandKind::PROPOSE,
                                                   proposal(ConsensusType::MAJORITY, {voter("a1")}).to_body(),
                                                   "r" + std::to_string(next++)));
        buf.len = bytes.size();
        buf.base = raft_malloc(buf.len);
        std::memcpy(buf.base, bytes.data(), buf.len);
      }
      requests_.push_back(std::make_unique<struct raft_apply>());
      EXPECT_EQ(raft_apply(l, requests_.back().get(), bufs.data(), static_cast<unsigned>(n), nullptr), 0);
    };
    // Every replica 30 entries past its last snapshot (threshold 32).
    append(40);
    EXPECT_TRUE(raft_fixture_step_until_applied(&f, 3, raft_last_index(l), 5'000));
    append(static_cast<int>(l->log.snapshot.last_index + 30 - raft_last_index(l)));
    EXPECT_TRUE(raft_fixture_step_until_applied(&f, 3, raft_last_index(l), 5'000));
    // F misses 3 entries, which take the leader past its threshold.
    raft_fixture_kill(&f, slow);
    append(3);
    EXPECT_TRUE(raft_fixture_step_until_applied(&f, other, raft_last_index(l), 5'000));
    raft_fixture_set_disk_latency(&f, slow, 40);
    raft_fixture_revive(&f, slow);
    struct Reached {
      struct raft* r;
      raft_index index;
    } reached{raft_fixture_get(&f, slow), raft_last_index(l)};
    EXPECT_TRUE(raft_fixture_step_until(
        &f, [](struct raft_fixture*, void* arg) {
          auto* x = static_cast<Reached*>(arg);
          return raft_last_index(x->r) >= x->index;
        },
        &reached, 2'000));
    raft_fixture_saturate(&f, leader, slow);
    append(40);
    raft_fixture_step_until_elapsed(&f, 65);
    raft_fixture_desaturate(&f, leader, slow);
    // The leader goes on, one entry every 50 ms, while F catches up.
    Outcome out;
    const raft_index target = raft_last_index(l);
    const raft_time start = raft_fixture_time(&f);
    for (int i = 0; i < 100 && out.caught_up_ms < 0; ++i) {
      append(1);
      raft_fixture_step_until_elapsed(&f, 50);
      if (raft_fixture_get(&f, slow)->last_applied >= target) {
        out.caught_up_ms = static_cast<std::int64_t>(raft_fixture_time(&f) - start);
      }
    }
    out.snapshots_received = raft_fixture_n_recv(&f, slow, RAFT_IO_INSTALL_SNAPSHOT);
    return out;
  }

  static RaftOptions options(unsigned install_snapshot_timeout_ms) {
    RaftOptions o;  // our defaults, but with a small log as in the integration test
    o.snapshot_threshold = 32;
    o.snapshot_trailing = 4;
    o.install_snapshot_timeout_ms = install_snapshot_timeout_ms;
    return o;
  }
};

TEST_F(SnapshotCollisionTest, WithLibraftsDefaultTimeoutTheFollowerStalls) {
  Outcome out = run(options(30'000));
  EXPECT_EQ(out.caught_up_ms, -1) << "libraft 0.15 no longer drops a snapshot that collides with the follower's own";
  EXPECT_EQ(out.snapshots_received, 1u);
}

TEST_F(SnapshotCollisionTest, WithOurTimeoutTheLeaderSendsItAgainAndTheFollowerCatchesUp) {
  const unsigned timeout = RaftOptions{}.install_snapshot_timeout_ms;
  Outcome out = run(options(timeout));
  ASSERT_GE(out.caught_up_ms, 0) << "the follower did not catch up within 5 s";
  EXPECT_LE(out.caught_up_ms, static_cast<std::int64_t>(timeout) + 500);
  EXPECT_EQ(out.snapshots_received, 2u) << "the dropped snapshot, then the one sent again";
}

}  // namespace
}  // namespace orion::consensus::testing
