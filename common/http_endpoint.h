// A small HTTP endpoint whose answers come from a service's own loop thread (/metrics,
// /healthz). cpp-httplib accepts and parses on its own threads; each GET is queued and waits
// (at most kAnswerWait) while the loop answers it, so an answer reads the service's state on
// the loop thread only, as every other request does, and a loop that is stuck shows as a 503.
//
//   HttpEndpoint http;
//   if (auto s = http.start("127.0.0.1", 7280); !s) die(s.error());
//   poll: {nullptr, http.fd(), ZMQ_POLLIN, 0}
//   if (readable) http.serve([&](const HttpRequest& r) { return answer(r); });
//
// Bounds: GET only, headers and body at most 8 KiB, a connection idle 5 s is closed, and at
// most kWorkers requests are read at once (the rest wait in the kernel's accept queue).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/loop_handoff.h"
#include "common/status.h"

namespace httplib {
class Server;
}

namespace orion {

struct HttpRequest {
  std::string path;   // "/metrics"
  std::string query;  // the raw query string, "" when none
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// The answer of a path the service does not serve.
HttpAnswer http_not_found(const HttpRequest& r);

// What every Orion HTTP server shares: `workers` threads, 5 s read, write and keep-alive
// timeouts, request bodies of at most 8 KiB, and its socket SO_REUSEADDR (not the library's
// SO_REUSEPORT, which lets a second process listen on the same port and take half the requests)
// and close-on-exec (a scheduler that restarts itself in place binds the port again).
void configure_http_server(httplib::Server& s, int workers);
// Binds host:port (0: one the OS picks), serves on `thread`, and returns once the server runs
// (stop() before that would not end it): the port bound, or UNAVAILABLE naming the address.
Result<int> listen_http_server(httplib::Server& s, const std::string& host, int port, std::thread& thread);

class HttpEndpoint {
 public:
  static constexpr std::chrono::milliseconds kAnswerWait{2000};
  static constexpr int kWorkers = 4;

  HttpEndpoint();
  ~HttpEndpoint();  // stop()
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // Binds host:port (port 0: one the OS picks) and starts serving.
  Status start(const std::string& host, int port);
  bool running() const { return thread_.joinable(); }
  int port() const { return port_; }
  // Readable while requests wait for serve(); -1 before start().
  int fd() const { return handoff_.fd(); }
  // Answers every request waiting (loop thread).
  void serve(const std::function<HttpAnswer(const HttpRequest&)>& answer);
  void stop();  // waiting requests get 503; idempotent

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  LoopHandoff<HttpRequest, HttpAnswer> handoff_;
};

}  // namespace orion
