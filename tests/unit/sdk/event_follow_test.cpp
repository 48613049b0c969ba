// What `orionctl watch` prints from the bus and a publisher's history: each event once, gaps
// filled, a replay from a point, and what the history no longer holds said plainly. The history
// is a real EventHistory; only the request to it is a function call.
#include "sdk/cpp/event_follow.h"

#include <gtest/gtest.h>

#include "common/codec.h"
#include "common/event_history.h"

namespace orion::sdk {
namespace {

const std::string kData = encode_value(Json{{"task_id", "t1"}});

struct Publisher {
  EventHistory history;
  std::uint64_t epoch = 7, seq = 0;
  int requests = 0;
  // Records the next event and returns it as heard on the bus.
  Event publish(const std::string& topic) {
    auto body = history.record(topic, "scheduler", epoch, ++seq, 1000, kData);
    return *Event::from_body(*decode_value(body.data(), body.size()));
  }
  EventFollow::Fetch fetch() {
    return [this](const EventHistoryRequest& q) -> Result<EventHistoryOk> {
      ++requests;
      return history.page(q);
    };
  }
};

std::vector<std::uint64_t> printed(const std::vector<EventFollow::Out>& out) {
  std::vector<std::uint64_t> seqs;
  for (const auto& o : out) {
    if (!o.is_note) seqs.push_back(o.event.seq);
  }
  return seqs;
}

TEST(EventFollow, EventsHeardInOrderArePrintedWithoutAskingTheHistory) {
  Publisher p;
  EventFollow f({}, {{"scheduler", p.fetch()}});
  std::vector<EventFollow::Out> out;
  for (int i = 0; i < 5; ++i) f.heard(p.publish("task.completed"), out);
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(f.wants_fill());
  EXPECT_EQ(p.requests, 0);
}

TEST(EventFollow, AGapOnTheBusIsFilledFromTheHistoryEachEventOnce) {
  Publisher p;
  EventFollow f({}, {{"scheduler", p.fetch()}});
  std::vector<EventFollow::Out> out;
  f.heard(p.publish("task.submitted"), out);
  p.publish("task.assigned");   // lost on the bus
  p.publish("task.running");    // lost
  auto late = p.publish("task.completed");
  f.heard(late, out);
  ASSERT_TRUE(f.wants_fill());
  f.fill(out);
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{1, 4, 2, 3}));
  EXPECT_FALSE(f.wants_fill());
  f.heard(late, out);  // its copy from a second bus
  f.heard(p.publish("task.submitted"), out);
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{1, 4, 2, 3, 5}));
}

TEST(EventFollow, ReplayFromAPointThenTheBusWithoutDuplicates) {
  Publisher p;
  for (int i = 0; i < 10; ++i) p.publish("task.completed");
  EventFollow f({}, {{"scheduler", p.fetch()}});
  std::vector<EventFollow::Out> out;
  ASSERT_TRUE(f.since("scheduler", 7, 6, out).ok());
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  auto eleventh = p.publish("task.completed");
  f.heard(Event(eleventh), out);
  f.heard(Event(eleventh), out);
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{7, 8, 9, 10, 11}));
  EXPECT_EQ(f.cursor("scheduler"), (std::pair<std::uint64_t, std::uint64_t>{7, 11}));
}

TEST(EventFollow, AnEventTheHistoryPrintedIsNotPrintedAgainWhenItsBusCopyArrives) {
  Publisher p;
  EventFollow f({}, {{"scheduler", p.fetch()}});
  std::vector<EventFollow::Out> out;
  f.heard(p.publish("a"), out);
  p.publish("b");
  auto third = p.publish("c");
  auto fourth = p.publish("d");
  f.heard(fourth, out);  // 2 and 3 still on the way
  f.fill(out);           // prints 2 and 3 from the history
  f.heard(third, out);   // arrives late: printed already
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{1, 4, 2, 3}));
}

TEST(EventFollow, WhatTheHistoryNoLongerHoldsIsSaid) {
  Publisher p;
  p.history.set_bounds({5, 3'600'000});
  for (int i = 0; i < 20; ++i) p.publish("task.completed");
  EventFollow f({}, {{"scheduler", p.fetch()}});
  std::vector<EventFollow::Out> out;
  ASSERT_TRUE(f.since("scheduler", 7, 3, out).ok());
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(out[0].is_note);
  EXPECT_NE(out[0].note.find("missed: 12 events of scheduler"), std::string::npos) << out[0].note;
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{16, 17, 18, 19, 20}));
}

TEST(EventFollow, WithTopicsOnlyMatchingEventsAreFilled) {
  Publisher p;
  EventFollow f({"task."}, {{"scheduler", p.fetch()}});
  std::vector<EventFollow::Out> out;
  f.heard(p.publish("task.submitted"), out);
  p.publish("workflow.step");  // not subscribed: a gap in seq
  p.publish("task.assigned");  // lost
  f.heard(p.publish("task.completed"), out);
  f.fill(out);
  std::vector<std::string> topics;
  for (const auto& o : out) topics.push_back(o.event.topic);
  EXPECT_EQ(topics, (std::vector<std::string>{"task.submitted", "task.completed", "task.assigned"}));
}

TEST(EventFollow, AHistoryThatDoesNotAnswerKeepsTheGapForLater) {
  Publisher p;
  bool down = true;
  EventFollow::Fetch flaky = [&](const EventHistoryRequest& q) -> Result<EventHistoryOk> {
    if (down) return Error{ErrorCode::UNAVAILABLE, "no reply"};
    return p.history.page(q);
  };
  EventFollow f({}, {{"scheduler", flaky}});
  std::vector<EventFollow::Out> out;
  f.heard(p.publish("a"), out);
  p.publish("b");
  f.heard(p.publish("c"), out);
  f.fill(out);
  EXPECT_TRUE(f.wants_fill());
  down = false;
  f.fill(out);
  EXPECT_FALSE(f.wants_fill());
  EXPECT_EQ(printed(out), (std::vector<std::uint64_t>{1, 3, 2}));
}

TEST(EventFollow, PublishersWithoutAHistoryPrintAsHeardWithANoteOnAGap) {
  EventFollow f({}, {});
  std::vector<EventFollow::Out> out;
  Event e;
  e.topic = "agent.down";
  e.publisher = "registry";
  e.epoch = 3;
  e.seq = 1;
  f.heard(e, out);
  e.seq = 4;
  f.heard(e, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[1].is_note);
  EXPECT_EQ(out[1].note, "gap: missed 2 events from registry");
  EXPECT_FALSE(f.since("registry", 0, 0, out).ok());
}

}  // namespace
}  // namespace orion::sdk
