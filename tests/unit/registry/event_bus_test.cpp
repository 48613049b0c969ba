// The event bus forwarder in-process, on real tcp sockets: it forwards, it survives the two
// messages that stopped zmq::proxy_steerable for good, and it counts what it drops.
#include "services/registry/event_bus.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/wait_until.h"

#include "common/sockets.h"

namespace orion::registry {
namespace {

using namespace std::chrono_literals;

template <class Pred>
bool eventually(Pred pred) {
  return testing::wait_until(pred, 10'000);
}

// Publishes "topic/payload" every few ms until the subscriber hears one (a SUB's subscription
// takes a moment to reach the publisher through the bus: the slow joiner).
bool heard_through(zmq::socket_t& pub, zmq::socket_t& sub, const std::string& topic) {
  return eventually([&] {
    pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("payload"), zmq::send_flags::dontwait);
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, 20ms) <= 0) return false;
    zmq::message_t m;
    bool got = false;
    while (sub.recv(m, zmq::recv_flags::dontwait)) got |= m.to_string() == topic;
    return got;
  });
}

class EventBusTest : public ::testing::Test {
 protected:
  zmq::context_t ctx{1};
  EventBus bus{ctx, "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"};
  zmq::socket_t pub = make_socket(ctx, zmq::socket_type::pub);
  zmq::socket_t sub = make_socket(ctx, zmq::socket_type::sub);
  void SetUp() override {
    pub.connect(bus.pub_endpoint());
    sub.set(zmq::sockopt::subscribe, "t");
    sub.connect(bus.sub_endpoint());
  }
};

TEST_F(EventBusTest, ForwardsEventsToSubscribers) {
  ASSERT_TRUE(heard_through(pub, sub, "t.one"));
  // The bus counts an event after handing it on: the subscriber may hear it first.
  EXPECT_TRUE(eventually([&] { return bus.forwarded() >= 1u; }));
}

TEST_F(EventBusTest, SurvivesAMalformedSubscriptionMessageFromASubscriber) {
  ASSERT_TRUE(heard_through(pub, sub, "t.before"));
  // The attack: a subscription, then a two-frame message whose second frame is one.
  // The two reach the bus in two wake-ups: the publisher sees the subscription to "a" first.
  auto attacker = make_socket(ctx, zmq::socket_type::xsub);
  attacker.connect(bus.sub_endpoint());
  auto probe = make_socket(ctx, zmq::socket_type::xpub);
  probe.connect(bus.pub_endpoint());
  attacker.send(zmq::str_buffer("\x01" "a"), zmq::send_flags::none);
  ASSERT_TRUE(eventually([&] {
    zmq::message_t m;
    bool seen = false;
    while (probe.recv(m, zmq::recv_flags::dontwait)) seen |= m.to_string() == std::string("\x01" "a");
    return seen;
  }));
  attacker.send(zmq::str_buffer("x"), zmq::send_flags::sndmore);
  attacker.send(zmq::str_buffer("\x01" "a"), zmq::send_flags::none);
  ASSERT_TRUE(eventually([&] { return bus.dropped_subscriptions() >= 1; })) << "the two-frame message is dropped";
  EXPECT_TRUE(heard_through(pub, sub, "t.after")) << "an event published after the attack still arrives";
  // More garbage of every shape: empty, other first bytes, over-long prefixes.
  attacker.send(zmq::message_t(), zmq::send_flags::none);
  attacker.send(zmq::str_buffer("\x07zzz"), zmq::send_flags::none);
  const std::string too_long(1 + EventBus::kMaxPrefixBytes + 1, '\x01');
  attacker.send(zmq::buffer(too_long), zmq::send_flags::none);
  ASSERT_TRUE(eventually([&] { return bus.dropped_subscriptions() >= 4; }));
  EXPECT_TRUE(heard_through(pub, sub, "t.later"));
}

TEST_F(EventBusTest, StopsPromptlyAndTwice) {
  ASSERT_TRUE(heard_through(pub, sub, "t.x"));
  auto start = std::chrono::steady_clock::now();
  bus.stop();
  bus.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace orion::registry
