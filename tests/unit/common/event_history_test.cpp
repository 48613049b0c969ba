// The event history: pages after a point, retention by count and age, restarts (new epochs),
// topics, paging, storage round trips, and the answers when what was asked for is gone.
#include "common/event_history.h"

#include <gtest/gtest.h>

#include <map>

#include "common/codec.h"
#include "common/messages.h"

namespace orion {
namespace {

const std::string kData = encode_value(Json{{"task_id", "t1"}});

// Records `n` events of `epoch` with seqs from `first`, topics alternating task./workflow.
void record(EventHistory& h, std::uint64_t epoch, std::uint64_t first, int n, std::int64_t ts_ms = 1000) {
  for (int i = 0; i < n; ++i) {
    const std::uint64_t seq = first + static_cast<std::uint64_t>(i);
    h.record(seq % 2 ? "task.completed" : "workflow.step", "scheduler", epoch, seq, ts_ms, kData);
  }
}

EventHistoryRequest since(std::uint64_t epoch, std::uint64_t seq, std::int64_t limit = 1000) {
  EventHistoryRequest r;
  r.epoch = static_cast<std::int64_t>(epoch);
  r.seq = static_cast<std::int64_t>(seq);
  r.limit = limit;
  return r;
}

std::vector<std::uint64_t> seqs(const EventHistoryOk& page) {
  std::vector<std::uint64_t> out;
  for (const auto& e : page.events) out.push_back(e.at("seq").get<std::uint64_t>());
  return out;
}

TEST(EventHistory, AnswersTheEventsAfterTheLastOneTheClientHas) {
  EventHistory h;
  record(h, 7, 1, 10);
  auto page = h.page(since(7, 6));
  EXPECT_EQ(seqs(page), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_TRUE(page.complete);
  EXPECT_FALSE(page.more) << "the end";
  EXPECT_EQ(page.next_epoch, 7);
  EXPECT_EQ(page.next_seq, 10) << "the cursor: the last event looked at";
  EXPECT_EQ(page.events[0].at("topic"), "task.completed");
  EXPECT_EQ(page.events[0].at("publisher"), "scheduler");
  EXPECT_EQ(page.events[0].at("data").at("task_id"), "t1");
  EXPECT_TRUE(h.page(since(7, 10)).events.empty()) << "up to date";
  EXPECT_TRUE(h.page(since(7, 10)).complete);
  auto all = h.page(since(0, 0));
  EXPECT_EQ(all.events.size(), 10u);
  EXPECT_TRUE(all.complete) << "nothing was dropped yet";
  EXPECT_EQ(all.held, 10);
}

TEST(EventHistory, ARestartedPublishersNewEpochFollowsTheOld) {
  EventHistory h;
  record(h, 7, 1, 5);
  record(h, 9, 1, 3);  // the process restarted: a new epoch, numbering from 1
  auto page = h.page(since(7, 4));
  EXPECT_EQ(seqs(page), (std::vector<std::uint64_t>{5, 1, 2, 3}));
  EXPECT_EQ(page.events[1].at("epoch"), 9);
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(seqs(h.page(since(7, 5))), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(EventHistory, CountRetentionDropsTheOldestAndSaysWhatIsGone) {
  EventHistory h({5, 3'600'000});
  record(h, 7, 1, 12);
  EXPECT_EQ(h.size(), 5u);
  auto page = h.page(since(7, 3));
  EXPECT_EQ(seqs(page), (std::vector<std::uint64_t>{8, 9, 10, 11, 12}));
  EXPECT_FALSE(page.complete);
  EXPECT_EQ(page.missed, 4) << "4, 5, 6 and 7 are gone";
  EXPECT_TRUE(h.page(since(7, 7)).complete) << "8 is the next and it is held";
  auto unknown = h.page(since(3, 100));
  EXPECT_FALSE(unknown.complete) << "an epoch not held";
  EXPECT_EQ(unknown.missed, 0) << "not known";
  EXPECT_EQ(unknown.events.size(), 5u) << "from the oldest held";
  EXPECT_FALSE(h.page(since(0, 0)).complete) << "the first events are gone";
}

TEST(EventHistory, AgeRetentionCountsFromTheNewestEvent) {
  EventHistory h({1000, 10'000});
  record(h, 7, 1, 3, 1'000);
  record(h, 7, 4, 2, 5'000);
  EXPECT_EQ(h.size(), 5u);
  record(h, 7, 6, 1, 12'000);  // 1,000 is now older than 10 s before the newest
  EXPECT_EQ(seqs(h.page(since(0, 0))), (std::vector<std::uint64_t>{4, 5, 6}));
}

TEST(EventHistory, TopicsFilterAndPagesCoverEveryEventOnce) {
  EventHistory h;
  record(h, 7, 1, 100);
  std::vector<std::uint64_t> got;
  EventHistoryRequest r = since(7, 0, 7);
  r.topics = {"task."};
  for (int pages = 0; pages < 100; ++pages) {
    auto page = h.page(r);
    for (const auto& e : page.events) EXPECT_EQ(e.at("topic"), "task.completed");
    for (auto s : seqs(page)) got.push_back(s);
    if (!page.more) break;
    r.epoch = page.next_epoch;
    r.seq = page.next_seq;
  }
  ASSERT_EQ(got.size(), 50u);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], 2 * i + 1);
}

TEST(EventHistory, APageLooksAtABoundedNumberOfEvents) {
  EventHistory h;
  record(h, 7, 1, 200);
  EventHistoryRequest r = since(0, 0, 3);
  r.topics = {"agent."};  // matches nothing
  auto page = h.page(r);
  EXPECT_TRUE(page.events.empty());
  EXPECT_TRUE(page.more) << "more to look at";
  EXPECT_EQ(page.next_epoch, 7);
  EXPECT_EQ(page.next_seq, 30) << "10 x limit looked at";
}

TEST(EventHistory, AChunkATurnIsStoredAndReadsBackAsTheSameHistory) {
  EventHistory h({4, 3'600'000});
  std::map<std::uint64_t, std::string> store;
  auto put = [&](std::uint64_t key, std::string b) { store[key] = std::move(b); };
  auto erase = [&](std::uint64_t key) { store.erase(key); };
  record(h, 7, 1, 3);  // a turn: one chunk, positions 1..3
  h.drain(put, erase);
  EXPECT_EQ(store.size(), 1u);
  record(h, 7, 4, 3);  // another: 4..6; 1 and 2 leave the history, 3 is still held
  h.drain(put, erase);
  EXPECT_EQ(store.size(), 2u) << "a chunk stays while one of its events is held";
  record(h, 7, 7, 1);  // 3 leaves: its chunk is deleted
  h.drain(put, erase);
  ASSERT_EQ(store.size(), 2u);
  EXPECT_EQ(store.begin()->first, 4u);
  EventHistory again({4, 3'600'000});
  for (const auto& [key, bytes] : store) EXPECT_TRUE(again.hold(key, bytes));
  EXPECT_EQ(seqs(again.page(since(7, 3))), seqs(h.page(since(7, 3))));
  EXPECT_EQ(again.next_pos(), h.next_pos());
  EXPECT_FALSE(again.hold(99, "\x01\x02")) << "bytes that do not read are refused";
  again.forget(4);
  EXPECT_EQ(seqs(again.page(since(0, 0))), (std::vector<std::uint64_t>{7})) << "a follower applies the deletion";
}

TEST(EventHistory, ASnapshotOfTheChunksRestoresTheSameHistory) {
  EventHistory h({5, 3'600'000});
  std::map<std::uint64_t, std::string> store;
  auto put = [&](std::uint64_t key, std::string b) { store[key] = std::move(b); };
  auto erase = [&](std::uint64_t key) { store.erase(key); };
  for (std::uint64_t turn = 0; turn < 4; ++turn) {
    record(h, 7, 1 + 3 * turn, 3);
    h.drain(put, erase);
  }
  record(h, 7, 13, 1);  // not drained yet
  EventHistory restored({5, 3'600'000});
  h.each([&](std::uint64_t key, const std::string& bytes) { EXPECT_TRUE(restored.hold(key, bytes)); });
  EXPECT_EQ(seqs(restored.page(since(0, 0))), seqs(h.page(since(0, 0))));
  EXPECT_EQ(seqs(restored.page(since(0, 0))), (std::vector<std::uint64_t>{9, 10, 11, 12, 13}));
  // The leader's later deletion of a chunk reaches the restored one under the same key.
  std::uint64_t first_key = 0;
  h.each([&](std::uint64_t key, const std::string&) { first_key = first_key ? first_key : key; });
  restored.forget(first_key);
  EXPECT_EQ(seqs(restored.page(since(0, 0))), (std::vector<std::uint64_t>{10, 11, 12, 13}));
}

TEST(EventHistory, OffKeepsNothing) {
  EventHistory h({0, 1000});
  record(h, 7, 1, 3);
  EXPECT_EQ(h.size(), 0u);
  auto page = h.page(since(0, 0));
  EXPECT_FALSE(page.enabled);
  EXPECT_TRUE(page.events.empty());
}

TEST(EventHistory, RecordReturnsTheEventBodyAsPublished) {
  EventHistory h;
  auto body = h.record("task.submitted", "scheduler", 7, 1, 1234, kData);
  auto ev = Event::from_body(*decode_value(body.data(), body.size()));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->topic, "task.submitted");
  EXPECT_EQ(ev->epoch, 7u);
  EXPECT_EQ(ev->seq, 1u);
  EXPECT_EQ(ev->ts_ms, 1234);
}

}  // namespace
}  // namespace orion
