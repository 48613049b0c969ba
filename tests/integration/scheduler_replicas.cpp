#include "tests/integration/scheduler_replicas.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

#include "common/ids.h"
#include "common/sockets.h"

namespace orion::testing {

namespace {

// Whether nothing listens on (or holds) 127.0.0.1:port right now.
bool port_is_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// Ports are drawn from 20000-32767, below Linux's ephemeral range (32768-60999): a port the
// kernel handed out for bind(0) lies in that range, where any outgoing connection of a test
// running beside this one may take it before our process binds it (raft_start then fails with
// "I/O error"). Below it, only another test drawing the same number can collide; the draw is
// random per process and each port is handed out once per process.
int free_port() {
  static std::mutex mu;
  static std::set<int> given;
  static std::mt19937 rng(static_cast<std::uint32_t>(std::random_device{}() ^ static_cast<std::uint32_t>(::getpid())));
  std::lock_guard<std::mutex> lock(mu);
  std::uniform_int_distribution<int> pick(20000, 32767);
  for (int tries = 0; tries < 1000; ++tries) {
    const int port = pick(rng);
    if (given.count(port) || !port_is_free(port)) continue;
    given.insert(port);
    return port;
  }
  throw std::runtime_error("free_port: no free port in 20000-32767 after 1000 draws");
}

Result<Envelope> ask(const std::string& endpoint, const Envelope& request, std::int64_t timeout_ms) {
  static zmq::context_t ctx(1);
  SocketOptions so;
  so.linger_ms = 0;
  zmq::socket_t s = make_socket(ctx, zmq::socket_type::dealer, so);
  s.connect(endpoint);
  if (!send_envelope(s, request)) return make_error(ErrorCode::UNAVAILABLE, "cannot send to " + endpoint);
  const auto deadline = now_ms() + timeout_ms;
  for (auto left = timeout_ms; left > 0; left = deadline - now_ms()) {
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(left));
    Incoming in;
    while (receive(s, in, false)) {
      if (in.request_id != request.request_id) continue;
      if (!in.envelope) return in.envelope.error();
      return std::move(*in.envelope);
    }
  }
  return make_error(ErrorCode::UNAVAILABLE, "no answer from " + endpoint);
}

SchedulerReplicas::SchedulerReplicas(Cluster& cluster, int n, std::vector<std::string> extra_args)
    : cluster_(cluster), n_(n), extra_(std::move(extra_args)) {
  for (int id = 1; id <= n; ++id) {
    peers_ += (peers_.empty() ? "" : ",") + std::to_string(id) + "@127.0.0.1:" + std::to_string(free_port());
  }
  for (int id = 1; id <= n; ++id) start(id);
}

SchedulerReplicas::~SchedulerReplicas() { procs_.clear(); }

void SchedulerReplicas::start(int id) {
  const std::string name = "scheduler-" + std::to_string(id);
  std::string ready = cluster_.dir().file(name + ".ready");
  std::remove(ready.c_str());
  // Fixed ports, kept across restarts: a deposed leader starts itself again in place, and its
  // clients and agents find it where it was.
  if (!ports_.count(id)) ports_[id] = {free_port(), free_port()};
  std::vector<std::string> args{"--registry",    cluster_.registry_endpoint,
                                "--bind-client", "tcp://127.0.0.1:" + std::to_string(ports_[id].first),
                                "--bind-agent",  "tcp://127.0.0.1:" + std::to_string(ports_[id].second),
                                "--heartbeat-ms", "200",
                                "--data-dir",    cluster_.dir().file("data-" + name),
                                "--ready-file",  ready,
                                "--id",          std::to_string(id),
                                "--peers",       peers_};
  if (joining_.count(id)) {
    args.back() += "," + std::to_string(id) + "@" + joining_[id];
    args.insert(args.end(), {"--join", "true"});
  }
  args.insert(args.end(), extra_.begin(), extra_.end());
  procs_[id].reset();
  procs_[id] = std::make_unique<Process>(bin("orion-scheduler"), args,
                                         cluster_.dir().file(name + "-" + std::to_string(++starts_[id]) + ".log"));
  auto j = wait_for_json_file(ready, 10'000);
  if (!j) throw std::runtime_error(name + " did not become ready:\n" + procs_[id]->log_tail());
  clients_[id] = j->at("client").get<std::string>();
}

std::string SchedulerReplicas::start_joining(int id) {
  joining_[id] = "127.0.0.1:" + std::to_string(free_port());
  start(id);
  return joining_[id];
}

void SchedulerReplicas::kill9(int id) { procs_.at(id)->kill9(); }

std::optional<ReplicaInfo> SchedulerReplicas::info(int id, bool digest, std::int64_t timeout_ms) {
  if (!running(id)) return std::nullopt;
  Json body = Json::object();
  if (digest) body["digest"] = true;
  auto r = ask(clients_.at(id), Envelope{MsgType::GET_REPLICA, random_hex(8), body}, timeout_ms);
  if (!r || r->type != MsgType::REPLICA_INFO) return std::nullopt;
  auto i = ReplicaInfo::from_body(r->body);
  if (!i) return std::nullopt;
  return *i;
}

std::optional<int> SchedulerReplicas::wait_leader(std::int64_t timeout_ms, int not_this) {
  std::optional<int> leader;
  wait_until(
      [&] {
        for (const auto& [id, p] : procs_) {
          if (id == not_this) continue;
          auto i = info(id);
          if (i && i->role == "leader") {
            leader = id;
            return true;
          }
        }
        return false;
      },
      timeout_ms);
  return leader;
}

Result<Envelope> SchedulerReplicas::ask_leader(const Envelope& request, std::int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left = [&] {
    return std::max<std::int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
  };
  Result<Envelope> last = make_error(ErrorCode::UNAVAILABLE, "no replica leads");
  while (std::chrono::steady_clock::now() < deadline) {
    auto leader = wait_leader(left());
    if (!leader) break;
    last = ask(client(*leader), request, left());
    if (!last) continue;
    if (last->type != MsgType::ERROR) return last;
    const auto code = error_from_body(last->body).code;
    if (code != ErrorCode::NOT_LEADER && code != ErrorCode::UNAVAILABLE) return last;
  }
  return last;
}

std::string SchedulerReplicas::logs() const {
  std::string out;
  for (const auto& [id, p] : procs_) {
    if (p) out += "---- scheduler " + std::to_string(id) + " ----\n" + p->log_tail(4000) + "\n";
  }
  return out;
}

}  // namespace orion::testing
