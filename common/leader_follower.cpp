#include "common/clock.h"
#include "common/leader_follower.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/sockets.h"

namespace orion {

namespace {

constexpr std::size_t kMaxEndpointsNamed = 16;  // endpoints listed in a give-up message
// Redirects followed at once in a row; past this (replicas naming each other while an election
// settles) the next one pauses first, so two stale replicas cannot make the client spin.
constexpr int kMaxRedirectsInARow = 4;

// The endpoints a call tried, in the order first tried, each with its last outcome.
class Tried {
 public:
  void note(const std::string& endpoint, std::string outcome) {
    for (auto& e : entries_) {
      if (e.first == endpoint) {
        e.second = std::move(outcome);
        return;
      }
    }
    if (entries_.size() < kMaxEndpointsNamed) entries_.emplace_back(endpoint, std::move(outcome));
  }
  // The endpoints alone, comma-separated.
  std::string names() const {
    std::string out;
    for (const auto& e : entries_) out += (out.empty() ? "" : ", ") + e.first;
    return out;
  }
  std::string to_string() const {
    if (entries_.empty()) return "no endpoint (none was known)";
    std::string out;
    for (const auto& [endpoint, outcome] : entries_) out += (out.empty() ? "" : ", ") + endpoint + " (" + outcome + ")";
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

std::vector<std::string> split_endpoints(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = trimmed(list.substr(start, comma - start));
    if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

FollowOptions follow_options(const char* what, std::int64_t try_timeout_ms, std::int64_t call_timeout_ms,
                             std::int64_t first_answer_ms) {
  FollowOptions f;
  f.what = what;
  f.try_timeout_ms = try_timeout_ms;
  f.call_timeout_ms = call_timeout_ms;
  f.first_answer_ms = first_answer_ms;
  return f;
}

LeaderFollower::LeaderFollower(zmq::context_t& ctx, FollowOptions options, Locate locate)
    : ctx_(ctx), options_(std::move(options)), locate_(std::move(locate)) {}

LeaderFollower::~LeaderFollower() { sockets_.clear(); }

zmq::socket_t& LeaderFollower::socket_for(const std::string& endpoint) {
  auto& s = sockets_[endpoint];
  if (!s) {
    SocketOptions so;
    so.linger_ms = 0;  // an abandoned request must not hold the process open
    auto made = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::dealer, so));
    try {
      connect_socket(*made, endpoint);  // throws zmq::error_t for a malformed endpoint
    } catch (...) {
      sockets_.erase(endpoint);
      throw;
    }
    s = std::move(made);
  }
  return *s;
}

void LeaderFollower::drop(const std::string& endpoint) { sockets_.erase(endpoint); }

Result<Envelope> LeaderFollower::exchange(const std::string& endpoint, const Envelope& request,
                                          std::int64_t timeout_ms, KeepPacked keep_packed, bool* timed_out) {
  *timed_out = false;
  zmq::socket_t* socket = nullptr;
  try {
    socket = &socket_for(endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "bad endpoint '" + endpoint + "': " + e.what());
  }
  if (!send_envelope(*socket, request)) {
    drop(endpoint);
    *timed_out = true;
    return make_error(ErrorCode::UNAVAILABLE, "cannot send to " + endpoint);
  }
  auto deadline = steady_now_ms() + timeout_ms;
  for (std::int64_t left = timeout_ms; left > 0; left = deadline - steady_now_ms()) {
    zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(left));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    Incoming in;
    while (receive(*socket, in, false, false, keep_packed)) {
      if (in.request_id != request.request_id) continue;  // a late answer to an earlier try
      if (!in.envelope) return in.envelope.error();
      return std::move(*in.envelope);
    }
  }
  drop(endpoint);  // a new socket next time: this one may hold the request queued for a dead peer
  *timed_out = true;
  return make_error(ErrorCode::UNAVAILABLE, "no reply from " + endpoint + " in " + std::to_string(timeout_ms) + " ms");
}

Result<Envelope> LeaderFollower::call(const Envelope& request, std::int64_t hold_ms, KeepPacked keep_packed,
                                      std::int64_t call_timeout_ms) {
  hold_ms = std::max<std::int64_t>(0, hold_ms);
  const std::int64_t start = steady_now_ms();
  const std::int64_t deadline = start + (call_timeout_ms < 0 ? options_.call_timeout_ms : call_timeout_ms) + hold_ms;
  const std::int64_t pause_max = std::max<std::int64_t>(1, options_.pause_max_ms);
  std::int64_t pause_ms = std::clamp<std::int64_t>(options_.pause_initial_ms, 1, pause_max);
  // Pacing between tries while no leader answers: bounded, growing, never past the deadline.
  int redirects = 0;  // followed at once since the last pause
  auto pause = [&] {
    redirects = 0;
    std::int64_t left = deadline - steady_now_ms();
    if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(pause_ms, left)));
    pause_ms = std::min(pause_ms * 2, pause_max);
  };
  int tries = 0;
  Tried tried;
  Error last = make_error(ErrorCode::UNAVAILABLE, "no " + options_.what + " endpoint known");
  // first_answer_ms: until anything answers, the call is bounded by it (leader_follower.h).
  const bool first_bound = options_.first_answer_ms >= 0 && !answered_;
  const std::int64_t first_deadline = start + std::max<std::int64_t>(1, options_.first_answer_ms);
  const std::string service = "orion-" + options_.what;
  auto unanswered = [&] { return first_bound && steady_now_ms() >= first_deadline; };
  while (steady_now_ms() < deadline) {
    if (current_.empty()) {
      auto where = locate_(std::max<std::int64_t>(1, deadline - steady_now_ms()));
      if (!where || where->empty()) {
        last = where ? make_error(ErrorCode::UNAVAILABLE, "the registry knows no " + options_.what + " yet")
                     : where.error();
        if (unanswered()) {
          if (!where) return last;  // the registry's own answer to "is it running"
          return make_error(ErrorCode::UNAVAILABLE, "the registry knows no " + options_.what + " after " +
                                                        std::to_string(steady_now_ms() - start) + " ms: is " +
                                                        service + " running, and registered with this registry?");
        }
        pause();
        continue;
      }
      current_ = *where;
    }
    const std::string at = current_;
    std::int64_t try_ms = std::min(options_.try_timeout_ms + hold_ms, std::max<std::int64_t>(1, deadline - steady_now_ms()));
    if (first_bound) try_ms = std::min(try_ms, std::max<std::int64_t>(1, options_.first_answer_ms / 2) + hold_ms);
    bool timed_out = false;
    ++tries;
    auto r = exchange(at, request, try_ms, keep_packed, &timed_out);
    if (timed_out) {
      // Dead, partitioned or restarting: a new socket drops what the old one queued.
      tried.note(at, "no reply");
      last = r.error();
      current_.clear();
      if (unanswered()) {
        return make_error(ErrorCode::UNAVAILABLE, "no answer from the " + options_.what + " at " + tried.names() +
                                                      " in " + std::to_string(steady_now_ms() - start) + " ms: is " +
                                                      service + " running there?");
      }
      pause();
      continue;
    }
    answered_ = true;
    if (!r) {
      current_.clear();
      return r.error();  // a reply that did not decode, or a malformed endpoint
    }
    if (r->type != MsgType::ERROR) return r;
    Error err = error_from_body(r->body);
    if (err.code == ErrorCode::NOT_LEADER) {
      std::string leader = r->body.is_object() && r->body.contains("leader") && r->body["leader"].is_string()
                               ? r->body["leader"].get<std::string>()
                               : std::string();
      last = err;
      if (!leader.empty() && leader != at) {
        tried.note(at, "NOT_LEADER, leader " + leader);
        spdlog::debug("event=leader_redirect what={} type={} request={} from={} to={}", options_.what,
                      to_string(request.type), request.request_id, at, leader);
        current_ = leader;  // at once: the leader is named
        if (++redirects > kMaxRedirectsInARow) pause();
        continue;
      }
      tried.note(at, "NOT_LEADER, no leader yet");
      current_.clear();  // an election is under way: ask again after a pause
      pause();
      continue;
    }
    if (err.code == ErrorCode::UNAVAILABLE) {
      // A leader catching up, or one that lost leadership with the request in flight ("outcome
      // unknown"): the same request id again, wherever the leader is now.
      tried.note(at, "UNAVAILABLE");
      last = err;
      current_.clear();
      pause();
      continue;
    }
    return err;
  }
  current_.clear();
  return make_error(ErrorCode::UNAVAILABLE,
                    options_.what + " " + std::string(to_string(request.type)) + ": gave up after " +
                        std::to_string(tries) + " tries in " + std::to_string(steady_now_ms() - start) +
                        " ms; tried " + tried.to_string() + "; last error: " + last.to_string());
}

// ---- Registries -------------------------------------------------------------------------------

Registries::Registries(zmq::context_t& ctx, const std::string& list, FollowOptions options)
    : endpoints_(split_endpoints(list)),
      follower_(ctx, [&] {
        options.what = "registry";
        return std::move(options);
      }(), [this](std::int64_t) -> Result<std::string> {
        if (endpoints_.empty()) return make_error(ErrorCode::UNAVAILABLE, "no registry configured");
        return endpoints_[next_++ % endpoints_.size()];
      }) {}

Result<Envelope> Registries::call(MsgType type, const Json& body, std::int64_t call_timeout_ms) {
  if (endpoints_.empty()) return make_error(ErrorCode::UNAVAILABLE, "no registry configured");
  return follower_.call(Envelope{type, random_hex(8), body}, 0, nullptr, call_timeout_ms);
}

Result<Discovery> Registries::discover(std::int64_t call_timeout_ms) {
  auto r = call(MsgType::DISCOVER, Json::object(), call_timeout_ms);
  if (!r) return r.error();
  return Discovery::from_body(r->body);
}

}  // namespace orion
