// The dashboard's HTTP side (cpp-httplib): the page's files from the binary, /api/events as a
// server-sent event stream fed by SseHub, and every other /api/ request queued to the loop
// thread, which answers it from its DashboardView (as common/http_endpoint.h does for
// /metrics): HTTP threads never touch the view.
//
//   DashboardHttp http;
//   if (auto s = http.start("127.0.0.1", 7400, guard); !s) die(s.error());
//   poll: {nullptr, http.fd(), ZMQ_POLLIN, 0}
//   if (readable) http.serve([&](const ApiRequest& r) { return answer(r); });
//   http.hub().publish(sse_message("orion", event_json));
//
// Bounds: bodies and headers at most 8 KiB; an idle connection is closed after 5 s (an event
// stream is never idle: a keep-alive comment every 15 s); kWorkers requests at once, of which
// at most SseHub::kMaxClients are event streams; a queued request not answered in kAnswerWait
// gets 503.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/loop_handoff.h"
#include "common/status.h"
#include "services/dashboard/api_answer.h"
#include "services/dashboard/sse_hub.h"

namespace httplib {
class Server;
}

namespace orion::dashboard {

class DashboardHttp {
 public:
  static constexpr std::chrono::milliseconds kAnswerWait{20'000};  // an action may take a while
  static constexpr std::chrono::milliseconds kKeepAlive{15'000};   // between comments on a quiet stream
  static constexpr int kWorkers = static_cast<int>(SseHub::kMaxClients) + 8;

  DashboardHttp();
  ~DashboardHttp();  // stop()
  DashboardHttp(const DashboardHttp&) = delete;
  DashboardHttp& operator=(const DashboardHttp&) = delete;

  // Binds host:port (port 0: one the OS picks) and starts serving.
  Status start(const std::string& host, int port, ActionGuard guard);
  int port() const { return port_; }
  int fd() const { return handoff_.fd(); }  // readable while requests wait for serve()
  void serve(const std::function<ApiAnswer(const ApiRequest&)>& answer);  // loop thread
  SseHub& hub() { return hub_; }
  void stop();  // ends streams; waiting requests get 503; idempotent

 private:
  // Queues the request for the loop and waits for its answer.
  ApiAnswer ask_loop(ApiRequest request);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  SseHub hub_;
  ActionGuard guard_;
  int port_ = 0;
  LoopHandoff<ApiRequest, ApiAnswer> handoff_;
};

}  // namespace orion::dashboard
