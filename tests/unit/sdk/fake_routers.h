// ROUTER sockets on loopback answered by a thread of their own, for tests of clients that block
// in their calls (sdk::Client, the leader follower): each socket has a name and a handler that
// sees every request in order and answers it (or not). Everything received is logged.
//
//   FakeRouters fakes({"registry", "leader"});
//   fakes.on("leader", [](const Envelope& e, const FakeRouters::Reply& reply) {
//     reply(Envelope{MsgType::TASK_INFO, e.request_id, Json::object()});
//   });
//   fakes.start();
//   ... client calls fakes.endpoint("registry") ...
//   auto got = fakes.received("leader");   // copies, thread-safe
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "common/sockets.h"

namespace orion::testing {

class FakeRouters {
 public:
  using Reply = std::function<void(const Envelope&)>;
  using Handler = std::function<void(const Envelope& request, const Reply& reply)>;

  explicit FakeRouters(const std::vector<std::string>& names) {
    for (const auto& n : names) {
      auto s = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::router));
      endpoints_[n] = bind_socket(*s, "tcp://127.0.0.1:*");
      sockets_[n] = std::move(s);
    }
  }
  ~FakeRouters() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Before start(): the handler of socket `name` (none: it never answers).
  void on(const std::string& name, Handler h) { handlers_[name] = std::move(h); }
  void start() { thread_ = std::thread([this] { serve(); }); }

  const std::string& endpoint(const std::string& name) const { return endpoints_.at(name); }
  std::vector<Envelope> received(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = received_.find(name);
    return it == received_.end() ? std::vector<Envelope>{} : it->second;
  }
  std::size_t count(const std::string& name, MsgType type) const {
    std::size_t n = 0;
    for (const auto& e : received(name)) n += e.type == type;
    return n;
  }

 private:
  void serve() {
    std::vector<std::string> names;
    std::vector<zmq::pollitem_t> items;
    for (auto& [n, s] : sockets_) {
      names.push_back(n);
      items.push_back({s->handle(), 0, ZMQ_POLLIN, 0});
    }
    while (!stop_) {
      zmq::poll(items, std::chrono::milliseconds(10));
      for (std::size_t i = 0; i < names.size(); ++i) {
        zmq::socket_t& s = *sockets_[names[i]];
        Incoming in;
        while (receive(s, in, true)) {
          if (!in.envelope) continue;
          {
            std::lock_guard<std::mutex> lock(mu_);
            received_[names[i]].push_back(*in.envelope);
          }
          auto h = handlers_.find(names[i]);
          if (h == handlers_.end()) continue;
          std::string identity = in.identity;
          h->second(*in.envelope, [&s, identity](const Envelope& reply) { send_envelope(s, identity, reply); });
        }
      }
    }
  }

  zmq::context_t ctx_;
  std::map<std::string, std::unique_ptr<zmq::socket_t>> sockets_;  // used by the thread only, once started
  std::map<std::string, std::string> endpoints_;
  std::map<std::string, Handler> handlers_;  // fixed once started
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Envelope>> received_;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace orion::testing
