#include "common/http_endpoint.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

namespace orion {

HttpAnswer http_not_found(const HttpRequest& r) {
  return HttpAnswer{404, "text/plain; charset=utf-8", "no such page: " + r.path + "\n"};
}

HttpEndpoint::HttpEndpoint() = default;

HttpEndpoint::~HttpEndpoint() { stop(); }

Status HttpEndpoint::start(const std::string& host, int port) {
  stopping_ = false;
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) return make_error(ErrorCode::INTERNAL, "eventfd failed");
  server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_timeout(5);
  s.set_payload_max_length(8 * 1024);
  // Not the library's default (SO_REUSEPORT, which lets a second process listen on the same port
  // and take half the scrapes): SO_REUSEADDR only, and close-on-exec (a scheduler that restarts
  // itself in place binds the port again).
  s.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
  s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    auto p = std::make_shared<Pending>();
    p->request.path = req.path;
    const auto q = req.target.find('?');
    if (q != std::string::npos) p->request.query = req.target.substr(q + 1, 1024);
    auto answer = p->answer.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        res.status = 503;
        res.set_content("the service is stopping\n", "text/plain; charset=utf-8");
        return;
      }
      waiting_.push_back(p);
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
    if (answer.wait_for(kAnswerWait) != std::future_status::ready) {
      res.status = 503;
      res.set_content("the service's loop did not answer within 2 s\n", "text/plain; charset=utf-8");
      return;
    }
    HttpAnswer a = answer.get();
    res.status = a.status;
    res.set_content(std::move(a.body), a.content_type.c_str());
  });
  const bool bound = port == 0 ? (port_ = s.bind_to_any_port(host.c_str())) > 0 : s.bind_to_port(host.c_str(), port);
  if (!bound) {
    server_.reset();
    ::close(fd_);
    fd_ = -1;
    return make_error(ErrorCode::UNAVAILABLE, "cannot listen on " + host + ":" + std::to_string(port) +
                                                  " (in use, or not an address of this host)");
  }
  if (port != 0) port_ = port;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the server runs would not end it: wait (briefly) until it does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

void HttpEndpoint::serve(const std::function<HttpAnswer(const HttpRequest&)>& answer) {
  std::uint64_t n;
  [[maybe_unused]] auto r = ::read(fd_, &n, sizeof n);
  std::deque<std::shared_ptr<Pending>> now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now.swap(waiting_);
  }
  for (auto& p : now) p->answer.set_value(answer(p->request));
}

void HttpEndpoint::stop() {
  std::deque<std::shared_ptr<Pending>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left.swap(waiting_);
  }
  for (auto& p : left) p->answer.set_value(HttpAnswer{503, "text/plain; charset=utf-8", "the service is stopping\n"});
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace orion
