// Requests that arrive on other threads (an HTTP server's workers) handed to a service's one
// loop thread and answered there, so the service's state is read by that thread alone. The
// loop polls fd() with its sockets and calls serve() when it is readable; a worker calls ask()
// and waits (bounded) for the answer.
//
//   LoopHandoff<HttpRequest, HttpAnswer> handoff;
//   handoff.open();                                                   // before the workers run
//   HttpAnswer a = handoff.ask(request, 2s, stopping_answer, late_answer);   // a worker
//   handoff.serve([&](const HttpRequest& r) { return answer(r); });  // the loop, fd() readable
//   handoff.shut(stopping_answer); server.stop(); join; handoff.close();
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>

#include "common/status.h"

namespace orion {

template <class Request, class Answer>
class LoopHandoff {
 public:
  LoopHandoff() = default;
  ~LoopHandoff() { close(); }
  LoopHandoff(const LoopHandoff&) = delete;
  LoopHandoff& operator=(const LoopHandoff&) = delete;

  // The eventfd, and accepting again after a shut().
  Status open() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
    if (fd_ < 0) fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd_ < 0 ? Status(make_error(ErrorCode::INTERNAL, "eventfd failed")) : Status();
  }
  // Readable while requests wait for serve(); -1 when not open.
  int fd() const { return fd_; }

  // A worker: queues the request and waits up to `wait` for the loop's answer. `if_stopping`
  // after shut(), `if_late` when the loop did not answer in time.
  Answer ask(Request request, std::chrono::milliseconds wait, const Answer& if_stopping, const Answer& if_late) {
    auto p = std::make_shared<Pending>();
    p->request = std::move(request);
    auto answer = p->answer.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || fd_ < 0) return if_stopping;
      waiting_.push_back(p);
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
    if (answer.wait_for(wait) != std::future_status::ready) return if_late;
    return answer.get();
  }

  // The loop: answers every request waiting.
  void serve(const std::function<Answer(const Request&)>& answer) {
    std::uint64_t n;
    [[maybe_unused]] auto r = ::read(fd_, &n, sizeof n);
    std::deque<std::shared_ptr<Pending>> now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      now.swap(waiting_);
    }
    for (auto& p : now) p->answer.set_value(answer(p->request));
  }

  // No more requests: those waiting get `to_left` at once. The fd stays until close(), for
  // workers still between ask()'s queueing and its write.
  void shut(const Answer& to_left) {
    std::deque<std::shared_ptr<Pending>> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      left.swap(waiting_);
    }
    for (auto& p : left) p->answer.set_value(to_left);
  }
  // Once no worker runs any more (the server is stopped and joined).
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  struct Pending {
    Request request;
    std::promise<Answer> answer;
  };
  std::mutex mu_;
  std::deque<std::shared_ptr<Pending>> waiting_;
  bool stopping_ = false;
  int fd_ = -1;
};

}  // namespace orion
