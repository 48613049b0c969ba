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
  void SetUp() override {
    ASSERT_EQ(raft_fixture_initialize(&f_), 0);
    for (auto& fsm : fsms_) {
      fsm = std::make_unique<CoreFsm>();
      ASSERT_EQ(raft_fixture_grow(&f_, &fsm->fsm), 0);
    }
    struct raft_configuration conf;
    ASSERT_EQ(raft_fixture_configuration(&f_, 3, &conf), 0);
    ASSERT_EQ(raft_fixture_bootstrap(&f_, &conf), 0);
    raft_configuration_close(&conf);
    for (unsigned i = 0; i < 3; ++i) {
      raft_set_snapshot_threshold(raft_fixture_get(&f_, i), 32);
      raft_set_snapshot_trailing(raft_fixture_get(&f_, i), 4);
    }
    ASSERT_EQ(raft_fixture_start(&f_), 0);
  }
  void TearDown() override {
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
    struct raft* r = raft_fixture_get(&f_, leader());
    for (const auto& c : commands) {
      std::string bytes = encode_command(c);
      struct raft_buffer buf;
      buf.len = bytes.size();
      buf.base = raft_malloc(buf.len);
      std::memcpy(buf.base, bytes.data(), buf.len);
      auto req = std::make_unique<struct raft_apply>();
      ASSERT_EQ(raft_apply(r, req.get(), &buf, 1, nullptr), 0);
      requests_.push_back(std::move(req));
    }
    ASSERT_TRUE(raft_fixture_step_until_applied(&f_, leader(), raft_last_index(r), 10'000));
  }

  Command vote_command(const std::string& id, const std::string& agent, bool yes) {
    return command(CommandKind::VOTE, signed_vote(id, agent, yes).to_body());
  }

  struct raft_fixture f_ {};
  std::unique_ptr<CoreFsm> fsms_[3];
  std::vector<std::unique_ptr<struct raft_apply>> requests_;
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

}  // namespace
}  // namespace orion::consensus::testing
