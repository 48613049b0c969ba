// common/subscriptions.h: the prefixes an XPUB publisher hears subscribed, matched as ZeroMQ
// matches them; the real subscription messages of a SUB behind an XSUB/XPUB pair included.
#include "common/subscriptions.h"

#include <gtest/gtest.h>

#include <zmq.hpp>

#include "common/sockets.h"

namespace orion {
namespace {

std::string sub(const std::string& prefix) { return std::string(1, '\x01') + prefix; }
std::string unsub(const std::string& prefix) { return std::string(1, '\x00') + prefix; }

TEST(Subscriptions, NobodyWantsAnythingUntilSomeoneSubscribes) {
  Subscriptions s;
  EXPECT_FALSE(s.any());
  EXPECT_FALSE(s.wants("proposal.decided.gpu"));
  s.on_message(sub("proposal.decided"));
  EXPECT_TRUE(s.any());
  EXPECT_TRUE(s.wants("proposal.decided.gpu"));
  EXPECT_TRUE(s.wants("proposal.decided"));
  EXPECT_FALSE(s.wants("proposal.created.gpu"));
  EXPECT_FALSE(s.wants("proposal"));
}

TEST(Subscriptions, TheEmptyPrefixWantsEverything) {
  Subscriptions s;
  s.on_message(sub(""));
  EXPECT_TRUE(s.wants("anything"));
}

TEST(Subscriptions, APrefixStaysUntilEachSubscriptionIsCancelled) {
  Subscriptions s;
  s.on_message(sub("a"));
  s.on_message(sub("a"));
  s.on_message(unsub("a"));
  EXPECT_TRUE(s.wants("ab"));
  s.on_message(unsub("a"));
  EXPECT_FALSE(s.any());
  s.on_message(unsub("never"));  // harmless
  EXPECT_FALSE(s.any());
}

TEST(Subscriptions, OtherMessagesAreIgnoredAndClearForgetsAll) {
  Subscriptions s;
  s.on_message("");
  s.on_message("\x02junk");
  EXPECT_FALSE(s.any());
  s.on_message(sub("x"));
  s.clear();
  EXPECT_FALSE(s.any());
}

TEST(Subscriptions, PastTheBoundEveryTopicCountsAsWanted) {
  Subscriptions s;
  for (std::size_t i = 0; i <= Subscriptions::kMaxPrefixes; ++i) s.on_message(sub("t" + std::to_string(i)));
  EXPECT_TRUE(s.wants("unrelated"));
  s.clear();
  EXPECT_FALSE(s.wants("unrelated"));
}

TEST(Subscriptions, ASubscriberBehindABusIsHeardByAnXpubPublisher) {
  zmq::context_t ctx;
  auto xsub = make_socket(ctx, zmq::socket_type::xsub);
  auto xpub = make_socket(ctx, zmq::socket_type::xpub);
  std::string bus_in = bind_socket(xsub, "tcp://127.0.0.1:*");
  std::string bus_out = bind_socket(xpub, "tcp://127.0.0.1:*");
  auto publisher = make_socket(ctx, zmq::socket_type::xpub);
  publisher.connect(bus_in);
  auto subscriber = make_socket(ctx, zmq::socket_type::sub);
  subscriber.set(zmq::sockopt::subscribe, "proposal.decided");
  subscriber.connect(bus_out);
  // The bus forwards the subscription (what zmq::proxy does): XPUB -> XSUB -> our publisher.
  zmq::message_t m;
  zmq::pollitem_t at_bus{xpub.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&at_bus, 1, std::chrono::milliseconds(5'000)), 1);
  ASSERT_TRUE(xpub.recv(m, zmq::recv_flags::none));
  ASSERT_TRUE(xsub.send(m, zmq::send_flags::none));
  Subscriptions s;
  zmq::pollitem_t at_publisher{publisher.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&at_publisher, 1, std::chrono::milliseconds(5'000)), 1);
  ASSERT_TRUE(publisher.recv(m, zmq::recv_flags::none));
  s.on_message(m.to_string_view());
  EXPECT_TRUE(s.wants("proposal.decided.gpu"));
  EXPECT_FALSE(s.wants("proposal.created.gpu"));
}

}  // namespace
}  // namespace orion
