// Tests of common/peer_watch.*: a ROUTER peer whose connection closed is reported once, and a
// closed watch lets its context terminate.
#include "common/peer_watch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "common/envelope.h"
#include "common/sockets.h"
#include "tests/wait_until.h"

namespace orion {
namespace {

using namespace std::chrono_literals;

// Reads one message on `router` within 5 s.
bool read_one(zmq::socket_t& router, Incoming& in) {
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds(5'000)) <= 0) return false;
  return receive(router, in, true);
}

TEST(PeerWatch, AClosedConnectionIsReportedGoneOnce) {
  zmq::context_t ctx;
  auto router = make_socket(ctx, zmq::socket_type::router);
  const std::string ep = bind_socket(router, "tcp://127.0.0.1:*");
  PeerWatch watch(ctx, router);
  SocketOptions o;
  o.linger_ms = 0;
  auto dealer = make_socket(ctx, zmq::socket_type::dealer, o);
  dealer.set(zmq::sockopt::routing_id, "d1");
  dealer.connect(ep);
  ASSERT_TRUE(send_envelope(dealer, Envelope{MsgType::GET_REPLICA, "r1", Json::object()}));
  Incoming in;
  ASSERT_TRUE(read_one(router, in));
  EXPECT_EQ(in.identity, "d1");
  ASSERT_GE(in.fd, 0);
  watch.seen(in.identity, in.fd);
  EXPECT_TRUE(watch.gone().empty()) << "still connected";
  dealer.close();
  std::vector<std::string> gone;
  testing::wait_until([&] { return !(gone = watch.gone()).empty(); }, 5'000);
  ASSERT_EQ(gone, std::vector<std::string>{"d1"});
  EXPECT_TRUE(watch.gone().empty()) << "reported once";
  EXPECT_EQ(watch.watched(), 0u);
}

// A server that restarts in place closes its sockets and terminates its context itself:
// zmq_ctx_term() returns only once every socket of the context is closed, the watch's included.
TEST(PeerWatch, OnceClosedItsContextTerminates) {
  auto* ctx = new zmq::context_t;  // leaked if termination hangs: a blocked thread still uses it
  auto router = std::make_unique<zmq::socket_t>(make_socket(*ctx, zmq::socket_type::router));
  bind_socket(*router, "tcp://127.0.0.1:*");
  PeerWatch watch(*ctx, *router);
  watch.close();
  watch.close();  // idempotent
  EXPECT_TRUE(watch.gone().empty());
  router->close();
  auto done = std::make_shared<std::promise<void>>();
  auto terminated = done->get_future();
  std::thread([ctx, done] {
    ctx->close();
    done->set_value();
  }).detach();
  ASSERT_EQ(terminated.wait_for(5s), std::future_status::ready) << "zmq_ctx_term blocked on the watch's socket";
  delete ctx;
}

}  // namespace
}  // namespace orion
