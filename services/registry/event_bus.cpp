#include "services/registry/event_bus.h"

#include <cerrno>
#include <csignal>
#include <vector>

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "common/curve_socket.h"
#include "common/event_bound.h"
#include "common/ids.h"
#include "common/logfmt.h"
#include "common/service_security.h"
#include "common/sockets.h"

namespace orion::registry {

namespace {

// A peer can provoke drops at any rate: log the first few and then every 1000th.
bool sampled(std::uint64_t count) { return count <= 10 || count % 1000 == 0; }

// Reads one whole multipart message without blocking into `frames` (cleared first). False when
// nothing is waiting. Errors other than EAGAIN/EINTR propagate (ETERM ends the loop).
bool read_message(zmq::socket_t& s, std::vector<zmq::message_t>& frames) {
  frames.clear();
  for (;;) {
    zmq::message_t m;
    zmq::recv_result_t got;
    try {
      got = s.recv(m, zmq::recv_flags::dontwait);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR && !frames.empty()) continue;  // finish the message we started
      if (e.num() == EINTR) return false;
      throw;
    }
    if (!got) {
      // A message can end early: an XPUB hands up a subscriber's multipart message without
      // the later frames that it read as subscriptions (the frame "x" of ["x", "\x01a"] comes
      // flagged "more" with nothing after it). What was read is returned; the caller drops it.
      return !frames.empty();
    }
    const bool more = m.more();
    // Bounded: a message of more than kMaxFrames frames keeps only its first ones (the rest
    // are read and dropped), as receive() does.
    if (frames.size() < kMaxFrames) frames.push_back(std::move(m));
    if (!more) return true;
  }
}

// Sends a whole message without blocking; the error number (EAGAIN, EHOSTUNREACH, ...) or 0.
// Drops frames after a failed first one: ZeroMQ accepts or refuses a multipart message whole.
int send_message(zmq::socket_t& s, std::vector<zmq::message_t>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto flags = zmq::send_flags::dontwait;
    if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
    try {
      if (!s.send(frames[i], flags)) return EAGAIN;
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) throw;
      return e.num();
    }
  }
  return 0;
}

// Publishers' frames are bounded by the event size: a bigger one is a broken or hostile
// publisher, which libzmq disconnects before its frame is read.
SocketOptions publisher_side() {
  SocketOptions o;
  o.max_msg_bytes = static_cast<std::int64_t>(kMaxEventBytes);
  return o;
}

// Each subscriber's queue: at most kBusQueueEvents events of at most kMaxEventBytes.
SocketOptions subscriber_side() {
  SocketOptions o;
  o.send_hwm = kBusQueueEvents;
  return o;
}

std::size_t bytes_of(const std::vector<zmq::message_t>& frames) {
  std::size_t n = 0;
  for (const auto& f : frames) n += f.size();
  return n;
}

}  // namespace

EventBus::EventBus(zmq::context_t& ctx, const std::string& bind_events_pub, const std::string& bind_events_sub)
    : xsub_(make_socket(ctx, zmq::socket_type::xsub, publisher_side())),
      xpub_(make_socket(ctx, zmq::socket_type::xpub, subscriber_side())),
      control_loop_side_(ctx, zmq::socket_type::pair),
      control_(ctx, zmq::socket_type::pair) {
  pub_endpoint_ = bind_socket(xsub_, bind_events_pub);
  sub_endpoint_ = bind_socket(xpub_, bind_events_sub);
  // Random names: several registries (tests) may share a process, never a name.
  const std::string tag = random_hex(8);
  inproc_endpoint_ = bind_socket(xsub_, "inproc://orion-registry-events-" + tag);
  const std::string control_ep = "inproc://orion-registry-bus-control-" + tag;
  control_loop_side_.bind(control_ep);
  control_.connect(control_ep);
  thread_ = std::thread([this] { forward(); });
}

EventBus::~EventBus() { stop(); }

void EventBus::stop() {
  if (!thread_.joinable()) return;
  try {
    // Blocking send is bounded: the PAIR peer is connected (inproc, same context) and the loop
    // polls its control socket on every wake-up.
    control_.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    spdlog::error("event=bus_stop_failed error={}",
                  orion::logfmt_value(e.what()));  // the context is gone; so is the loop
  }
  thread_.join();
}

void EventBus::forward() {
  // Signals belong to the main thread's handler.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  zmq::pollitem_t items[] = {{xsub_.handle(), 0, ZMQ_POLLIN, 0},
                             {xpub_.handle(), 0, ZMQ_POLLIN, 0},
                             {control_loop_side_.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    try {
      zmq::poll(items, 3, std::chrono::milliseconds(-1));
      if (items[2].revents & ZMQ_POLLIN) {
        spdlog::info("event=bus_stopped forwarded_total={} dropped_events_total={} dropped_subscriptions_total={}",
                     forwarded_.load(), dropped_events_.load(), dropped_subscriptions_.load());
        return;  // TERMINATE (the only thing the owner sends)
      }
      if (items[0].revents & ZMQ_POLLIN) pump_events();
      if (items[1].revents & ZMQ_POLLIN) pump_subscriptions();
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      // EINTR or anything else: the sockets hold all the state, so the loop goes on.
      if (e.num() != EINTR) spdlog::warn("event=bus_error error={}", orion::logfmt_value(e.what()));
    }
  }
}

void EventBus::pump_events() {
  std::vector<zmq::message_t> frames;
  for (int i = 0; i < kMaxPerTurn && read_message(xsub_, frames); ++i) {
    // With CURVE, only a service's key may publish. Every TCP connection then has a principal;
    // a message without one came in-process (the registry's own publisher).
    if (service_policy() && !frames.empty()) {
      const std::string who = principal_of(frames.front());
      if (!who.empty() && !authorize(who, Action::PUBLISH)) {
        count_drop(dropped_events_, "event_not_authorized", 0);
        continue;
      }
    }
    if (bytes_of(frames) > kMaxEventBytes) {  // kept off every subscriber's queue
      count_drop(dropped_events_, "event_too_large", 0);
      continue;
    }
    int err = send_message(xpub_, frames);
    if (err == 0) {
      ++forwarded_;
    } else {
      count_drop(dropped_events_, "event", err);
    }
  }
}

void EventBus::pump_subscriptions() {
  std::vector<zmq::message_t> frames;
  for (int i = 0; i < kMaxPerTurn && read_message(xpub_, frames); ++i) {
    bool well_formed = frames.size() == 1 && frames[0].size() >= 1 && frames[0].size() <= 1 + kMaxPrefixBytes &&
                       (frames[0].data<unsigned char>()[0] == 0 || frames[0].data<unsigned char>()[0] == 1);
    if (!well_formed) {
      count_drop(dropped_subscriptions_, "subscription_malformed", 0);
      continue;
    }
    if (int err = send_message(xsub_, frames); err != 0) count_drop(dropped_subscriptions_, "subscription", err);
  }
}

void EventBus::count_drop(std::atomic<std::uint64_t>& counter, const char* what, int error) {
  auto n = ++counter;
  if (sampled(n)) {
    spdlog::warn("event=bus_dropped kind={} error={} dropped_total={}",
                 what, orion::logfmt_value(error ? zmq_strerror(error) : "-"), n);
  }
}

}  // namespace orion::registry
