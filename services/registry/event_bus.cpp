#include "services/registry/event_bus.h"

#include <cerrno>
#include <csignal>

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/sockets.h"

namespace orion::registry {

EventBus::EventBus(zmq::context_t& ctx, const std::string& bind_events_pub, const std::string& bind_events_sub)
    : xsub_(make_socket(ctx, zmq::socket_type::xsub)),
      xpub_(make_socket(ctx, zmq::socket_type::xpub)),
      control_proxy_side_(ctx, zmq::socket_type::pair),
      control_(ctx, zmq::socket_type::pair) {
  pub_endpoint_ = bind_socket(xsub_, bind_events_pub);
  sub_endpoint_ = bind_socket(xpub_, bind_events_sub);
  // Random names: several registries (tests) may share a process, never a name.
  const std::string tag = random_hex(8);
  inproc_endpoint_ = bind_socket(xsub_, "inproc://orion-registry-events-" + tag);
  const std::string control_ep = "inproc://orion-registry-bus-control-" + tag;
  control_proxy_side_.bind(control_ep);
  control_.connect(control_ep);
  thread_ = std::thread([this] { forward(); });
}

EventBus::~EventBus() { stop(); }

void EventBus::stop() {
  if (!thread_.joinable()) return;
  try {
    // Blocking send is bounded: the PAIR peer is connected (inproc, same context) and the proxy
    // reads its control socket on every poll.
    control_.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    spdlog::error("event=bus_stop_failed error=\"{}\"", e.what());  // the context is gone; so is the proxy
  }
  thread_.join();
}

void EventBus::forward() {
  // Signals belong to the main thread's handler; an EINTR here would only end the proxy early.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  for (;;) {
    try {
      zmq::proxy_steerable(xsub_, xpub_, zmq::socket_ref(), control_proxy_side_);
      return;  // TERMINATE received
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // the sockets hold all the state: just resume
      if (e.num() != ETERM) spdlog::error("event=bus_failed error=\"{}\"", e.what());
      return;
    }
  }
}

}  // namespace orion::registry
