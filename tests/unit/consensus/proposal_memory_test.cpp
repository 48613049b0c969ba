// Heap bytes the consensus core holds per decided proposal of the shape bench/README.md's
// rss_100k_proposals_mib uses (MAJORITY, 5 voters with their 64-hex-digit public keys, 3 signed
// yes votes), measured by glibc's mallinfo2 around N proposals, and split by part: the proposal
// with its voters (no votes), then what its votes add. Disabled by default (it prints figures,
// it checks none); run it with
//   build/bin/consensus_unit_tests --gtest_also_run_disabled_tests --gtest_filter='*ProposalMemory*'
#include <malloc.h>

#include <cstdio>

#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

std::size_t heap_in_use() { return mallinfo2().uordblks; }

class ProposalMemoryTest : public CoreFixture {
 protected:
  // Makes n proposals, each voted by the first `votes` voters, and returns the heap bytes the
  // core gained per proposal. Commands are made once each and not kept.
  double bytes_per_proposal(int n, int votes) {
    core.set_events(false);
    std::vector<Voter> voters;
    for (int i = 1; i <= 5; ++i) voters.push_back(voter("bench-agent-" + std::to_string(i)));
    const std::size_t before = heap_in_use();
    for (int k = 0; k < n; ++k) {
      auto id = propose(proposal(ConsensusType::MAJORITY, voters, 3'600'000), "b" + std::to_string(k));
      log.clear();
      for (int v = 0; v < votes; ++v) {
        EXPECT_TRUE(vote(id, voters[static_cast<std::size_t>(v)].agent_id, true).ok());
        log.clear();
      }
      core.discard_dirty();
      core.take_decided();
    }
    log.shrink_to_fit();
    return (static_cast<double>(heap_in_use()) - static_cast<double>(before)) / n;
  }
};

TEST_F(ProposalMemoryTest, DISABLED_BytesPerDecidedProposalOfTheBenchShape) {
  const double decided = bytes_per_proposal(20'000, 3);
  EXPECT_EQ(core.proposal_count(), 20'000u);
  std::printf("heap per decided proposal (5 voters, 3 votes): %.0f bytes\n", decided);
}

TEST_F(ProposalMemoryTest, DISABLED_BytesPerPendingProposalWithoutVotes) {
  const double pending = bytes_per_proposal(20'000, 0);
  std::printf("heap per PENDING proposal (5 voters, no votes): %.0f bytes\n", pending);
}

}  // namespace
}  // namespace orion::consensus::testing
