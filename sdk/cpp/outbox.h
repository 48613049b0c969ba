// What worker threads hand to the networking thread, and how they wake it.
//
//   auto outbox = std::make_shared<Outbox>();
//   outbox->push(TaskResult{...});            // any thread: queues it and wakes the loop
//   // networking thread, polling outbox->wake_fd() next to its zmq sockets:
//   outbox->clear_wake();
//   for (auto& m : outbox->take_all()) { ... }
//
// Why a self-pipe rather than inproc PUSH/PULL: a zmq socket must stay on one thread, so a zmq
// wake-up needs a PUSH socket per producing thread; but a handler may report progress from a
// thread of its own, and Agent::stop() may be called from a signal handler. write(2) on a
// non-blocking pipe is safe from any thread and from a signal handler, and zmq_poll polls the
// pipe's read end as a plain file descriptor next to the sockets. The networking thread also
// drains the queue on every loop turn (at most 50 ms apart), so a lost wake-up only delays.
#pragma once

#include <mutex>
#include <variant>
#include <vector>

#include "common/consensus_messages.h"
#include "common/messages.h"

namespace orion::sdk::detail {

// A Vote comes from the vote thread, signed, ready to send.
using Outgoing = std::variant<TaskProgress, TaskResult, Vote>;

class Outbox {
 public:
  Outbox();  // throws std::system_error when no pipe can be made
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Thread-safe. Messages come out of take_all() in the order they were pushed. Wakes the loop
  // when the queue was empty (a non-empty queue has a wake-up pending or is about to be taken).
  void push(Outgoing message);
  // Networking thread: everything queued so far.
  std::vector<Outgoing> take_all();

  // Thread-safe and async-signal-safe: makes wake_fd() readable.
  void wake();
  // The pipe's read end, for zmq_poll.
  int wake_fd() const { return fds_[0]; }
  // Networking thread: reads the pipe empty so the next poll blocks again.
  void clear_wake();

 private:
  std::mutex mu_;
  std::vector<Outgoing> queue_;  // guarded by mu_
  int fds_[2] = {-1, -1};        // [0] read end, [1] write end; both non-blocking
};

}  // namespace orion::sdk::detail
