// The consensus core's audit log (core_audit.cpp): PROPOSE, VOTE, lease and AUDIT commands are
// recorded with the command's principal and the log's time, refusals decided by the log too;
// a replica replaying the same log, and one restored from a snapshot, hold the same chain.
#include <gtest/gtest.h>

#include "common/msg_writer.h"
#include "services/consensus/consensus_core.h"
#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

class CoreAuditTest : public CoreFixture {
 protected:
  std::vector<AuditEntry> records(const ConsensusCore& c) {
    AuditList q;
    q.limit = 1000;
    return c.audit().list(q).records;
  }
  Command as(Command c, const std::string& principal) {
    c.principal = principal;
    return c;
  }
};

TEST_F(CoreAuditTest, EachCommandIsRecordedWithItsPrincipalItsStampAndItsOutcome) {
  auto p = apply(as(command(CommandKind::PROPOSE, proposal(ConsensusType::MAJORITY, {voter("a1"), voter("a2")}).to_body()),
                    "gate-service"));
  ASSERT_TRUE(p.ok());
  clock.advance(100);
  const std::int64_t vote_ms = clock.wall_ms();
  ASSERT_TRUE(apply(as(command(CommandKind::VOTE, signed_vote("p1", "a1", true).to_body()), "worker")).ok());
  Vote forged = signed_vote("p1", "a2", true);
  forged.signature = signed_vote("p1", "a1", false).signature;
  EXPECT_FALSE(apply(as(command(CommandKind::VOTE, forged.to_body()), "rogue")).ok());
  apply(command(CommandKind::TICK, Json::object()));  // time only: not recorded
  ASSERT_TRUE(apply(as(command(CommandKind::ACQUIRE, LeaseRequest{"db-primary", "node-1", 5000}.to_body()), "svc")).ok());
  MsgWriter w;
  w.map(4);
  w.key("a"), w.str("policy_reload");
  w.key("g"), w.str("");
  w.key("o"), w.str("OK");
  w.key("d"), w.str("principals=3");
  Command audit{CommandKind::AUDIT, clock.wall_ms(), "", "", 0, w.take()};
  audit.principal = "(signal)";
  ASSERT_TRUE(apply(audit).ok());

  auto r = records(core);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].action, "propose");
  EXPECT_EQ(r[0].principal, "gate-service");
  EXPECT_EQ(r[0].target, "p1");
  EXPECT_EQ(r[0].outcome, "OK");
  EXPECT_EQ(r[0].detail, "type=deploy consensus=MAJORITY");
  EXPECT_EQ(r[1].action, "vote");
  EXPECT_EQ(r[1].time_ms, vote_ms);  // the command's stamp, not a clock of the replica
  EXPECT_EQ(r[1].detail, "agent=a1 yes");
  EXPECT_EQ(r[2].principal, "rogue");
  EXPECT_EQ(r[2].outcome, "PERMISSION_DENIED");
  EXPECT_EQ(r[2].target, "p1");
  EXPECT_EQ(r[3].action, "lease_acquire");
  EXPECT_EQ(r[3].target, "db-primary");
  EXPECT_EQ(r[4].action, "policy_reload");
  EXPECT_EQ(r[4].principal, "(signal)");
  std::vector<AuditRecord> chain;
  for (const auto& e : r) chain.push_back(audit_record(e));
  EXPECT_FALSE(verify_audit_chain(chain).has_value());
}

TEST_F(CoreAuditTest, ReplicasReplayingTheLogAndOneRestoredFromASnapshotHoldTheSameChain) {
  auto id = propose(ConsensusType::UNANIMOUS, {"a1", "a2"});
  clock.advance(10);
  ASSERT_TRUE(vote(id, "a1", true));
  clock.advance(10);
  ASSERT_TRUE(vote(id, "a2", true));
  ConsensusCore replica;
  for (const auto& c : log) replica.apply(c);
  ConsensusCore restored;
  ASSERT_TRUE(restored.restore_snapshot(core.snapshot()).ok());
  auto mine = records(core), theirs = records(replica), again = records(restored);
  ASSERT_EQ(mine.size(), 3u);
  ASSERT_EQ(theirs.size(), 3u);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(mine.back().hash, theirs.back().hash);
  EXPECT_EQ(mine.back().hash, again.back().hash);
  // The restored one goes on with the chain.
  restored.apply(command(CommandKind::ACQUIRE, LeaseRequest{"l", "h", 1000}.to_body()));
  auto next = records(restored);
  ASSERT_EQ(next.size(), 4u);
  EXPECT_EQ(next[3].prev_hash, mine.back().hash);
}

TEST_F(CoreAuditTest, RecordsAreStoredRetainedAndRestoredFromTheStore) {
  core.set_audit_keep(2);
  for (int i = 0; i < 4; ++i) apply(command(CommandKind::ACQUIRE, LeaseRequest{"l" + std::to_string(i), "h", 1000}.to_body()));
  std::map<std::uint64_t, std::string> store;
  core.drain_dirty([&](std::uint64_t key, std::string rec) {
    if (rec.empty()) store.erase(key);
    else store[key] = std::move(rec);
  });
  std::size_t audit_records = 0;
  for (const auto& [key, rec] : store) audit_records += key >= kAuditKeyBase;
  EXPECT_EQ(audit_records, 2u);
  ConsensusCore reopened;
  for (const auto& [key, rec] : store) ASSERT_TRUE(reopened.restore_record(key, rec).ok());
  reopened.finish_restore();
  EXPECT_EQ(reopened.audit_keep(), 2u);
  auto r = records(reopened);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].seq, 3);
  EXPECT_EQ(r[1].target, "l3");
  // Off: nothing more is recorded.
  reopened.set_audit_keep(0);
  reopened.apply(command(CommandKind::ACQUIRE, LeaseRequest{"l9", "h", 1000}.to_body()));
  EXPECT_EQ(records(reopened).size(), 2u);
}

}  // namespace
}  // namespace orion::consensus::testing
