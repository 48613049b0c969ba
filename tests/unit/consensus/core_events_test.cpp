// The consensus core's events and their history (core_events.cpp; protocol.md section 16): the
// core numbers its events itself, so replicas applying the same log, and one restored from a
// snapshot or from its store, hold the same history and go on with the same numbering.
#include <gtest/gtest.h>

#include "common/codec.h"
#include "services/consensus/consensus_core.h"
#include "tests/unit/consensus/consensus_fixture.h"

namespace orion::consensus::testing {
namespace {

class CoreEventsTest : public CoreFixture {
 protected:
  static std::vector<Json> held(const ConsensusCore& c) {
    EventHistoryRequest q;
    q.limit = 1000;
    return c.history().page(q).events.get<std::vector<Json>>();
  }
  void decide_one() {
    auto id = propose(ConsensusType::UNANIMOUS, {"a1", "a2"});
    clock.advance(10);
    ASSERT_TRUE(vote(id, "a1", true));
    ASSERT_TRUE(vote(id, "a2", true));
  }
};

TEST_F(CoreEventsTest, EventsAreNumberedByTheStateAndPublishedAsRecorded) {
  decide_one();
  auto events = core.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].topic, "proposal.created.gpu");
  EXPECT_EQ(events[1].topic, "proposal.decided.gpu");
  auto h = held(core);
  ASSERT_EQ(h.size(), 2u);
  for (std::size_t i = 0; i < h.size(); ++i) {
    auto ev = Event::from_body(h[i]);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->publisher, "consensus");
    EXPECT_NE(ev->epoch, 0u);
    EXPECT_EQ(ev->seq, i + 1);
    EXPECT_EQ(ev->topic, events[i].topic);
    auto body = decode_value(events[i].body.data(), events[i].body.size());
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, h[i]) << "what is published is what the history holds";
  }
}

TEST_F(CoreEventsTest, AFollowerRecordsTheSameEventsWithoutBuildingThemForTheBus) {
  decide_one();
  ConsensusCore follower;
  follower.set_events(false);
  for (const auto& c : log) follower.apply(c);
  EXPECT_TRUE(follower.take_events().empty());
  EXPECT_EQ(held(follower), held(core));
}

TEST_F(CoreEventsTest, SnapshotsAndTheStoreKeepTheHistoryAndItsNumbering) {
  decide_one();
  ConsensusCore restored;
  ASSERT_TRUE(restored.restore_snapshot(core.snapshot()).ok());
  EXPECT_EQ(held(restored), held(core));
  std::map<std::uint64_t, std::string> store;
  core.drain_dirty([&](std::uint64_t key, std::string rec) {
    if (rec.empty()) store.erase(key);
    else store[key] = std::move(rec);
  });
  ConsensusCore reopened;
  for (const auto& [key, rec] : store) ASSERT_TRUE(reopened.restore_record(key, rec).ok());
  reopened.finish_restore();
  EXPECT_EQ(held(reopened), held(core));
  // Each goes on with seq 3 in the same epoch.
  decide_one();
  for (const auto& c : std::vector<Command>(log.end() - 3, log.end())) {
    restored.apply(c);
    reopened.apply(c);
  }
  auto next = held(reopened);
  ASSERT_EQ(next.size(), 4u);
  EXPECT_EQ(next[2].at("seq"), 3);
  EXPECT_EQ(next[2].at("epoch"), held(core)[0].at("epoch"));
  EXPECT_EQ(held(restored), held(core));
  EXPECT_EQ(next, held(core));
}

TEST_F(CoreEventsTest, RetentionAndPagesFromAPoint) {
  core.set_event_history({3, 3'600'000});
  decide_one();
  decide_one();
  auto h = held(core);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].at("seq"), 2);
  EventHistoryRequest q;
  q.epoch = h[0].at("epoch").get<std::int64_t>();
  q.seq = 3;
  auto page = core.history().page(q);
  EXPECT_TRUE(page.complete);
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_EQ(page.events[0].at("seq"), 4);
}

TEST_F(CoreEventsTest, OffTheReplicaNumbersAsBefore) {
  core.set_event_history({0, 1000});
  decide_one();
  auto events = core.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].body.empty()) << "the service numbers it when it publishes";
  EXPECT_TRUE(held(core).empty());
}

}  // namespace
}  // namespace orion::consensus::testing
