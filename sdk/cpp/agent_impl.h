// Agent::Impl, the networking side of the agent SDK, declared once for its two source files:
// agent.cpp (set-up, the loop, timers, stop) and agent_messages.cpp (what each message does).
// Internal to sdk/cpp; the protocol it speaks is described at the top of agent.cpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <zmq.hpp>

#include "common/messages.h"
#include "common/sockets.h"
#include "sdk/cpp/agent.h"
#include "sdk/cpp/backoff.h"
#include "sdk/cpp/outbox.h"
#include "sdk/cpp/running_task.h"
#include "sdk/cpp/worker_pool.h"

namespace orion::sdk {
namespace detail {

inline constexpr std::int64_t kMaxPollMs = 50;              // longest the loop sleeps, ms
inline constexpr std::int64_t kStopGraceMs = 2000;          // stop(): wait for handlers and acks, ms
inline constexpr std::int64_t kGoodbyeMs = 500;             // stop(): wait for DEREGISTER_OK, ms
inline constexpr std::int64_t kWorkerJoinMs = 200;          // then wait for worker threads (real time), ms
inline constexpr std::size_t kMaxRememberedRequests = 256;  // per link
inline constexpr std::size_t kMaxMessagesPerTurn = 1000;    // per socket and loop turn, so timers still run
inline constexpr std::int64_t kVoteRetryMs = 500;           // a VOTE unanswered this long is sent again, ms
inline constexpr std::size_t kMaxRememberedProposals = 4096;  // proposal ids already handed to the vote thread
inline constexpr std::int64_t kLeaderPauseInitialMs = 25;   // NOT_LEADER without a leader: first pause, ms ...
inline constexpr std::int64_t kLeaderPauseMaxMs = 1000;     // ... doubling up to this, before asking again
inline constexpr int kMaxRedirectsInARow = 4;               // named redirects without an ATTACH_OK, then pause
// Voting with several registries: DISCOVER on the probe (every registry's bus) this often while
// some registry's bus is not heard yet, and this often afterwards (a restarted registry's bus), ms.
inline constexpr std::int64_t kBusProbeMs = 300;
inline constexpr std::int64_t kBusRefreshMs = 10'000;

// What the recent requests on one link asked, so an ERROR reply (which carries only the request
// id) can be understood. Bounded: the oldest entries fall off.
class RequestLog {
 public:
  void remember(const std::string& request_id, MsgType type) {
    entries_.emplace_back(request_id, type);
    if (entries_.size() > kMaxRememberedRequests) entries_.pop_front();
  }
  // The type of the request with this id (UNKNOWN when not remembered), forgetting it.
  MsgType take(const std::string& request_id) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == request_id; });
    if (it == entries_.end()) return MsgType::UNKNOWN;
    MsgType type = it->second;
    entries_.erase(it);
    return type;
  }
  void clear() { entries_.clear(); }

 private:
  std::deque<std::pair<std::string, MsgType>> entries_;
};

// One DEALER connection to a peer and its timers.
struct Link {
  Link(const char* link_name, const AgentOptions& o)
      : name(link_name), backoff(o.reconnect_initial_ms, o.reconnect_max_ms) {}

  const char* name;                     // "registry", "scheduler" or "consensus", for logs
  std::string endpoint;                 // where `socket` is connected
  std::optional<zmq::socket_t> socket;  // open while the link is in use
  Backoff backoff;                      // reset by REGISTER_OK / ATTACH_OK
  std::int64_t heartbeat_ms = 1000;     // from REGISTER_OK / ATTACH_OK
  std::int64_t liveness = 3;
  std::int64_t last_heard_ms = 0;       // any message on this socket
  std::int64_t next_heartbeat_ms = 0;
  std::string handshake_id;             // request id of the REGISTER / ATTACH in flight
  std::int64_t handshake_deadline_ms = 0;
  bool heard_since_handshake = false;   // anything at all arrived since the handshake was sent
  RequestLog requests;

  std::int64_t silence_limit_ms() const { return heartbeat_ms * liveness; }
};

}  // namespace detail

class Agent::Impl {
 public:
  Impl(AgentOptions options, const Clock* clock);

  void handle(const std::string& task_type, Handler handler);
  void on_vote(VoteHandler handler);
  const std::string& public_key_hex() const { return spec_.public_key; }
  int run();
  void stop() {
    stop_requested_.store(true);
    outbox_->wake();
  }
  void drain() {
    drain_requested_.store(true);
    outbox_->wake();
  }

 private:
  enum class RegistryState { REGISTERING, REGISTERED };
  enum class SchedulerState { NO_ADDRESS, ATTACHING, ATTACHED };

  struct PendingResult {
    TaskResult result;
    std::string request_id;  // the same on every re-send, so a retry is recognisable
  };

  struct PendingVote {
    Vote vote;               // signed
    std::string request_id;  // the same on every re-send: the leader answers a repeat VOTE_OK duplicate
    std::int64_t sent_ms = -1;       // last send; -1 = not sent yet (no consensus endpoint)
    std::int64_t next_send_ms = 0;
  };

  using Link = detail::Link;
  using Outbox = detail::Outbox;
  using RunningTask = detail::RunningTask;
  using TaskKey = detail::TaskKey;

  void open(Link& link, const std::string& endpoint);
  void close(Link& link);
  void send(Link& link, MsgType type, Json body, const std::string& request_id);
  // The same with a body already packed (common/task_pack.h): the per-task messages.
  void send_packed(Link& link, MsgType type, std::string body, const std::string& request_id);
  void deliver(Link& link, const Envelope& envelope);  // the request id remembered, then sent
  void send_register(std::int64_t now);
  void send_discover(std::int64_t now);
  void send_attach(std::int64_t now);

  void poll_once(std::int64_t timeout_ms);
  std::int64_t poll_timeout_ms(std::int64_t now) const;
  void receive_all(Link& link);
  void on_registry(const Incoming& in, std::int64_t now);
  void on_discovery(const Envelope& e, std::int64_t now);
  void on_scheduler(const Incoming& in, std::int64_t now);
  void on_scheduler_error(const Envelope& e, std::int64_t now);
  // REGISTER or ATTACH refused for the agent id (ALREADY_EXISTS: another process holds it live;
  // PERMISSION_DENIED: another key holds it): true after logging it at error. The handshake is
  // sent again at its deadline, the link's backoff doubling each time, so the agent keeps trying
  // without flapping and without disturbing the holder.
  bool id_refused(const Link& link, MsgType asked, const Error& err, std::int64_t now) const;
  // NOT_LEADER on the scheduler link, to any request: reconnect to `leader` and ATTACH (results
  // not acknowledged go again after ATTACH_OK, same request ids), or, with no leader named,
  // close the link and DISCOVER again after a pause.
  void follow_scheduler_leader(const std::string& leader, MsgType asked, std::int64_t now);
  // The next registry of the list (round robin): where a silent registry link reconnects.
  const std::string& next_registry();
  void on_assign(const std::string& packed_body);
  void on_cancel(const Json& body);
  void on_result_ok(const Envelope& e);
  void drain_outbox();
  void send_started(RunningTask& task);  // TASK_PROGRESS "started", once per attempt
  void on_timers(std::int64_t now);

  void add_result(TaskResult result);
  void send_result(const PendingResult& pending);
  void resend_results();

  // Voting (agent_messages.cpp).
  bool voting() const { return static_cast<bool>(vote_handler_); }
  bool need_discovery() const;
  void use_vote_endpoints(const Discovery& d);
  void listen_bus(const std::string& endpoint);
  void probe_buses(std::int64_t now);
  void on_probe(const Incoming& in);
  void receive_events();
  void on_proposal_created(const Json& data);
  void on_consensus(const Incoming& in, std::int64_t now);
  void add_vote(Vote vote, std::int64_t now);
  void send_vote(PendingVote& pending, std::int64_t now);
  void on_vote_timers(std::int64_t now);
  void lose_consensus(const char* why);

  void begin_drain(std::int64_t now);
  void begin_stop(std::int64_t now);
  bool stop_finished(std::int64_t now) const;
  void say_goodbye();

  AgentOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;                     // system_clock_ unless one was injected
  AgentSpec spec_;                         // what REGISTER and ATTACH announce
  // Random per process, sent in every REGISTER and ATTACH: a reconnect of this process is told
  // from another process taking the id (docs/protocol.md 11.3).
  const std::string instance_;
  std::map<std::string, Handler> handlers_;  // by task type; fixed once run() started
  VoteHandler vote_handler_;               // empty: the agent does not vote; fixed once run() started
  std::string secret_key_;                 // Ed25519, 64 bytes (libsodium form); spec_.public_key is its half
  std::atomic<bool> started_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> drain_requested_{false};  // drain() or a DRAIN from the scheduler
  std::shared_ptr<Outbox> outbox_;         // workers and stop() -> networking thread

  // ---- networking thread only -----------------------------------------------------------
  zmq::context_t ctx_;  // declared before the links: their sockets close first
  Link registry_;
  Link scheduler_;
  RegistryState registry_state_ = RegistryState::REGISTERING;
  SchedulerState scheduler_state_ = SchedulerState::NO_ADDRESS;
  bool attached_before_ = false;           // for the log: attached vs re-attached
  std::vector<std::string> registries_;    // options_.registry split at commas; never empty
  std::size_t next_registry_ = 0;          // index of the registry the link uses next
  std::string discover_id_;                // DISCOVER in flight (empty: none)
  std::int64_t discover_deadline_ms_ = 0;  // when to ask again
  std::int64_t discover_not_before_ms_ = 0;  // no DISCOVER before this (a pause after NOT_LEADER "")
  Backoff discover_backoff_;
  Backoff leader_backoff_;                 // that pause: kLeaderPauseInitialMs, x2 ..., reset by ATTACH_OK
  int redirects_in_a_row_ = 0;             // named NOT_LEADER redirects since the last ATTACH_OK
  detail::WorkerPool* pool_ = nullptr;     // lives in run()
  // Voting, used only with a vote handler.
  detail::WorkerPool* vote_pool_ = nullptr;  // one thread, lives in run()
  std::optional<zmq::socket_t> events_;    // SUB to every bus heard of, proposal.created.<capability>
  std::vector<std::string> buses_;         // DISCOVERY.events_sub of each registry, as events_ connected them
  Link probe_;                             // DEALER to every registry (several only): DISCOVER for their buses
  std::int64_t next_probe_ms_ = 0;
  Link consensus_;                         // DEALER to the consensus leader (DISCOVERY.consensus, NOT_LEADER)
  std::map<std::string, PendingVote> votes_;  // by proposal id, until VOTE_OK or a refusal
  std::set<std::string> seen_proposals_;   // handed to the vote thread already (events may repeat)
  std::deque<std::string> seen_order_;     // oldest first, to bound seen_proposals_
  // Handed to a worker and no result yet. Keys are disjoint from unacked_'s.
  std::map<TaskKey, std::shared_ptr<RunningTask>> running_;
  // What the process uses now, for its HEARTBEAT: CPU in cores since the previous measurement
  // (0 at the first), resident memory, handlers running.
  AgentResources measure_resources(std::int64_t now_ms);
  double last_cpu_seconds_ = -1;
  std::int64_t last_measured_ms_ = 0;
  // Assignments of this loop turn whose "started" is not sent yet (drain_outbox sends it, or
  // drops it when the result is already there).
  std::vector<std::shared_ptr<RunningTask>> starting_;
  // Results the scheduler has not answered with RESULT_OK yet.
  std::map<TaskKey, PendingResult> unacked_;
  bool draining_ = false;                  // drain seen: heartbeats say so; stops once idle
  bool stopping_ = false;                  // stop() seen; never goes back
  std::int64_t stop_deadline_ms_ = 0;
};

}  // namespace orion::sdk
