// Server-sent events fan-out: every client gets every message; a slow one is dropped alone.
#include "services/dashboard/sse_hub.h"

#include <thread>

#include <gtest/gtest.h>

namespace orion::dashboard {
namespace {

using std::chrono::milliseconds;

TEST(SseMessageTest, EachLineOfTheDataIsADataLine) {
  EXPECT_EQ(sse_message("orion", "{\"a\":1}"), "event: orion\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(sse_message("x", "one\ntwo"), "event: x\ndata: one\ndata: two\n\n");
}

TEST(SseHubTest, EveryClientGetsEveryMessageInOrder) {
  SseHub hub;
  auto a = hub.join(), b = hub.join();
  ASSERT_TRUE(a && b);
  hub.publish("1");
  hub.publish("2");
  EXPECT_EQ(hub.next(*a, milliseconds(0)), std::optional<std::string>("12"));
  EXPECT_EQ(hub.next(*b, milliseconds(0)), std::optional<std::string>("12"));
  EXPECT_EQ(hub.next(*a, milliseconds(0)), std::optional<std::string>(""));  // nothing yet: keep-alive
}

TEST(SseHubTest, AClientThatFallsBehindIsDroppedAndTheOthersGoOn) {
  SseHub hub;
  auto slow = hub.join(), fast = hub.join();
  for (std::size_t i = 0; i < SseHub::kMaxQueued; ++i) {
    hub.publish("m");
    if (i % 100 == 0) {
      ASSERT_TRUE(hub.next(*fast, milliseconds(0)));
    }
  }
  ASSERT_TRUE(hub.next(*fast, milliseconds(0)));
  hub.publish("over");  // slow's queue is full: it is dropped
  EXPECT_EQ(hub.next(*slow, milliseconds(0)), std::nullopt);
  EXPECT_EQ(hub.next(*fast, milliseconds(0)), std::optional<std::string>("over"));
  EXPECT_EQ(hub.dropped(), 1u);
  hub.leave(*slow);
  EXPECT_EQ(hub.clients(), 1u);
}

TEST(SseHubTest, RefusesClientsPastItsBound) {
  SseHub hub;
  for (std::size_t i = 0; i < SseHub::kMaxClients; ++i) ASSERT_TRUE(hub.join());
  EXPECT_EQ(hub.join(), std::nullopt);
}

TEST(SseHubTest, StopWakesAWaitingReaderAndEndsItsStream) {
  SseHub hub;
  auto id = hub.join();
  std::optional<std::string> got = std::string("unset");
  std::thread reader([&] { got = hub.next(*id, milliseconds(30'000)); });
  hub.stop();
  reader.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_EQ(hub.join(), std::nullopt);
}

TEST(SseHubTest, AReaderWaitingWakesForAMessage) {
  SseHub hub;
  auto id = hub.join();
  std::optional<std::string> got;
  std::thread reader([&] { got = hub.next(*id, milliseconds(30'000)); });
  hub.publish("hello");
  reader.join();
  EXPECT_EQ(got, std::optional<std::string>("hello"));
}

}  // namespace
}  // namespace orion::dashboard
