// ConsensusGates (services/scheduler/consensus_gates.h) on its own: which tasks a gate holds, its
// proposal and the index to it, when a gate is due, that a gate whose tasks all ended is
// forgotten, and that a closed gate is out of the books. Every test ends with the invariants.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "services/scheduler/consensus_gates.h"

namespace orion::scheduler {
namespace {

class ConsensusGatesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto s = gates.check_invariants();
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }
  // One sweep at now_ms: tasks in `ended` are no longer open; due gates are recorded and close
  // with `cause` when it is set for them.
  std::vector<std::pair<std::string, std::string>> sweep(std::int64_t now_ms, std::map<std::string, std::string> causes = {}) {
    return gates.sweep(
        now_ms, [&](std::uint64_t seq) { return !ended.count(seq); },
        [&](const std::string& id, const ConsensusGates::Gate&) {
          due.push_back(id);
          return causes.count(id) ? causes.at(id) : std::string();
        });
  }
  ConsensusGates gates;
  std::set<std::uint64_t> ended;
  std::vector<std::string> due;
};

TEST_F(ConsensusGatesTest, AGateHoldsItsTasksInOrderUntilItIsTaken) {
  gates.hold("t1", 1, "", 100);
  gates.hold("t1", 2, "", 200);
  EXPECT_TRUE(gates.holds("t1"));
  EXPECT_TRUE(gates.holds_task("t1", 2));
  EXPECT_FALSE(gates.holds_task("t1", 3));
  auto closed = gates.take("t1");
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(closed->created_mono_ms, 100) << "opened by its first task";
  EXPECT_FALSE(gates.holds("t1"));
  EXPECT_FALSE(gates.take("t1").has_value());
}

TEST_F(ConsensusGatesTest, AProposalIsTakenOnceAndIndexedToItsGateUntilTheGateCloses) {
  gates.hold("t1", 1, "", 100);
  const auto* seqs = gates.proposed("t1", "p-1", 1'000);
  ASSERT_NE(seqs, nullptr);
  EXPECT_EQ(*seqs, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(gates.proposed("t1", "p-2", 1'000), nullptr) << "proposed already";
  EXPECT_EQ(gates.proposed("t9", "p-3", 1'000), nullptr) << "no such gate";
  ASSERT_NE(gates.gate_of("p-1"), nullptr);
  EXPECT_EQ(*gates.gate_of("p-1"), "t1");
  EXPECT_EQ(gates.gate_of("p-2"), nullptr);
  gates.take("t1");
  EXPECT_EQ(gates.gate_of("p-1"), nullptr);
}

TEST_F(ConsensusGatesTest, ARestoredTaskBringsItsProposalBackToItsGate) {
  gates.hold("t5", 5, "p-5", 100);
  gates.hold("t5", 6, "p-other", 100);  // the gate keeps the first one it was given
  ASSERT_NE(gates.gate_of("p-5"), nullptr);
  EXPECT_EQ(gates.gate_of("p-other"), nullptr);
}

TEST_F(ConsensusGatesTest, AGateIsDueAtOnceThenEveryRetryAndAtOnceAfterAHint) {
  gates.hold("t1", 1, "", 100);
  sweep(1'000);
  EXPECT_EQ(due, (std::vector<std::string>{"t1"}));
  sweep(1'000 + ConsensusGates::kRetryMs - 1);
  EXPECT_EQ(due.size(), 1u);
  sweep(1'000 + ConsensusGates::kRetryMs);
  EXPECT_EQ(due.size(), 2u);
  gates.proposed("t1", "p-1", 2'000);
  EXPECT_EQ(gates.hint("p-unknown"), nullptr);
  ASSERT_NE(gates.hint("p-1"), nullptr);
  sweep(2'001);
  EXPECT_EQ(due.size(), 3u) << "the hint made it due";
}

TEST_F(ConsensusGatesTest, AGateWhoseTasksAllEndedIsForgottenAndOneThatMustCloseIsReturned) {
  gates.hold("a", 1, "p-a", 100);
  gates.hold("a", 2, "", 100);
  gates.hold("b", 3, "", 100);
  ended = {1};
  auto to_close = sweep(1'000, {{"b", "EXPIRED"}});
  EXPECT_TRUE(gates.holds("a")) << "one task of it is open";
  EXPECT_EQ(to_close, (std::vector<std::pair<std::string, std::string>>{{"b", "EXPIRED"}}));
  EXPECT_TRUE(gates.holds("b")) << "closed by the caller, not by the sweep";
  gates.take("b");
  ended = {1, 2};
  sweep(5'000);
  EXPECT_FALSE(gates.holds("a"));
  EXPECT_EQ(gates.gate_of("p-a"), nullptr);
  EXPECT_EQ(gates.size(), 0u);
}

TEST_F(ConsensusGatesTest, WhyAGateWaitsIsKeptAndAChangeIsReported) {
  gates.hold("t1", 1, "", 100);
  EXPECT_EQ(gates.waiting("t1"), "");
  EXPECT_TRUE(gates.set_waiting("t1", "no voter yet"));
  EXPECT_FALSE(gates.set_waiting("t1", "no voter yet")) << "unchanged";
  EXPECT_EQ(gates.waiting("t1"), "no voter yet");
  EXPECT_TRUE(gates.set_waiting("t1", ""));
  EXPECT_FALSE(gates.set_waiting("t9", "x")) << "no such gate";
}

}  // namespace
}  // namespace orion::scheduler
