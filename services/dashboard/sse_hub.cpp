#include "services/dashboard/sse_hub.h"

namespace orion::dashboard {

std::string sse_message(const std::string& event, const std::string& data) {
  std::string out = "event: " + event + "\n";
  std::size_t start = 0;
  while (true) {
    const auto end = data.find('\n', start);
    out += "data: " + data.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out + "\n";
}

std::optional<std::uint64_t> SseHub::join() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || clients_.size() >= kMaxClients) return std::nullopt;
  const std::uint64_t id = next_id_++;
  clients_[id];
  return id;
}

void SseHub::leave(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(id);
}

void SseHub::publish(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, c] : clients_) {
      if (c.dropped) continue;
      if (c.queue.size() >= kMaxQueued) {
        c.dropped = true;
        c.queue.clear();
        ++dropped_;
        continue;
      }
      c.queue.push_back(message);
    }
  }
  cv_.notify_all();
}

std::optional<std::string> SseHub::next(std::uint64_t id, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&] {
    auto it = clients_.find(id);
    return stopped_ || it == clients_.end() || it->second.dropped || !it->second.queue.empty();
  };
  cv_.wait_for(lock, wait, ready);
  auto it = clients_.find(id);
  if (stopped_ || it == clients_.end() || it->second.dropped) return std::nullopt;
  std::string out;
  for (auto& m : it->second.queue) out += m;
  it->second.queue.clear();
  return out;
}

void SseHub::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

std::size_t SseHub::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

std::uint64_t SseHub::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace orion::dashboard
