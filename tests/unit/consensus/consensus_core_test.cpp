// The consensus state machine in simulated time: each consensus type decides as soon as the
// outcome is certain, expiry at the deadline, vote validation (eligibility, signatures,
// duplicates, changed votes, PBFT equivocation), and determinism of replay and restore.
#include "services/consensus/consensus_core.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

class ConsensusCoreTest : public CoreFixture {};

// ---- MAJORITY ---------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, MajorityIsApprovedByTheVoteThatMakesMoreThanHalf) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3", "a4", "a5"});
  EXPECT_EQ(id, "p1");
  ASSERT_TRUE(vote(id, "a1", true));
  ASSERT_TRUE(vote(id, "a2", true));
  EXPECT_EQ(outcome(id), Outcome::PENDING);
  clock.advance(250);
  auto third = vote(id, "a3", true);
  ASSERT_TRUE(third) << third.error().to_string();
  EXPECT_EQ(third->outcome, Outcome::APPROVED);
  auto p = core.proposal(id);
  EXPECT_EQ(p->decided_ms, clock.wall_ms());
  EXPECT_EQ(p->tally.yes, 3);
  EXPECT_EQ(p->tally.quorum, 3);
}

// A proposal's namespace (protocol.md section 19) is kept, shown in its view, and survives its record.
TEST_F(ConsensusCoreTest, AProposalKeepsItsNamespaceInItsViewAndItsRecord) {
  auto p = proposal(ConsensusType::MAJORITY, {voter("a1"), voter("a2")});
  p.ns = "tenant-a";
  auto id = propose(p);
  auto plain = propose(ConsensusType::MAJORITY, {"a1", "a2"});
  ASSERT_TRUE(core.proposal(id));
  EXPECT_EQ(core.proposal(id)->ns, "tenant-a");
  EXPECT_EQ(core.proposal(id)->to_json().at("namespace"), "tenant-a");
  EXPECT_EQ(core.proposal(plain)->ns, "default");
  EXPECT_FALSE(core.proposal(plain)->to_json().contains("namespace"));  // the default is left out
  std::map<std::uint64_t, std::string> records;
  core.drain_dirty([&](std::uint64_t k, std::string r) { records[k] = std::move(r); });
  ConsensusCore restored;
  for (const auto& [k, r] : records) ASSERT_TRUE(restored.restore_record(k, r).ok());
  restored.finish_restore();
  ASSERT_TRUE(restored.proposal(id));
  EXPECT_EQ(restored.proposal(id)->ns, "tenant-a");
  p.ns = "no way";
  EXPECT_EQ(Propose::from_body(p.to_body()).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST_F(ConsensusCoreTest, MajorityIsRejectedAsSoonAsHalfSayNo) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3", "a4"});
  ASSERT_TRUE(vote(id, "a1", false));
  EXPECT_EQ(outcome(id), Outcome::PENDING);
  auto second = vote(id, "a2", false);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->outcome, Outcome::REJECTED) << "3 of 4 is no longer reachable";
}

TEST_F(ConsensusCoreTest, MajorityOfATieIsRejectedOnceTheTieIsCertain) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2"});
  ASSERT_TRUE(vote(id, "a1", true));
  EXPECT_EQ(outcome(id), Outcome::PENDING);
  ASSERT_TRUE(vote(id, "a2", false));
  EXPECT_EQ(outcome(id), Outcome::REJECTED);
}

// ---- UNANIMOUS --------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, UnanimousNeedsEveryVoterAndOneNoRejects) {
  auto yes = propose(ConsensusType::UNANIMOUS, {"a1", "a2", "a3"});
  ASSERT_TRUE(vote(yes, "a1", true));
  ASSERT_TRUE(vote(yes, "a2", true));
  EXPECT_EQ(outcome(yes), Outcome::PENDING);
  ASSERT_TRUE(vote(yes, "a3", true));
  EXPECT_EQ(outcome(yes), Outcome::APPROVED);

  auto no = propose(ConsensusType::UNANIMOUS, {"a1", "a2", "a3"});
  ASSERT_TRUE(vote(no, "a1", true));
  ASSERT_TRUE(vote(no, "a2", false));
  EXPECT_EQ(outcome(no), Outcome::REJECTED) << "the first no decides";
}

// ---- WEIGHTED ---------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, WeightedCountsWeightNotHeads) {
  auto id = propose(proposal(ConsensusType::WEIGHTED, {voter("big", 5), voter("s1", 1), voter("s2", 1), voter("s3", 1)}));
  ASSERT_TRUE(vote(id, "s1", true));
  ASSERT_TRUE(vote(id, "s2", true));
  ASSERT_TRUE(vote(id, "s3", true));
  EXPECT_EQ(outcome(id), Outcome::PENDING) << "3 of 8 weight";
  ASSERT_TRUE(vote(id, "big", true));
  EXPECT_EQ(outcome(id), Outcome::APPROVED);
  EXPECT_DOUBLE_EQ(core.proposal(id)->tally.yes_weight, 8.0);
}

TEST_F(ConsensusCoreTest, WeightedIsRejectedWhenTheNoWeightMakesMoreThanHalfUnreachable) {
  auto id = propose(proposal(ConsensusType::WEIGHTED, {voter("big", 5), voter("s1", 1), voter("s2", 1), voter("s3", 1)}));
  auto r = vote(id, "big", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::REJECTED) << "3 of 8 at most remains";
}

TEST_F(ConsensusCoreTest, WeightedExactlyHalfIsNotApproved) {
  auto id = propose(proposal(ConsensusType::WEIGHTED, {voter("a", 2.5), voter("b", 2.5)}));
  ASSERT_TRUE(vote(id, "a", true));
  EXPECT_EQ(outcome(id), Outcome::PENDING);
  ASSERT_TRUE(vote(id, "b", false));
  EXPECT_EQ(outcome(id), Outcome::REJECTED);
}

// ---- PBFT -------------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, PbftOfFourIsApprovedOnThreeSignedYes) {
  auto id = propose(ConsensusType::PBFT, {"a1", "a2", "a3", "a4"});  // f = 1, quorum 3
  ASSERT_TRUE(vote(id, "a1", true));
  ASSERT_TRUE(vote(id, "a2", false));
  ASSERT_TRUE(vote(id, "a3", true));
  EXPECT_EQ(outcome(id), Outcome::PENDING);
  ASSERT_TRUE(vote(id, "a4", true));
  EXPECT_EQ(outcome(id), Outcome::APPROVED);
  EXPECT_EQ(core.proposal(id)->tally.quorum, 3);
}

TEST_F(ConsensusCoreTest, PbftIsRejectedWhenTheQuorumIsOutOfReach) {
  auto id = propose(ConsensusType::PBFT, {"a1", "a2", "a3", "a4", "a5", "a6", "a7"});  // f = 2, quorum 5
  ASSERT_TRUE(vote(id, "a1", false));
  ASSERT_TRUE(vote(id, "a2", false));
  EXPECT_EQ(outcome(id), Outcome::PENDING) << "5 of the other 5 could still say yes";
  ASSERT_TRUE(vote(id, "a3", false));
  EXPECT_EQ(outcome(id), Outcome::REJECTED);
}

TEST_F(ConsensusCoreTest, PbftAgentThatSignsBothWaysIsReportedFaultyAndItsVotesDiscarded) {
  auto id = propose(ConsensusType::PBFT, {"a1", "a2", "a3", "a4"});
  ASSERT_TRUE(vote(id, "a1", true));
  ASSERT_TRUE(vote(id, "a2", true));
  core.take_events();
  auto twice = vote(id, "a1", false);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_NE(twice.error().message.find("faulty"), std::string::npos) << twice.error().message;
  auto p = core.proposal(id);
  EXPECT_EQ(p->faulty, std::vector<std::string>{"a1"});
  EXPECT_EQ(p->tally.yes, 1) << "a1's yes is discarded";
  EXPECT_EQ(p->tally.faulty, 1);
  auto events = core.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, "proposal.faulty");
  EXPECT_EQ(events[0].data["agent_id"], "a1");

  // Its later votes, either way, are refused; the others decide without it.
  EXPECT_EQ(vote(id, "a1", true).error().code, ErrorCode::PERMISSION_DENIED);
  ASSERT_TRUE(vote(id, "a3", true));
  EXPECT_EQ(outcome(id), Outcome::PENDING) << "2 yes of quorum 3";
  ASSERT_TRUE(vote(id, "a4", true));
  EXPECT_EQ(outcome(id), Outcome::APPROVED);
}

TEST_F(ConsensusCoreTest, PbftEquivocationCanMakeRejectionCertain) {
  auto id = propose(ConsensusType::PBFT, {"a1", "a2", "a3", "a4"});  // quorum 3
  ASSERT_TRUE(vote(id, "a1", false));
  ASSERT_TRUE(vote(id, "a2", true));
  EXPECT_FALSE(vote(id, "a2", false));  // a2 is faulty: 0 yes + at most a3, a4 = 2 < quorum 3
  EXPECT_EQ(outcome(id), Outcome::REJECTED);
}

// ---- RAFT -------------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, RaftProposalIsApprovedWhenItIsAppliedAndTakesNoVotes) {
  auto r = apply(command(CommandKind::PROPOSE, proposal(ConsensusType::RAFT, {}).to_body()));
  ASSERT_TRUE(r);
  auto ok = ProposeOk::from_body(r->value());
  EXPECT_EQ(ok->outcome, Outcome::APPROVED);
  auto p = core.proposal(ok->proposal_id);
  EXPECT_EQ(p->decided_ms, p->created_ms);
  auto v = vote(Vote{ok->proposal_id, "a1", true, std::string(128, '0')});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::FAILED_PRECONDITION);
}

// ---- Expiry -----------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, PendingProposalExpiresAtItsDeadlineOnTheNextCommand) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"}, 5'000);
  ASSERT_TRUE(vote(id, "a1", true));
  clock.advance(4'999);
  tick();
  EXPECT_EQ(outcome(id), Outcome::PENDING);
  EXPECT_EQ(core.next_deadline_ms(), core.proposal(id)->deadline_ms);
  clock.advance(1);
  tick();
  EXPECT_EQ(outcome(id), Outcome::EXPIRED);
  EXPECT_EQ(core.proposal(id)->decided_ms, core.proposal(id)->deadline_ms);
  EXPECT_EQ(core.next_deadline_ms(), INT64_MAX);
  EXPECT_EQ(core.take_decided(), std::vector<std::string>{id});
}

TEST_F(ConsensusCoreTest, AVoteStampedAfterTheDeadlineFindsTheProposalExpired) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"}, 1'000);
  ASSERT_TRUE(vote(id, "a1", true));
  clock.advance(1'000);
  auto late = vote(id, "a2", true);  // would have approved
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_EQ(outcome(id), Outcome::EXPIRED);
}

TEST_F(ConsensusCoreTest, DecidedProposalDoesNotExpire) {
  auto id = propose(ConsensusType::MAJORITY, {"a1"}, 1'000);
  ASSERT_TRUE(vote(id, "a1", true));
  clock.advance(10'000);
  tick();
  EXPECT_EQ(outcome(id), Outcome::APPROVED);
}

TEST_F(ConsensusCoreTest, TimeNeverGoesBackWhenALaterLeaderStampsAnEarlierTime) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2"}, 1'000);
  clock.advance(2'000);
  tick();
  EXPECT_EQ(outcome(id), Outcome::EXPIRED);
  auto before = core.now_ms();
  apply(Command{CommandKind::TICK, before - 5'000, "", "", 0});
  EXPECT_EQ(core.now_ms(), before);
}

// ---- Vote validation --------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, RepeatedIdenticalVoteIsHarmlessEvenAfterTheDecision) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"});
  ASSERT_TRUE(vote(id, "a1", true));
  auto again = vote(id, "a1", true);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(core.proposal(id)->tally.yes, 1);
  ASSERT_TRUE(vote(id, "a2", true));
  auto after = vote(id, "a2", true);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->duplicate);
  EXPECT_EQ(after->outcome, Outcome::APPROVED);
}

TEST_F(ConsensusCoreTest, ChangedVoteIsRefusedAndTheFirstStands) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"});
  ASSERT_TRUE(vote(id, "a1", true));
  auto changed = vote(id, "a1", false);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_EQ(core.proposal(id)->tally.yes, 1);
  EXPECT_EQ(core.proposal(id)->tally.no, 0);
  EXPECT_TRUE(core.proposal(id)->faulty.empty()) << "only PBFT reports faulty agents";
}

TEST_F(ConsensusCoreTest, NewVoteOnADecidedProposalIsRefused) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"});
  ASSERT_TRUE(vote(id, "a1", true));
  ASSERT_TRUE(vote(id, "a2", true));
  auto late = vote(id, "a3", false);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::FAILED_PRECONDITION);
  EXPECT_EQ(core.proposal(id)->votes.size(), 2u);
}

TEST_F(ConsensusCoreTest, IneligibleVoterIsRefused) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2"});
  auto r = vote(id, "intruder", true);  // validly signed with its own key, but not a voter
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_TRUE(core.proposal(id)->votes.empty());
}

TEST_F(ConsensusCoreTest, BadSignatureIsRefusedAndChangesNothing) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2"});
  Vote forged = signed_vote(id, "a2", true);  // a2's signature...
  forged.agent_id = "a1";                     // ...claimed as a1's
  auto r = vote(forged);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_NE(r.error().message.find("bad signature"), std::string::npos);

  Vote flipped = signed_vote(id, "a1", true);
  flipped.yes = false;  // the signature was over "yes"
  EXPECT_EQ(vote(flipped).error().code, ErrorCode::PERMISSION_DENIED);

  Vote other = signed_vote("p99", "a1", true);
  other.proposal_id = id;  // a signature for another proposal does not carry over
  EXPECT_EQ(vote(other).error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_TRUE(core.proposal(id)->votes.empty());
  EXPECT_EQ(core.precheck_vote(forged).error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_TRUE(core.precheck_vote(signed_vote(id, "a1", true)).ok());
}

TEST_F(ConsensusCoreTest, AVoteSignedOverOtherContentOrForAnotherClusterIsRefused) {
  Propose p = proposal(ConsensusType::MAJORITY, {voter("a1"), voter("a2")});
  p.data = {{"release", "1.2.3"}};
  auto id = propose(p);
  auto view = core.proposal(id);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->cluster_id, "orion");
  EXPECT_EQ(view->content_digest, consensus::proposal_digest(p.proposer, p.type, p.capability, p.consensus_type, p.data));
  auto signed_over = [&](ProposalView seen) {
    return Vote{id, "a1", true, sign_vote(keys("a1").secret_key, vote_subject(seen, "a1"), true)};
  };
  ProposalView other_data = *view;
  other_data.data = {{"release", "6.6.6"}};  // what a forged proposal.created showed
  auto r = vote(signed_over(other_data));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::PERMISSION_DENIED);
  ProposalView other_type = *view;
  other_type.consensus_type = ConsensusType::RAFT;
  EXPECT_EQ(vote(signed_over(other_type)).error().code, ErrorCode::PERMISSION_DENIED);
  ProposalView other_cluster = *view;
  other_cluster.cluster_id = "staging";
  EXPECT_EQ(vote(signed_over(other_cluster)).error().code, ErrorCode::PERMISSION_DENIED);
  EXPECT_TRUE(core.proposal(id)->votes.empty());
  ASSERT_TRUE(vote(signed_over(*view)));

  // A core of another cluster refuses a vote signed for this one.
  ConsensusCore staging;
  staging.set_cluster_id("staging");
  ASSERT_TRUE(staging.apply(command(CommandKind::PROPOSE, p.to_body())));
  auto moved = staging.precheck_vote(signed_over(*view));
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, ErrorCode::PERMISSION_DENIED);
}

TEST_F(ConsensusCoreTest, ASignatureCheckedWhenAppendedIsNotVerifiedAgainButTheRestIs) {
  auto id = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"});
  // The service sets signature_checked only after precheck_vote passed; here the flag is set on
  // a forged vote to show that apply() trusts it (and only it): one verification per vote.
  Vote forged = signed_vote(id, "a2", true);
  forged.agent_id = "a1";
  Command c = command(CommandKind::VOTE, forged.to_body());
  c.signature_checked = true;
  ASSERT_TRUE(apply(c)) << "the appending replica's verdict stands";
  EXPECT_EQ(core.proposal(id)->votes.size(), 1u);
  // Everything else is still checked: eligibility, and a changed vote.
  Vote outsider = signed_vote(id, "zz", true);
  Command o = command(CommandKind::VOTE, outsider.to_body());
  o.signature_checked = true;
  EXPECT_EQ(apply(o).error().code, ErrorCode::PERMISSION_DENIED);
  Command changed = command(CommandKind::VOTE, signed_vote(id, "a1", false).to_body());
  changed.signature_checked = true;
  EXPECT_EQ(apply(changed).error().code, ErrorCode::FAILED_PRECONDITION);
  // The flag survives the log's encoding; a command without it (as in older logs) is verified.
  auto back = decode_command(encode_command(c));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->signature_checked);
  Command plain = command(CommandKind::VOTE, forged.to_body());
  EXPECT_FALSE(decode_command(encode_command(plain))->signature_checked);
  EXPECT_EQ(apply(plain).error().code, ErrorCode::PERMISSION_DENIED) << "without the flag it is verified";
}

TEST_F(ConsensusCoreTest, VoteOnAnUnknownProposalIsNotFound) {
  EXPECT_EQ(vote("p42", "a1", true).error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(vote("nonsense", "a1", true).error().code, ErrorCode::NOT_FOUND);
  EXPECT_EQ(core.proposal("p0").error().code, ErrorCode::NOT_FOUND);
}

// ---- Proposals --------------------------------------------------------------------------------

TEST_F(ConsensusCoreTest, ProposeWithASeenRequestIdReturnsTheFirstProposal) {
  auto p = proposal(ConsensusType::MAJORITY, {voter("a1")});
  auto first = apply(command(CommandKind::PROPOSE, p.to_body(), "req-1"));
  auto again = apply(command(CommandKind::PROPOSE, p.to_body(), "req-1"));
  ASSERT_TRUE(first && again);
  EXPECT_EQ(ProposeOk::from_body(again->value())->proposal_id, "p1");
  EXPECT_TRUE(ProposeOk::from_body(again->value())->duplicate);
  EXPECT_EQ(core.proposal_count(), 1u);
}

TEST_F(ConsensusCoreTest, InvalidProposalIsRefusedAndUsesNoId) {
  auto p = proposal(ConsensusType::MAJORITY, {});
  auto r = apply(command(CommandKind::PROPOSE, p.to_body()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(propose(ConsensusType::MAJORITY, {"a1"}), "p1");
}

TEST_F(ConsensusCoreTest, EventsNameTheCapabilityInTheTopic) {
  auto id = propose(ConsensusType::MAJORITY, {"a1"});
  ASSERT_TRUE(vote(id, "a1", true));
  auto events = core.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].topic, "proposal.created.gpu");
  EXPECT_EQ(events[0].data["proposal_id"], id);
  EXPECT_EQ(events[0].data["voters"], Json::array({"a1"}));
  EXPECT_EQ(events[1].topic, "proposal.decided.gpu");
  EXPECT_EQ(events[1].data["outcome"], "APPROVED");
  auto p = proposal(ConsensusType::RAFT, {});
  p.capability = "";
  propose(p);
  events = core.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].topic, "proposal.created");
}

// ---- Leases through the log -------------------------------------------------------------------

TEST_F(ConsensusCoreTest, LeasesAreGrantedRenewedAndReleasedInLogTime) {
  auto acquire = [&](const std::string& holder) {
    auto r = apply(command(CommandKind::ACQUIRE, LeaseRequest{"leader", holder, 1'000}.to_body()));
    return LeaseInfo::from_body(r->value());
  };
  auto a = acquire("s1");
  EXPECT_TRUE(a->granted);
  EXPECT_EQ(a->lease.token, 1);
  EXPECT_FALSE(acquire("s2")->granted);
  clock.advance(900);
  auto renew = apply(command(CommandKind::RENEW, LeaseRequest{"leader", "s1", 1'000}.to_body()));
  ASSERT_TRUE(renew);
  clock.advance(900);
  EXPECT_FALSE(acquire("s2")->granted) << "renewed at 900 until 1900";
  clock.advance(100);
  auto taken = acquire("s2");
  EXPECT_TRUE(taken->granted) << "expired at 1900";
  EXPECT_EQ(taken->lease.token, 2);
  auto stale = apply(command(CommandKind::RENEW, LeaseRequest{"leader", "s1", 1'000}.to_body()));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::FAILED_PRECONDITION);
  auto rel = apply(command(CommandKind::RELEASE, ReleaseLease{"leader", "s2"}.to_body()));
  EXPECT_TRUE(LeaseInfo::from_body(rel->value())->granted);
  EXPECT_EQ(core.lease("leader", clock.wall_ms()).holder, "");
}

// ---- Determinism ------------------------------------------------------------------------------

// A mixed history: every type, a duplicate, a changed vote, an equivocation, an expiry, leases.
class DeterminismTest : public CoreFixture {
 protected:
  void history() {
    auto m = propose(ConsensusType::MAJORITY, {"a1", "a2", "a3"});
    auto u = propose(ConsensusType::UNANIMOUS, {"a1", "a2"});
    auto w = propose(proposal(ConsensusType::WEIGHTED, {voter("a1", 0.1), voter("a2", 0.2), voter("a3", 0.3)}));
    auto b = propose(ConsensusType::PBFT, {"a1", "a2", "a3", "a4"});
    auto e = propose(ConsensusType::MAJORITY, {"a1", "a2"}, 500);
    propose(proposal(ConsensusType::RAFT, {}));
    vote(m, "a1", true);
    clock.advance(10);
    vote(m, "a1", true);
    vote(m, "a1", false);
    vote(u, "a2", true);
    vote(w, "a3", true);
    vote(w, "a1", true);
    vote(b, "a1", true);
    vote(b, "a1", false);
    vote(b, "a2", true);
    apply(command(CommandKind::ACQUIRE, LeaseRequest{"l1", "h1", 300}.to_body()));
    clock.advance(600);
    apply(command(CommandKind::ACQUIRE, LeaseRequest{"l1", "h2", 300}.to_body()));
    apply(command(CommandKind::ACQUIRE, LeaseRequest{"l2", "h1", 300}.to_body()));
    vote(e, "a1", true);
    vote(m, "a2", false);
    vote(m, "a3", true);
    apply(command(CommandKind::HELLO, {{"replica", "2"}, {"client", "tcp://127.0.0.1:7300"}}));
    tick();
  }
};

TEST_F(DeterminismTest, ReplayingTheSameLogGivesTheSameStateAndReplies) {
  history();
  ConsensusCore replay;
  for (const auto& c : log) replay.apply(c);
  EXPECT_EQ(replay.snapshot(), core.snapshot());
  EXPECT_EQ(replay.check_invariants(), "");
  EXPECT_EQ(core.proposal("p2")->outcome, Outcome::PENDING);
  EXPECT_EQ(core.proposal("p5")->outcome, Outcome::EXPIRED);
  EXPECT_EQ(core.replica_client("2"), "tcp://127.0.0.1:7300");

  // Replies too: each command's reply, replayed, is byte for byte the same.
  ConsensusCore again;
  ConsensusCore other;
  for (const auto& c : log) {
    auto a = again.apply(c);
    auto b = other.apply(c);
    ASSERT_EQ(a.ok(), b.ok());
    if (a) EXPECT_EQ(encode_value(a->value()), encode_value(b->value()));
    else EXPECT_EQ(a.error().to_string(), b.error().to_string());
  }
}

TEST_F(DeterminismTest, WithEventsOffTheStateAndRepliesAreTheSameAndNoEventIsBuilt) {
  history();
  ConsensusCore quiet, loud;
  quiet.set_events(false);
  for (const auto& c : log) {
    auto a = quiet.apply(c);
    auto b = loud.apply(c);
    ASSERT_EQ(a.ok(), b.ok());
    if (a) {
      EXPECT_EQ(encode_value(a->value()), encode_value(b->value()));
    }
  }
  EXPECT_EQ(quiet.snapshot(), loud.snapshot());
  EXPECT_TRUE(quiet.take_events().empty());
  EXPECT_FALSE(loud.take_events().empty());
  EXPECT_EQ(quiet.take_decided(), loud.take_decided()) << "waiters are still answered";
}

TEST_F(DeterminismTest, ACommandWithItsBodyReadAlreadyAppliesAsItsBytesDo) {
  history();
  ConsensusCore read_again, pre_read;
  for (const auto& c : log) {
    Command p = c;  // what the leader keeps of its own commands: the body read, the bytes gone
    if (c.kind == CommandKind::PROPOSE) {
      if (auto m = Propose::from_packed(c.body)) p.propose = std::make_shared<Propose>(*m);
    }
    if (c.kind == CommandKind::VOTE) {
      if (auto m = Vote::from_packed(c.body)) p.vote = std::make_shared<Vote>(*m);
    }
    if (p.propose || p.vote) p.body.clear();
    auto a = read_again.apply(c);
    auto b = pre_read.apply(p);
    ASSERT_EQ(a.ok(), b.ok());
    if (a) {
      EXPECT_EQ(encode_value(a->value()), encode_value(b->value()));
    } else {
      EXPECT_EQ(a.error().to_string(), b.error().to_string());
    }
  }
  EXPECT_EQ(read_again.snapshot(), pre_read.snapshot());
}

TEST_F(DeterminismTest, ACommandKeepsItsBodyBytesThroughTheLogAndABadBodyIsRefused) {
  history();
  for (const auto& c : log) {
    auto back = decode_command(encode_command(c));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*decode_value(back->body.data(), back->body.size()), *decode_value(c.body.data(), c.body.size()));
  }
  // A command whose body is not a map, or that is not a map at all: MALFORMED, nothing applied.
  Json bad = {{"k", 2}, {"t", 1}, {"b", 5}};
  auto r = decode_command(encode_value(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(decode_command(encode_value(Json::array())).error().code, ErrorCode::MALFORMED);
  EXPECT_EQ(decode_command(encode_value(Json{{"k", 9}, {"t", 1}})).error().code, ErrorCode::MALFORMED);
  // No body at all is an empty map: a PROPOSE without one is refused by the state machine.
  auto bare = decode_command(encode_value(Json{{"k", 1}, {"t", 1}}));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(core.apply(*bare).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST_F(DeterminismTest, RecordsAndSnapshotsRestoreTheSameState) {
  history();
  // Records, as the SQLite Log keeps them: the last record per key wins.
  ConsensusCore fresh;
  std::map<std::uint64_t, std::string> records;
  for (const auto& c : log) {
    fresh.apply(c);
    fresh.drain_dirty([&](std::uint64_t k, std::string r) { records[k] = std::move(r); });
  }
  ConsensusCore restored;
  for (const auto& [k, r] : records) ASSERT_TRUE(restored.restore_record(k, r).ok());
  restored.finish_restore();
  EXPECT_EQ(restored.snapshot(), core.snapshot());
  EXPECT_EQ(restored.check_invariants(), "");

  ConsensusCore from_snapshot;
  ASSERT_TRUE(from_snapshot.restore_snapshot(core.snapshot()).ok());
  EXPECT_EQ(from_snapshot.snapshot(), core.snapshot());

  // And both go on exactly like the original.
  auto next = command(CommandKind::VOTE, signed_vote("p1", "a2", true).to_body());
  auto a = core.apply(next);
  auto b = from_snapshot.apply(next);
  EXPECT_EQ(a.ok(), b.ok());
  EXPECT_EQ(core.snapshot(), from_snapshot.snapshot());
}

TEST_F(DeterminismTest, AProposalRecordIsItsViewAsJsonWithNumberAndRequestId) {
  history();  // votes, a faulty agent, weights, expiry: every field has a value somewhere
  std::map<std::uint64_t, std::string> records;
  ConsensusCore fresh;
  for (const auto& c : log) {
    fresh.apply(c);
    fresh.drain_dirty([&](std::uint64_t k, std::string r) { records[k] = std::move(r); });
  }
  int checked = 0;
  for (const auto& [key, record] : records) {
    if (key == kMetaKey || key >= kLeaseKeyBase) continue;
    auto view = fresh.proposal("p" + std::to_string(key));
    ASSERT_TRUE(view);
    Json expected = view->to_json();
    // Derived, not stored: the cluster is configuration, the digest is of the content.
    expected.erase("cluster_id");
    expected.erase("content_digest");
    expected["number"] = key;
    expected["request_id"] = "";
    auto decoded = decode_value(record.data(), record.size());
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, expected) << "p" << key;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST_F(DeterminismTest, AStateLargerThanOneMessageRestoresFromItsSnapshot) {
  // 6 proposals with 3 MiB of data each: an 18 MiB snapshot, over the 16 MiB a message may have
  // (a replica whose state outgrew it could not restore its own snapshot, and stopped).
  Propose p = proposal(ConsensusType::MAJORITY, {voter("a1")});
  p.data = std::string(3u << 20, 'x');
  for (int i = 0; i < 6; ++i) propose(p);
  const std::string snap = core.snapshot();
  ASSERT_GT(snap.size(), default_limits().max_bytes);
  ConsensusCore restored;
  auto s = restored.restore_snapshot(snap);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(restored.proposal_count(), 6u);
  EXPECT_EQ(restored.snapshot(), snap);
}

TEST_F(DeterminismTest, ACorruptSnapshotIsRefused) {
  EXPECT_FALSE(core.restore_snapshot("not msgpack at all").ok());
  EXPECT_FALSE(core.restore_snapshot(encode_value(Json{{"records", {{1, "x"}}}})).ok());
}

}  // namespace
}  // namespace orion::consensus::testing
