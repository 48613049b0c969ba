// The event bus: an XSUB that publishers connect a PUB to, forwarded to an XPUB that subscribers
// connect a SUB to, and subscriptions forwarded the other way. Pure I/O on its own thread: it
// owns no Orion state and never decodes a frame, so garbage published into it is forwarded as
// is (subscribers must cope) and cannot hurt the registry.
//
//   zmq::context_t ctx;
//   EventBus bus(ctx, "tcp://127.0.0.1:*", "tcp://127.0.0.1:*");   // bound and forwarding
//   pub.connect(bus.inproc_endpoint());                            // in-process publisher
//   ...
//   bus.stop();                                                     // or let the destructor do it
//
// Stopping uses zmq::proxy_steerable's control socket (a PAIR pair over inproc): "TERMINATE"
// makes the proxy return, so the thread ends without closing the context under it.
#pragma once

#include <string>
#include <thread>

#include <zmq.hpp>

namespace orion::registry {

class EventBus {
 public:
  // Binds both sides (throws zmq::error_t when an endpoint cannot be bound) and starts forwarding.
  EventBus(zmq::context_t& ctx, const std::string& bind_events_pub, const std::string& bind_events_sub);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Stops forwarding and joins the thread; idempotent. Call from the owning thread.
  void stop();

  const std::string& pub_endpoint() const { return pub_endpoint_; }        // bound XSUB (tcp)
  const std::string& sub_endpoint() const { return sub_endpoint_; }        // bound XPUB (tcp)
  const std::string& inproc_endpoint() const { return inproc_endpoint_; }  // the XSUB again, inproc

 private:
  void forward();  // the thread's body

  // The three proxy-side sockets are touched only by thread_ while it runs (handed over at its
  // start, taken back at join): ZeroMQ sockets may move between threads across a full barrier.
  zmq::socket_t xsub_;
  zmq::socket_t xpub_;
  zmq::socket_t control_proxy_side_;
  zmq::socket_t control_;  // owner's end of the control pair
  std::string pub_endpoint_, sub_endpoint_, inproc_endpoint_;
  std::thread thread_;
};

}  // namespace orion::registry
