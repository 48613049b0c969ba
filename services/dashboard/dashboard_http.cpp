#include "services/dashboard/dashboard_http.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include "services/dashboard/web_assets.h"

namespace orion::dashboard {

namespace {

void send(httplib::Response& res, const ApiAnswer& a) {
  res.status = a.status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(a.body, a.content_type.c_str());
}

}  // namespace

DashboardHttp::DashboardHttp() = default;

DashboardHttp::~DashboardHttp() { stop(); }

ApiAnswer DashboardHttp::ask_loop(ApiRequest request) {
  auto p = std::make_shared<Pending>();
  p->request = std::move(request);
  auto answer = p->answer.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return api_error(ErrorCode::UNAVAILABLE, "the dashboard is stopping");
    waiting_.push_back(p);
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
  if (answer.wait_for(kAnswerWait) != std::future_status::ready) {
    return api_error(ErrorCode::UNAVAILABLE, "the dashboard's loop did not answer within 20 s");
  }
  return answer.get();
}

Status DashboardHttp::start(const std::string& host, int port, ActionGuard guard) {
  stopping_ = false;
  guard_ = std::move(guard);
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) return make_error(ErrorCode::INTERNAL, "eventfd failed");
  server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_timeout(5);
  s.set_payload_max_length(8 * 1024);
  s.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
  // The page may load only its own files and talk only to this server.
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                         {"Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:"},
                         {"Referrer-Policy", "no-referrer"}});

  s.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
    auto id = hub_.join();
    if (!id) {
      send(res, api_error(ErrorCode::UNAVAILABLE, "too many event streams are open"));
      return;
    }
    res.set_header("Cache-Control", "no-store");
    const std::uint64_t client = *id;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, client](std::size_t offset, httplib::DataSink& sink) {
          if (offset == 0) {
            // The browser reconnects 2 s after a stream ends (a dropped client, a restart).
            const std::string hello = "retry: 2000\n: orion dashboard\n\n";
            return sink.write(hello.data(), hello.size());
          }
          auto chunk = hub_.next(client, kKeepAlive);
          if (!chunk) {
            sink.done();
            return true;
          }
          const std::string text = chunk->empty() ? std::string(": keep-alive\n\n") : std::move(*chunk);
          return sink.write(text.data(), text.size());
        },
        [this, client](bool) { hub_.leave(client); });
  });
  s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) == 0) {
      const auto q = req.target.find('?');
      send(res, ask_loop(ApiRequest{"GET", req.path, q == std::string::npos ? "" : req.target.substr(q + 1, 4096)}));
      return;
    }
    const WebAsset* a = find_web_asset(req.path);
    if (!a) {
      send(res, api_error(ErrorCode::NOT_FOUND, "no such page: " + req.path.substr(0, 200)));
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(reinterpret_cast<const char*>(a->data), a->size, a->content_type);
  });
  s.Post("/api/.*", [this](const httplib::Request& req, httplib::Response& res) {
    ActionHeaders h;
    h.x_orion_action = req.get_header_value("X-Orion-Action");
    h.origin = req.get_header_value("Origin");
    h.host = req.get_header_value("Host");
    h.authorization = req.get_header_value("Authorization");
    if (auto refused = refuse_action(h, guard_)) {
      send(res, *refused);
      return;
    }
    send(res, ask_loop(ApiRequest{"POST", req.path, ""}));
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
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

void DashboardHttp::serve(const std::function<ApiAnswer(const ApiRequest&)>& answer) {
  std::uint64_t n;
  [[maybe_unused]] auto r = ::read(fd_, &n, sizeof n);
  std::deque<std::shared_ptr<Pending>> now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now.swap(waiting_);
  }
  for (auto& p : now) p->answer.set_value(answer(p->request));
}

void DashboardHttp::stop() {
  std::deque<std::shared_ptr<Pending>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left.swap(waiting_);
  }
  for (auto& p : left) p->answer.set_value(api_error(ErrorCode::UNAVAILABLE, "the dashboard is stopping"));
  hub_.stop();
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace orion::dashboard
