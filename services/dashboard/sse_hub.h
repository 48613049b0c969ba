// Server-sent events to many browsers from one publisher: the loop thread publishes each event
// once; every connected client has its own queue, read by the HTTP thread that serves it. A
// client whose queue is full (it reads slower than events come) is dropped: its stream ends
// and the browser's EventSource reconnects by itself. The publisher never waits for a client.
//
//   SseHub hub;
//   auto id = hub.join();                 // HTTP thread: nullopt when kMaxClients are connected
//   hub.publish(sse_message("orion", json_text));   // loop thread
//   while (auto chunk = hub.next(*id, 15s)) write(*chunk);   // "" = keep-alive; nullopt = end
//   hub.leave(*id);
//
// Bounds: kMaxClients streams, kMaxQueued messages queued per client.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace orion::dashboard {

// One SSE message: "event: NAME\ndata: ...\n\n" (the data's line breaks split into data lines).
std::string sse_message(const std::string& event, const std::string& data);

class SseHub {
 public:
  static constexpr std::size_t kMaxClients = 32;
  static constexpr std::size_t kMaxQueued = 1024;  // messages

  std::optional<std::uint64_t> join();
  void leave(std::uint64_t id);
  // Queues `message` for every client; drops (ends) each client whose queue is full.
  void publish(const std::string& message);
  // The client's queued messages joined, waiting up to `wait` for one: "" after the wait with
  // none (send a keep-alive), nullopt once the client was dropped or the hub stopped.
  std::optional<std::string> next(std::uint64_t id, std::chrono::milliseconds wait);
  // Ends every stream; join() refuses from now on.
  void stop();

  std::size_t clients() const;
  std::uint64_t dropped() const;

 private:
  struct Client {
    std::deque<std::string> queue;
    bool dropped = false;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Client> clients_;
  std::uint64_t next_id_ = 1;
  std::uint64_t dropped_ = 0;
  bool stopped_ = false;
};

}  // namespace orion::dashboard
