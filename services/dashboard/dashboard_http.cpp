#include "services/dashboard/dashboard_http.h"


#include <httplib.h>

#include "common/http_endpoint.h"
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
  return handoff_.ask(std::move(request), kAnswerWait, api_error(ErrorCode::UNAVAILABLE, "the dashboard is stopping"),
                      api_error(ErrorCode::UNAVAILABLE, "the dashboard's loop did not answer within 20 s"));
}

Status DashboardHttp::start(const std::string& host, int port, ActionGuard guard) {
  guard_ = std::move(guard);
  if (auto st = handoff_.open(); !st) return st;
  server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *server_;
  configure_http_server(s, kWorkers);
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

  auto bound = listen_http_server(s, host, port, thread_);
  if (!bound) {
    server_.reset();
    handoff_.close();
    return bound.error();
  }
  port_ = *bound;
  return {};
}

void DashboardHttp::serve(const std::function<ApiAnswer(const ApiRequest&)>& answer) { handoff_.serve(answer); }

void DashboardHttp::stop() {
  handoff_.shut(api_error(ErrorCode::UNAVAILABLE, "the dashboard is stopping"));
  hub_.stop();
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  handoff_.close();
}

}  // namespace orion::dashboard
