#include "sdk/cpp/outbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace orion::sdk::detail {

Outbox::Outbox() {
  if (::pipe(fds_) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  for (int fd : fds_) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
}

Outbox::~Outbox() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

void Outbox::push(Outgoing message) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(message));
  }
  // Only the push that finds the queue empty needs to wake the loop: the others land in a queue
  // that a wake-up already pending (or a loop turn not yet at take_all) will drain whole. Saves a
  // write(2) per result when many handlers finish together.
  if (was_empty) wake();
}

std::vector<Outgoing> Outbox::take_all() {
  std::vector<Outgoing> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.swap(queue_);
  return out;
}

void Outbox::wake() {
  const char byte = 1;
  // EAGAIN means the pipe is full, i.e. a wake-up is already pending: nothing to do.
  [[maybe_unused]] auto n = ::write(fds_[1], &byte, 1);
}

void Outbox::clear_wake() {
  char buf[256];
  while (::read(fds_[0], buf, sizeof buf) > 0) {
  }
}

}  // namespace orion::sdk::detail
