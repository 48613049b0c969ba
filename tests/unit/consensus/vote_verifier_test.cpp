// services/consensus/vote_verifier.*: a verdict comes back for every job, the same as
// verify_vote() gives on the calling thread.
#include "services/consensus/vote_verifier.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>

#include "common/vote_signature.h"

namespace orion::consensus {
namespace {

// Waits (bounded) until the verifier's fd is readable, then takes what is ready.
void take_some(VoteVerifier& v, std::vector<VoteVerifier::Verdict>& out) {
  pollfd p{v.fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1) << "no verdict within 10 s";
  v.drain_wakeups();
  v.take(out);
}

TEST(VoteVerifier, EveryJobGetsTheVerdictVerifyVoteGives) {
  VoteKeys a = VoteKeys::from_seed(std::string(32, 'a'));
  VoteKeys b = VoteKeys::from_seed(std::string(32, 'b'));
  std::vector<VoteVerifier::Job> jobs;
  std::vector<bool> expected;
  for (std::uint64_t i = 1; i <= 200; ++i) {
    std::string id = "p" + std::to_string(i);
    bool yes = i % 2 == 0;
    // Every third is signed by the wrong key, every fifth names the other choice than signed.
    const VoteKeys& signer = i % 3 == 0 ? b : a;
    const VoteSubject about{"orion", id, std::string(64, 'd'), "agent-a"};
    Vote vote{id, "agent-a", i % 5 == 0 ? !yes : yes, sign_vote(signer.secret_key, about, yes)};
    expected.push_back(verify_vote(a.public_key_hex(), about, vote.yes, vote.signature));
    jobs.push_back({i, a.public_key_hex(), about, vote});
  }
  VoteVerifier verifier(2);
  // In two submissions, as two service turns would.
  std::vector<VoteVerifier::Job> first(jobs.begin(), jobs.begin() + 50), second(jobs.begin() + 50, jobs.end());
  verifier.submit(first);
  verifier.submit(second);
  std::vector<VoteVerifier::Verdict> out;
  while (out.size() < jobs.size()) take_some(verifier, out);
  ASSERT_EQ(out.size(), jobs.size());
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  int good = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].id, i + 1);
    EXPECT_EQ(out[i].ok, expected[i]) << "job " << i + 1;
    good += out[i].ok;
  }
  EXPECT_GT(good, 0);
  EXPECT_LT(good, 200);
}

TEST(VoteVerifier, WithoutWorkersTheVerdictsAreThereAtOnce) {
  VoteKeys a = VoteKeys::from_seed(std::string(32, 'a'));
  const VoteSubject about{"orion", "p1", std::string(64, 'd'), "x"};
  Vote good{"p1", "x", true, sign_vote(a.secret_key, about, true)};
  Vote forged{"p1", "x", false, good.signature};
  VoteVerifier verifier(0);
  verifier.submit({{1, a.public_key_hex(), about, good}, {2, a.public_key_hex(), about, forged}});
  std::vector<VoteVerifier::Verdict> out;
  verifier.take(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].ok);
  EXPECT_FALSE(out[1].ok);
}

TEST(VoteVerifier, StopsWithJobsStillQueued) {
  VoteKeys a = VoteKeys::from_seed(std::string(32, 'a'));
  std::vector<VoteVerifier::Job> jobs;
  for (std::uint64_t i = 1; i <= 1000; ++i) jobs.push_back({i, a.public_key_hex(), VoteSubject{}, Vote{"p1", "x", true, std::string(128, '0')}});
  VoteVerifier verifier(2);
  verifier.submit(jobs);
  // The destructor finishes the job at hand and drops the rest: it returns, and nothing leaks.
}

}  // namespace
}  // namespace orion::consensus
