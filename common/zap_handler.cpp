#include "common/logfmt.h"
#include "common/zap_handler.h"

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/curve_keys.h"

namespace orion {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::size_t kMaxZapFrames = 8;
constexpr std::size_t kMaxZapFrameBytes = 256;
constexpr int kStopCheckMs = 100;     // how soon the thread sees stop_
constexpr int kRefusalLogsPerSecond = 10;

std::string printable_address(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

Status KeyRing::add(const std::string& z85_public_key, const std::string& principal) {
  if (principal.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "a principal needs a name");
  auto bytes = z85_key_bytes(z85_public_key);
  if (!bytes) return make_error(ErrorCode::INVALID_ARGUMENT, "principal " + principal + ": " + bytes.error().message);
  auto [it, fresh] = by_key_.emplace(*bytes, principal);
  if (!fresh && it->second != principal) {
    return make_error(ErrorCode::ALREADY_EXISTS,
                      "principal " + principal + ": its key is principal " + it->second + "'s already");
  }
  return {};
}

const std::string* KeyRing::find(const std::string& key_bytes) const {
  auto it = by_key_.find(key_bytes);
  return it == by_key_.end() ? nullptr : &it->second;
}

ZapHandler::ZapHandler(zmq::context_t& ctx, RingSource ring)
    : socket_(ctx, zmq::socket_type::rep), ring_(std::move(ring)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind(kZapEndpoint);
  thread_ = std::thread([this] {
    run();
    finished_ = true;
  });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  socket_.close();
}

void ensure_zap_handler(zmq::context_t& ctx, const ZapHandler::RingSource& ring) {
  static std::mutex mutex;
  static std::map<void*, std::unique_ptr<ZapHandler>> handlers;  // by context handle
  std::lock_guard<std::mutex> lock(mutex);
  auto& h = handlers[ctx.handle()];
  if (h && h->finished()) h.reset();  // its context is gone; this one is new at the same address
  if (!h) h = std::make_unique<ZapHandler>(ctx, ring);
}

void ZapHandler::run() {
  while (!stop_) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(kStopCheckMs));
      (void)ring_();  // between requests too: a reload asked for is done within 100 ms
      if (item.revents & ZMQ_POLLIN) answer();
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) {  // the context is closing: it waits for this socket
        socket_.close();
        return;
      }
      if (e.num() != EINTR) spdlog::error("event=zap_failed error={}", orion::logfmt_value(e.what()));
    }
  }
}

// One request: [version, request id, domain, address, routing id, mechanism, credentials...].
// One reply: [version, request id, status code, status text, user id, metadata].
void ZapHandler::answer() {
  std::vector<std::string> frames;
  bool oversized = false;
  zmq::message_t m;
  do {
    if (!socket_.recv(m, zmq::recv_flags::dontwait)) break;
    if (frames.size() < kMaxZapFrames && m.size() <= kMaxZapFrameBytes) {
      frames.push_back(m.to_string());
    } else {
      oversized = true;  // read to its end, answered as refused
    }
  } while (m.more());
  if (frames.empty() && !oversized) return;  // nothing was read: nothing to answer

  const std::string request_id = frames.size() > 1 ? frames[1] : std::string();
  std::string code = "400", text, user;
  if (oversized || frames.size() < 7 || frames[0] != "1.0") {
    text = "malformed ZAP request";
  } else if (frames[5] != "CURVE") {
    text = "only CURVE is admitted";
  } else if (frames.size() != 7 || frames[6].size() != 32) {
    text = "malformed CURVE credentials";
  } else if (const auto ring = ring_(); const std::string* who = ring ? ring->find(frames[6]) : nullptr) {
    code = "200", text = "OK", user = *who;
  } else {
    text = "unknown key";
  }
  if (code == "200") {
    ++admitted_;
  } else {
    ++refused_;
    static thread_local std::int64_t window_ms = 0;
    static thread_local int in_window = 0;
    const auto now = steady_now_ms();
    if (now - window_ms >= 1000) window_ms = now, in_window = 0;
    if (++in_window <= kRefusalLogsPerSecond) {
      spdlog::warn("event=connection_refused address={} mechanism={} reason={}",
                   frames.size() > 3 ? printable_address(frames[3]) : "?",
                   frames.size() > 5 ? printable_address(frames[5]) : "?", orion::logfmt_value(text));
    }
  }
  socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(code), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(user), zmq::send_flags::sndmore);
  socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
}

}  // namespace orion
