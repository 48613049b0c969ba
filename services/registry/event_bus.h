// The event bus: an XSUB that publishers connect a PUB (or XPUB) to, forwarded to an XPUB that
// subscribers connect a SUB to, and subscriptions forwarded the other way. Pure I/O on its own
// thread: it owns no Orion state and never decodes an event, so garbage published into it is
// forwarded as is (subscribers must cope) and cannot hurt the registry.
//
//   zmq::context_t ctx;
//   EventBus bus(ctx, "tcp://127.0.0.1:*", "tcp://127.0.0.1:*");   // bound and forwarding
//   pub.connect(bus.inproc_endpoint());                            // in-process publisher
//   ...
//   bus.stop();                                                     // or let the destructor do it
//
// The forwarder is our own poll loop rather than zmq::proxy_steerable: the proxy gives up for
// good when a message it forwards ends early (EAGAIN on its second frame), and a subscriber
// can make the XPUB hand up such a message with two small ones (a subscription to "a", then
// ["x", "\x01a"]: the XPUB keeps the second frame as a subscription and passes "x" flagged
// "more" with nothing after it). The bus must outlive any peer. Its rules:
//   - publisher side (XSUB) -> subscriber side (XPUB): every whole multipart message as it came;
//     one the XPUB cannot take (a subscriber's queue is full) is dropped and counted.
//   - subscriber side -> publisher side: only what a SUB socket sends, one frame whose first
//     byte is 1 (subscribe) or 0 (unsubscribe) followed by a prefix of at most kMaxPrefixBytes.
//     Anything else (several frames, other first bytes, over-long prefixes) is dropped and
//     counted; so is a subscription the XSUB refuses.
//   - no error of a send or a receive ends the loop; only stop() (or the context ending) does.
//   - at most kMaxPerTurn messages per direction per wake-up, so a flood in one direction
//     cannot starve the other or stop().
// Stopping uses a PAIR over inproc: "TERMINATE" makes the loop return.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include <zmq.hpp>

namespace orion::registry {

class EventBus {
 public:
  static constexpr std::size_t kMaxPrefixBytes = 255;  // as TopicSubscriptions accepts
  static constexpr int kMaxPerTurn = 1024;              // messages per direction per wake-up

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

  // Counters, readable from any thread while the bus runs.
  std::uint64_t forwarded() const { return forwarded_.load(); }            // events delivered to the XPUB
  std::uint64_t dropped_events() const { return dropped_events_.load(); }  // events the XPUB could not take
  // Messages from subscribers that were not a well-formed (un)subscription, or not accepted.
  std::uint64_t dropped_subscriptions() const { return dropped_subscriptions_.load(); }

 private:
  void forward();        // the thread's body
  void pump_events();    // XSUB -> XPUB, bounded
  void pump_subscriptions();  // XPUB -> XSUB, bounded
  void count_drop(std::atomic<std::uint64_t>& counter, const char* what, int error);

  // The three loop-side sockets are touched only by thread_ while it runs (handed over at its
  // start, taken back at join): ZeroMQ sockets may move between threads across a full barrier.
  zmq::socket_t xsub_;
  zmq::socket_t xpub_;
  zmq::socket_t control_loop_side_;
  zmq::socket_t control_;  // owner's end of the control pair
  std::string pub_endpoint_, sub_endpoint_, inproc_endpoint_;
  std::atomic<std::uint64_t> forwarded_{0}, dropped_events_{0}, dropped_subscriptions_{0};
  std::thread thread_;
};

}  // namespace orion::registry
