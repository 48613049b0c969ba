#include "common/http_endpoint.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

namespace orion {

HttpAnswer http_not_found(const HttpRequest& r) {
  return HttpAnswer{404, "text/plain; charset=utf-8", "no such page: " + r.path + "\n"};
}

void configure_http_server(httplib::Server& s, int workers) {
  s.new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<std::size_t>(workers)); };
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_timeout(5);
  s.set_payload_max_length(8 * 1024);
  s.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
}

Result<int> listen_http_server(httplib::Server& s, const std::string& host, int port, std::thread& thread) {
  int bound = port;
  const bool ok = port == 0 ? (bound = s.bind_to_any_port(host.c_str())) > 0 : s.bind_to_port(host.c_str(), port);
  if (!ok) {
    return make_error(ErrorCode::UNAVAILABLE, "cannot listen on " + host + ":" + std::to_string(port) +
                                                  " (in use, or not an address of this host)");
  }
  thread = std::thread([&s] { s.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!s.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the server's own start, not a race
  }
  return bound;
}

HttpEndpoint::HttpEndpoint() = default;

HttpEndpoint::~HttpEndpoint() { stop(); }

namespace {
const HttpAnswer kStopping{503, "text/plain; charset=utf-8", "the service is stopping\n"};
const HttpAnswer kLate{503, "text/plain; charset=utf-8", "the service's loop did not answer within 2 s\n"};
}  // namespace

Status HttpEndpoint::start(const std::string& host, int port) {
  if (auto s = handoff_.open(); !s) return s;
  server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *server_;
  configure_http_server(s, kWorkers);
  s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.path = req.path;
    const auto q = req.target.find('?');
    if (q != std::string::npos) r.query = req.target.substr(q + 1, 1024);
    HttpAnswer a = handoff_.ask(std::move(r), kAnswerWait, kStopping, kLate);
    res.status = a.status;
    res.set_content(std::move(a.body), a.content_type.c_str());
  });
  auto bound = listen_http_server(s, host, port, thread_);
  if (!bound) {
    server_.reset();
    handoff_.close();
    return bound.error();
  }
  port_ = *bound;
  return {};
}

void HttpEndpoint::serve(const std::function<HttpAnswer(const HttpRequest&)>& answer) { handoff_.serve(answer); }

void HttpEndpoint::stop() {
  handoff_.shut(kStopping);
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  handoff_.close();
}

}  // namespace orion
