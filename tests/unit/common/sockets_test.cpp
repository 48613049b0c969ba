// Tests of common/sockets.* and common/peer_watch.*: receive()'s bounds on one message, and
// which ROUTER peers' connections closed.
#include "common/sockets.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/peer_watch.h"
#include "tests/wait_until.h"

namespace orion {
namespace {

using testing::wait_until;

bool poll_in(zmq::socket_t& s, int timeout_ms) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  return zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) > 0;
}

TEST(Sockets, AReceivedMessageNamesItsConnectionAndPeerWatchSeesItClose) {
  zmq::context_t ctx(1);
  auto router = make_socket(ctx, zmq::socket_type::router);
  PeerWatch watch(ctx, router);
  auto ep = bind_socket(router, "tcp://127.0.0.1:*");
  std::string identity;
  {
    SocketOptions o;
    o.linger_ms = 0;
    auto dealer = make_socket(ctx, zmq::socket_type::dealer, o);
    dealer.connect(ep);
    ASSERT_TRUE(send_envelope(dealer, Envelope{MsgType::GET_TASK, "r1", Json{{"task_id", "t1"}}}));
    ASSERT_TRUE(poll_in(router, 5000));
    Incoming in;
    ASSERT_TRUE(receive(router, in, true));
    ASSERT_TRUE(in.envelope.ok());
    EXPECT_GE(in.fd, 0);
    identity = in.identity;
    watch.seen(in.identity, in.fd);
    EXPECT_TRUE(watch.gone().empty());  // still connected
  }  // closed (linger 0)
  std::vector<std::string> gone;
  ASSERT_TRUE(wait_until(
      [&] {
        for (auto& id : watch.gone()) gone.push_back(id);
        return !gone.empty();
      },
      5000));
  EXPECT_EQ(gone, std::vector<std::string>{identity});
  EXPECT_EQ(watch.watched(), 0u);
}

TEST(Sockets, PeerWatchTellsAReusedDescriptorsNewPeerFromTheOldOne) {
  zmq::context_t ctx(1);
  auto router = make_socket(ctx, zmq::socket_type::router);
  auto ep = bind_socket(router, "tcp://127.0.0.1:*");
  PeerWatch watch(ctx, router);
  SocketOptions o;
  o.linger_ms = 0;
  std::vector<std::string> gone;
  std::string last;
  // Connections one after another: the kernel hands out the freed descriptor again.
  for (int i = 0; i < 20; ++i) {
    {
      auto dealer = make_socket(ctx, zmq::socket_type::dealer, o);
      dealer.connect(ep);
      ASSERT_TRUE(send_envelope(dealer, Envelope{MsgType::GET_TASK, "r", Json{{"task_id", "t1"}}}));
      ASSERT_TRUE(poll_in(router, 5000));
      Incoming in;
      ASSERT_TRUE(receive(router, in, true));
      watch.seen(in.identity, in.fd);
      last = in.identity;
    }
    ASSERT_TRUE(wait_until(
        [&] {
          for (auto& id : watch.gone()) gone.push_back(id);
          return gone.size() == static_cast<std::size_t>(i + 1);
        },
        5000))
        << i;
    EXPECT_EQ(gone.back(), last);  // the peer that went, never a live one
  }
  EXPECT_EQ(watch.watched(), 0u);
}

TEST(Sockets, AMessageOverTheByteBoundIsReadWholeAndRefused) {
  zmq::context_t ctx(1);
  auto router = make_socket(ctx, zmq::socket_type::router);
  auto ep = bind_socket(router, "tcp://127.0.0.1:*");
  auto dealer = make_socket(ctx, zmq::socket_type::dealer);
  dealer.connect(ep);
  const std::string eight(8u << 20, 'x');  // 3 frames of 8 MiB: each under the frame bound
  for (int i = 0; i < 3; ++i) dealer.send(zmq::buffer(eight), zmq::send_flags::sndmore);
  dealer.send(zmq::str_buffer("end"), zmq::send_flags::none);
  ASSERT_TRUE(send_envelope(dealer, Envelope{MsgType::GET_TASK, "after", Json{{"task_id", "t1"}}}));
  ASSERT_TRUE(poll_in(router, 5000));
  Incoming in;
  ASSERT_TRUE(receive(router, in, true));
  ASSERT_FALSE(in.envelope.ok());
  EXPECT_EQ(in.envelope.error().code, ErrorCode::MALFORMED);
  EXPECT_NE(in.envelope.error().message.find("bytes"), std::string::npos);
  // The rest of that message was drained: the next one reads whole.
  ASSERT_TRUE(poll_in(router, 5000));
  ASSERT_TRUE(receive(router, in, true));
  ASSERT_TRUE(in.envelope.ok()) << in.envelope.error().to_string();
  EXPECT_EQ(in.envelope->request_id, "after");
}

}  // namespace
}  // namespace orion
