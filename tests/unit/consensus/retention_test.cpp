// Retention in the consensus state machine, in simulated time: decided proposals (with their
// votes and request ids) and ended leases are forgotten a retention period after they ended,
// in bounded slices, driven only by the stamps on the commands; pending proposals never are.
#include <gtest/gtest.h>

#include <map>

#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

class RetentionTest : public CoreFixture {
 protected:
  // What a new leader appends first: its retention travels in the log.
  void hello(std::int64_t retention_ms) {
    auto r = apply(command(CommandKind::HELLO, {{"replica", "r1"}, {"client", "tcp://x:1"}, {"retention_ms", retention_ms}}));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  // A RAFT proposal: decided (APPROVED) as soon as it is applied.
  std::string decided_now(const std::string& request_id = "", std::int64_t result_ttl_ms = 0) {
    Propose p = proposal(ConsensusType::RAFT, {});
    p.result_ttl_ms = result_ttl_ms;
    return propose(p, request_id);
  }
  Error error_of(const std::string& id) {
    auto v = core.proposal(id);
    EXPECT_FALSE(v.ok()) << id << " is still there";
    return v ? Error{} : v.error();
  }
};

TEST_F(RetentionTest, ADecidedProposalIsForgottenAfterTheRetentionAndItsIdAnswersExpired) {
  hello(10'000);
  auto id = propose(ConsensusType::MAJORITY, {"a1"});
  clock.advance(500);
  ASSERT_TRUE(vote(id, "a1", true).ok());
  ASSERT_EQ(outcome(id), Outcome::APPROVED);
  const auto decided_ms = core.proposal(id)->decided_ms;
  EXPECT_EQ(core.proposal(id)->expires_ms, decided_ms + 10'000);
  EXPECT_EQ(core.next_expiry_ms(), decided_ms + 10'000);

  clock.advance(9'999);
  tick();
  EXPECT_EQ(outcome(id), Outcome::APPROVED) << "kept until its retention has passed";
  clock.advance(1);
  tick();
  Error e = error_of(id);
  EXPECT_EQ(e.code, ErrorCode::NOT_FOUND);
  EXPECT_NE(e.message.find("expired"), std::string::npos) << e.message;
  EXPECT_EQ(core.proposal_count(), 0u);
  EXPECT_EQ(core.forgotten(), 1u);

  Error never = error_of("p99");
  EXPECT_EQ(never.code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(never.message.find("expired"), std::string::npos) << never.message;
  EXPECT_NE(never.message.find("does not exist"), std::string::npos) << never.message;

  // A vote on it is refused the same way, expired, not unknown.
  auto late = vote(id, "a1", true);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::NOT_FOUND);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
}

TEST_F(RetentionTest, APendingProposalIsNeverForgottenByRetentionOnlyAfterItsOwnDecision) {
  hello(1'000);
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"}, 3'600'000);
  for (int i = 0; i < 59; ++i) {
    clock.advance(60'000);
    tick();
  }
  ASSERT_EQ(outcome(id), Outcome::PENDING) << "an hour of ticks with a 1 s retention leaves it alone";
  EXPECT_EQ(core.next_expiry_ms(), INT64_MAX);
  clock.advance(60'000);
  tick();
  ASSERT_EQ(outcome(id), Outcome::EXPIRED) << "its timeout decides it";
  clock.advance(1'000);
  tick();
  EXPECT_EQ(error_of(id).code, ErrorCode::NOT_FOUND) << "and the retention then counts from that decision";
}

TEST_F(RetentionTest, ARetriedProposeIsADuplicateWhileItsRecordLivesAndANewProposalAfter) {
  hello(5'000);
  auto first = apply(command(CommandKind::PROPOSE, proposal(ConsensusType::RAFT, {}).to_body(), "req-1"));
  ASSERT_TRUE(first.ok());
  auto ok1 = ProposeOk::from_body(first->value());
  EXPECT_FALSE(ok1->duplicate);

  clock.advance(4'999);
  auto retry = apply(command(CommandKind::PROPOSE, proposal(ConsensusType::RAFT, {}).to_body(), "req-1"));
  auto ok2 = ProposeOk::from_body(retry->value());
  EXPECT_TRUE(ok2->duplicate);
  EXPECT_EQ(ok2->proposal_id, ok1->proposal_id);

  clock.advance(1);
  auto late = apply(command(CommandKind::PROPOSE, proposal(ConsensusType::RAFT, {}).to_body(), "req-1"));
  auto ok3 = ProposeOk::from_body(late->value());
  EXPECT_FALSE(ok3->duplicate) << "its record expired with the proposal: a new request";
  EXPECT_NE(ok3->proposal_id, ok1->proposal_id);
  EXPECT_EQ(error_of(ok1->proposal_id).code, ErrorCode::NOT_FOUND);
}

TEST_F(RetentionTest, OneCommandForgetsAtMostASliceOldestFirstAndTheRestIsDueAtOnce) {
  hello(1'000);
  const std::size_t n = 2 * kMaxForgetPerCommand + 10;
  for (std::size_t i = 0; i < n; ++i) {
    decided_now();
    if (i % 100 == 0) clock.advance(1);  // decisions spread over a few ms: the oldest go first
  }
  ASSERT_EQ(core.proposal_count(), n);
  clock.advance(60'000);
  tick();
  EXPECT_EQ(core.proposal_count(), n - kMaxForgetPerCommand);
  EXPECT_EQ(error_of("p1").code, ErrorCode::NOT_FOUND);
  EXPECT_TRUE(core.proposal("p" + std::to_string(kMaxForgetPerCommand + 1)).ok()) << "the oldest go first";
  EXPECT_LE(core.next_expiry_ms(), core.now_ms()) << "the backlog is due at once: the leader ticks again";
  tick();
  EXPECT_EQ(core.proposal_count(), n - 2 * kMaxForgetPerCommand);
  tick();
  EXPECT_EQ(core.proposal_count(), 0u);
  EXPECT_EQ(core.next_expiry_ms(), INT64_MAX);
}

TEST_F(RetentionTest, AProposalsResultTtlOverridesTheRetention) {
  hello(60'000);
  auto short_lived = decided_now("", 2'000);
  auto usual = decided_now();
  EXPECT_EQ(core.proposal(short_lived)->result_ttl_ms, 2'000);
  clock.advance(2'000);
  tick();
  EXPECT_EQ(error_of(short_lived).code, ErrorCode::NOT_FOUND);
  EXPECT_TRUE(core.proposal(usual).ok());
  clock.advance(58'000);
  tick();
  EXPECT_EQ(error_of(usual).code, ErrorCode::NOT_FOUND);
}

TEST_F(RetentionTest, ResultTtlIsCheckedOnTheWire) {
  Propose p = proposal(ConsensusType::RAFT, {});
  p.result_ttl_ms = 999;
  auto bad = Propose::from_body(p.to_body());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error().message.find("result_ttl_ms"), std::string::npos);
  auto bad_packed = Propose::from_packed(p.to_packed());
  ASSERT_FALSE(bad_packed.ok());
  EXPECT_EQ(bad_packed.error().message, bad.error().message);
  p.result_ttl_ms = 1'000;
  EXPECT_EQ(Propose::from_packed(p.to_packed())->result_ttl_ms, 1'000);
  p.result_ttl_ms = 0;
  EXPECT_FALSE(p.to_body().contains("result_ttl_ms")) << "absent when it holds its default";
}

TEST_F(RetentionTest, AnEndedLeaseIsForgottenAndItsNameGetsALargerTokenAfterwards) {
  hello(1'000);
  auto acquire = [&](const std::string& holder) {
    auto r = apply(command(CommandKind::ACQUIRE, LeaseRequest{"leader", holder, 5'000}.to_body()));
    return LeaseInfo::from_body(r->value())->lease;
  };
  auto held = acquire("s1");
  EXPECT_EQ(held.token, 1);
  clock.advance(5'999);
  tick();
  EXPECT_EQ(core.lease("leader", core.now_ms()).token, 1) << "ended 999 ms ago: still known";
  clock.advance(1);
  tick();
  EXPECT_EQ(core.lease("leader", core.now_ms()).token, 0) << "forgotten: reads as never used";
  EXPECT_EQ(acquire("s2").token, 2) << "fencing tokens still only grow";

  // A released lease counts from its release.
  apply(command(CommandKind::RELEASE, ReleaseLease{"leader", "s2"}.to_body()));
  clock.advance(999);
  tick();
  EXPECT_EQ(core.lease("leader", core.now_ms()).token, 2);
  clock.advance(1);
  tick();
  EXPECT_EQ(core.lease("leader", core.now_ms()).token, 0);
}

TEST_F(RetentionTest, AForgottenRecordIsDeletedFromTheStoreAndTheStateRestoresWithoutIt) {
  hello(1'000);
  auto gone = decided_now("req-gone");
  std::map<std::uint64_t, std::string> store;
  auto drain = [&] {
    core.drain_dirty([&](std::uint64_t key, std::string rec) {
      if (rec.empty()) store.erase(key);
      else store[key] = std::move(rec);
    });
  };
  drain();
  ASSERT_EQ(store.count(1), 1u);
  clock.advance(1'000);
  auto kept = decided_now("req-kept");  // its command forgets p1 on the way
  drain();
  EXPECT_EQ(store.count(1), 0u) << "the forgotten proposal's record is deleted";
  EXPECT_EQ(store.count(2), 1u);

  ConsensusCore restored;
  for (const auto& [key, rec] : store) ASSERT_TRUE(restored.restore_record(key, rec).ok());
  restored.finish_restore();
  EXPECT_EQ(restored.check_invariants(), "");
  EXPECT_EQ(restored.snapshot(), core.snapshot());
  EXPECT_EQ(restored.retention_ms(), 1'000) << "the retention is in the meta record";
  EXPECT_NE(restored.proposal(gone).error().message.find("expired"), std::string::npos);
  EXPECT_TRUE(restored.proposal(kept).ok());
}

TEST_F(RetentionTest, TheSnapshotShrinksAfterExpiryAndARestoredCoreAgrees) {
  core.set_audit_keep(0);  // the audit log keeps its records by its own retention (core_audit_test.cpp)
  core.set_event_history({0, 1'000});  // and so does the event history (core_events_test.cpp)
  hello(1'000);
  for (int i = 0; i < 100; ++i) decided_now("req-" + std::to_string(i));
  auto pending = propose(ConsensusType::MAJORITY, {"a1", "a2"}, 600'000);
  const auto before = core.snapshot().size();
  clock.advance(1'000);
  tick();
  const std::string after = core.snapshot();
  EXPECT_LT(after.size(), before / 10) << "100 decided proposals forgotten, 1 pending kept";

  ConsensusCore restored;
  restored.set_event_history({0, 1'000});  // configured as `core` is
  ASSERT_TRUE(restored.restore_snapshot(after).ok());
  EXPECT_EQ(restored.check_invariants(), "");
  EXPECT_EQ(restored.snapshot(), after);
  EXPECT_EQ(restored.proposal(pending)->outcome, Outcome::PENDING);
  EXPECT_NE(restored.proposal("p1").error().message.find("expired"), std::string::npos);
  // Both go on identically: the same command forgets the same things on each.
  clock.advance(600'000);
  Command c = command(CommandKind::TICK, Json::object());
  core.apply(c);
  restored.apply(c);
  EXPECT_EQ(restored.snapshot(), core.snapshot());
}

TEST_F(RetentionTest, ProposalsWithEqualVotersShareOneListUntilTheLastIsForgottenAndShareItAgainWhenRestored) {
  hello(10'000);
  auto a = propose(ConsensusType::MAJORITY, {"a1", "a2"});
  auto b = propose(ConsensusType::MAJORITY, {"a1", "a2"});
  auto c = propose(ConsensusType::MAJORITY, {"a1", "a3"});
  EXPECT_EQ(core.voter_lists(), 2u);
  ConsensusCore restored;
  ASSERT_TRUE(restored.restore_snapshot(core.snapshot()).ok());
  EXPECT_EQ(restored.voter_lists(), 2u) << "shared again when read back";
  EXPECT_EQ(restored.snapshot(), core.snapshot());
  EXPECT_EQ(restored.check_invariants(), "");

  ASSERT_TRUE(vote(a, "a1", true).ok());
  ASSERT_TRUE(vote(a, "a2", true).ok());
  ASSERT_EQ(outcome(a), Outcome::APPROVED);
  EXPECT_EQ(core.proposal(a)->voters.size(), 2u) << "an answer has the voters";
  EXPECT_EQ(core.proposal(a)->votes.size(), 2u);
  clock.advance(10'000);
  tick();
  ASSERT_FALSE(core.proposal(a).ok());
  EXPECT_EQ(core.voter_lists(), 2u) << b << " still holds the list";
  ASSERT_TRUE(vote(b, "a1", false).ok());
  ASSERT_EQ(outcome(b), Outcome::REJECTED) << "one no of two: a majority cannot be reached";
  clock.advance(10'000);
  tick();
  ASSERT_FALSE(core.proposal(b).ok());
  EXPECT_EQ(core.voter_lists(), 1u) << "only " << c << "'s list is left";
}

}  // namespace
}  // namespace orion::consensus::testing
