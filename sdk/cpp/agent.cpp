// The agent's side of the protocol (docs/protocol.md has the whole of it).
//
// One networking thread (the one in run()) owns both DEALER sockets and every field of Impl
// below the "networking thread" line; handlers run on a WorkerPool and hand their progress and
// results back through an Outbox (a mutex-protected queue plus a self-pipe the loop polls).
// The loop wakes at least every kMaxPollMs; all timing reads the injected Clock.
//
// Registry link: DEALER to options.registry.
//   state        event                                     actions                               next
//   REGISTERING  REGISTER_OK for our request id            reset backoff, start heartbeats       REGISTERED
//   REGISTERING  deadline; nothing heard since REGISTER    new socket (Lazy Pirate), REGISTER    REGISTERING
//   REGISTERING  deadline; an answer came (e.g. ERROR)     REGISTER again                        REGISTERING
//                (ERROR ALREADY_EXISTS / PERMISSION_DENIED: the id is another process's or key's;
//                logged at error, event=agent_id_refused, and tried again so, with the backoff)
//   REGISTERED   heartbeat_ms passed                       HEARTBEAT {agent_id, load}            REGISTERED
//   REGISTERED   ERROR NOT_FOUND to a HEARTBEAT            REGISTER                              REGISTERING
//   REGISTERED   nothing heard for heartbeat_ms*liveness   new socket (Paranoid Pirate), REGISTER REGISTERING
// Each REGISTER waits backoff.next_ms() (reconnect_initial_ms, x2, ... reconnect_max_ms).
// REGISTER and ATTACH carry `instance`, a random token made once per process: the same process
// reconnecting keeps its id; another process's claim on a live id is refused (protocol.md 11.3).
//
// Scheduler link: DEALER to DISCOVERY.scheduler_agent.
//   NO_ADDRESS   registry REGISTERED, no DISCOVER pending  DISCOVER on the registry link         NO_ADDRESS
//   NO_ADDRESS   DISCOVERY, scheduler_agent empty          DISCOVER again after a backoff        NO_ADDRESS
//   NO_ADDRESS   DISCOVERY, scheduler_agent set            connect, ATTACH                       ATTACHING
//                (ATTACH carries `running`: the attempts running, queued, or with a result unacknowledged)
//   ATTACHING    ATTACH_OK for our request id              reset backoff, re-send results        ATTACHED
//   ATTACHING    deadline; nothing heard since ATTACH      close socket (re-DISCOVER next)       NO_ADDRESS
//   ATTACHING    deadline; an answer came (e.g. ERROR)     ATTACH again                          ATTACHING
//                (an id refused as for REGISTER: event=agent_id_refused, tried again with the backoff)
//   ATTACHED     heartbeat_ms passed                       AGENT_HEARTBEAT, re-send results      ATTACHED
//   ATTACHED     ERROR NOT_FOUND to an AGENT_HEARTBEAT     ATTACH                                ATTACHING
//   ATTACHED     nothing heard for heartbeat_ms*liveness   close socket (re-DISCOVER next)       NO_ADDRESS
//   any          ERROR NOT_LEADER, `leader` named          new socket to `leader`, ATTACH        ATTACHING
//   any          ERROR NOT_LEADER, `leader` ""             close socket, DISCOVER after a pause  NO_ADDRESS
//                (25 ms doubling to 1 s, reset by ATTACH_OK; the 5th named redirect in a row
//                without an ATTACH_OK is taken as "" too, so stale replicas cannot ping-pong)
// The registry may be a comma-separated list: a registry link that reconnects (no answer to
// REGISTER, silence) goes to the next registry of the list.
//
// Tasks, on the scheduler link in any state:
//   ASSIGN (k = task_id, attempt)  k running or its result unacknowledged: ignore (re-send the
//                                  result); no handler: TASK_RESULT ok=false at once; else
//                                  the handler on a worker, and TASK_PROGRESS 0 "started" at
//                                  the end of this loop turn unless its result is already in.
//   CANCEL_TASK k                  k's cancel token set (only that attempt); a job no worker has
//                                  started yet does not run its handler: its result is ok=false
//                                  "cancelled before it started" (the scheduler frees the slot).
//   handler ends                   TASK_RESULT kept until RESULT_OK k (accepted or not), re-sent
//                                  on every heartbeat tick and after ATTACH_OK.
//   ERROR to a TASK_RESULT         kept when the code says retry (UNAVAILABLE, INTERNAL,
//                                  DEADLINE_EXCEEDED, NOT_LEADER); otherwise dropped with a warning.
//
// drain() or DRAIN from the scheduler: AGENT_HEARTBEAT at once and from then on with
// draining = true (the scheduler assigns nothing more); ASSIGNs already on their way still run;
// once nothing runs and every result is acknowledged, stop() as below (nothing to cancel).
//
// Votes (only with a vote handler, Agent::on_vote):
//   DISCOVERY                      events_sub: SUB connected, subscribed to proposal.created.<cap>
//                                  for each capability; consensus: the DEALER to the leader.
//                                  DISCOVER is repeated (backoff) while either is still unknown.
//   several registries             the probe, a DEALER to all of them, sends DISCOVER every
//                                  kBusProbeMs (each goes to the next connected registry) until
//                                  every registry's bus is heard, then every kBusRefreshMs; the SUB
//                                  connects to each bus named, so events keep coming when any one
//                                  registry dies. An event heard twice is one proposal: seen once.
//   proposal.created event         capability one of ours, consensus type not RAFT, this agent
//                                  among `voters`, not seen before: the handler runs on the vote
//                                  thread, which signs the answer (vote_signature.h).
//   signed vote                    VOTE (one request id per proposal) to the leader, re-sent every
//                                  kVoteRetryMs until VOTE_OK; nothing at all heard from the
//                                  leader since the last send: forget its endpoint, DISCOVER.
//   ERROR to a VOTE                NOT_LEADER with a leader: reconnect there, re-send at once;
//                                  NOT_LEADER without one: DISCOVER, re-send; UNAVAILABLE,
//                                  INTERNAL, DEADLINE_EXCEEDED: re-send later; any other code
//                                  (PERMISSION_DENIED, FAILED_PRECONDITION, ...): dropped, logged.
//   Events are news: a proposal whose event was lost gets no vote from this agent.
//
// stop(): ignore further ASSIGNs, drop jobs no worker started (DETACH lets the scheduler
// re-queue them), cancel the running ones, keep the loop going until handlers end and results
// are acknowledged (at most kStopGraceMs), DETACH, DEREGISTER (waits kGoodbyeMs for the answer).

#include "sdk/cpp/agent.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/config.h"
#include "common/ids.h"
#include "common/leader_follower.h"
#include "common/process_usage.h"
#include "common/vote_signature.h"
#include "sdk/cpp/agent_impl.h"
#include "sdk/cpp/default_signals.h"

namespace orion::sdk {

using namespace detail;  // NOLINT: the constants and types of agent_impl.h

Agent::Impl::Impl(AgentOptions options, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock ? *clock : system_clock_),
      instance_(random_hex(16)),
      outbox_(std::make_shared<Outbox>()),
      registry_("registry", options_),
      scheduler_("scheduler", options_),
      registries_(split_endpoints(options_.registry)),
      discover_backoff_(options_.reconnect_initial_ms, options_.reconnect_max_ms),
      leader_backoff_(kLeaderPauseInitialMs, kLeaderPauseMaxMs),
      probe_("bus probe", options_),
      consensus_("consensus", options_) {
  if (options_.agent_id.empty()) throw std::invalid_argument("AgentOptions.agent_id is required");
  if (registries_.empty()) throw std::invalid_argument("AgentOptions.registry names no registry");
  if (options_.capacity < 1) throw std::invalid_argument("AgentOptions.capacity must be >= 1");
  if (!(options_.weight > 0) || !std::isfinite(options_.weight)) {
    throw std::invalid_argument("AgentOptions.weight must be > 0");
  }
  spec_.agent_id = options_.agent_id;
  spec_.capabilities = options_.capabilities;
  spec_.capacity = options_.capacity;
  spec_.weight = options_.weight;
  spec_.labels = options_.labels;
  spec_.sdk_version = kSdkVersion;
  if (options_.secret_key_hex.empty()) {
    consensus::VoteKeys keys = consensus::VoteKeys::generate();
    secret_key_ = keys.secret_key;
    spec_.public_key = keys.public_key_hex();
    spdlog::info("event=vote_key_generated agent={} public_key={}", spec_.agent_id, spec_.public_key);
  } else {
    std::string raw = consensus::from_hex(options_.secret_key_hex);
    if (raw.size() != 32 && raw.size() != 64) {
      throw std::invalid_argument("AgentOptions.secret_key_hex must be 128 hex digits (secret key) or 64 (seed)");
    }
    consensus::VoteKeys keys = consensus::VoteKeys::from_seed(std::string_view(raw).substr(0, 32));
    if (raw.size() == 64 && raw.substr(32) != keys.public_key) {
      throw std::invalid_argument("AgentOptions.secret_key_hex: its public half does not match its seed");
    }
    secret_key_ = keys.secret_key;
    spec_.public_key = keys.public_key_hex();
  }
  // The registry would refuse what its decoder refuses (over-long names, too many items): say so now.
  auto check = AgentSpec::from_json(spec_.to_json());
  if (!check) throw std::invalid_argument("AgentOptions: " + check.error().message);
}

void Agent::Impl::handle(const std::string& task_type, Handler handler) {
  if (started_.load()) throw std::logic_error("Agent::handle() must be called before run()");
  if (!handler) throw std::invalid_argument("Agent::handle(): empty handler for '" + task_type + "'");
  handlers_[task_type] = std::move(handler);
}

void Agent::Impl::on_vote(VoteHandler handler) {
  if (started_.load()) throw std::logic_error("Agent::on_vote() must be called before run()");
  vote_handler_ = std::move(handler);
}

int Agent::Impl::run() {
  if (started_.exchange(true)) throw std::logic_error("Agent::run() may be called only once");
  detail::WorkerPool pool(options_.capacity);
  pool_ = &pool;
  std::optional<detail::WorkerPool> vote_pool;  // one thread, only when voting
  if (voting()) vote_pool.emplace(1);
  vote_pool_ = vote_pool ? &*vote_pool : nullptr;
  spdlog::info("event=agent_starting agent={} registry={} capacity={} capabilities={} voting={} public_key={} instance={}",
               spec_.agent_id, options_.registry, spec_.capacity, Json(spec_.capabilities).dump(), voting(),
               spec_.public_key, instance_);

  open(registry_, next_registry());  // throws zmq::error_t for a malformed endpoint
  if (voting() && registries_.size() > 1) {
    probe_.socket.emplace(make_socket(ctx_, zmq::socket_type::dealer));
    probe_.socket->set(zmq::sockopt::immediate, 1);  // round robin over the registries that answer
    for (const auto& r : registries_) connect_socket(*probe_.socket, r);
  }
  send_register(clock_.now_ms());
  while (true) {
    std::int64_t now = clock_.now_ms();
    if (drain_requested_.load() && !draining_ && !stopping_) begin_drain(now);
    // Drained: nothing running, every result acknowledged. Then leave as stop() does.
    if (draining_ && !stopping_ && running_.empty() && unacked_.empty()) begin_stop(now);
    if (stop_requested_.load() && !stopping_) begin_stop(now);
    if (stopping_ && stop_finished(now)) break;
    poll_once(poll_timeout_ms(now));
    outbox_->clear_wake();  // before draining: a push after take_all() wakes the next poll
    receive_all(registry_);
    receive_all(scheduler_);
    receive_all(consensus_);
    receive_all(probe_);
    receive_events();
    drain_outbox();
    on_timers(clock_.now_ms());
  }
  say_goodbye();
  pool_ = nullptr;
  vote_pool_ = nullptr;
  if (vote_pool) {
    vote_pool->drop_queued();
    if (vote_pool->shutdown(kWorkerJoinMs) > 0) {
      spdlog::warn("event=vote_handler_abandoned agent={} why=still_running_at_stop", spec_.agent_id);
    }
  }
  int stuck = pool.shutdown(kWorkerJoinMs);
  if (stuck > 0) {
    spdlog::warn("event=handlers_abandoned agent={} threads={} why=they_ignored_cancellation", spec_.agent_id,
                 stuck);
  }
  return 0;
}

// ---- sockets --------------------------------------------------------------------------------

void Agent::Impl::open(Link& link, const std::string& endpoint) {
  close(link);
  link.socket.emplace(make_socket(ctx_, zmq::socket_type::dealer));
  try {
    connect_socket(*link.socket, endpoint);
  } catch (...) {
    link.socket.reset();
    throw;
  }
  link.endpoint = endpoint;
}

const std::string& Agent::Impl::next_registry() {
  const std::string& r = registries_[next_registry_ % registries_.size()];
  ++next_registry_;
  return r;
}

void Agent::Impl::close(Link& link) {
  if (link.socket) link.socket->close();  // linger (sockets.h) bounds how long queued frames wait
  link.socket.reset();
  link.requests.clear();
  link.handshake_id.clear();
}

void Agent::Impl::send(Link& link, MsgType type, Json body, const std::string& request_id) {
  deliver(link, Envelope{type, request_id, std::move(body)});
}

void Agent::Impl::send_packed(Link& link, MsgType type, std::string body, const std::string& request_id) {
  deliver(link, packed_envelope(type, request_id, std::move(body)));
}

void Agent::Impl::deliver(Link& link, const Envelope& envelope) {
  if (!link.socket) return;
  if (!envelope.request_id.empty()) link.requests.remember(envelope.request_id, envelope.type);
  if (!send_envelope(*link.socket, envelope)) {
    spdlog::debug("event=send_failed agent={} peer={} type={}", spec_.agent_id, link.name, to_string(envelope.type));
  }
}

void Agent::Impl::send_register(std::int64_t now) {
  registry_.handshake_id = random_hex(8);
  registry_.heard_since_handshake = false;
  std::int64_t wait_ms = registry_.backoff.next_ms();
  registry_.handshake_deadline_ms = now + wait_ms;
  spdlog::debug("event=register_sent agent={} registry={} wait_ms={}", spec_.agent_id, registry_.endpoint, wait_ms);
  send(registry_, MsgType::REGISTER, Register{spec_, instance_}.to_body(), registry_.handshake_id);
}

void Agent::Impl::send_discover(std::int64_t now) {
  discover_id_ = random_hex(8);
  discover_deadline_ms_ = now + discover_backoff_.next_ms();
  send(registry_, MsgType::DISCOVER, Json::object(), discover_id_);
}

void Agent::Impl::send_attach(std::int64_t now) {
  scheduler_.handshake_id = random_hex(8);
  scheduler_.heard_since_handshake = false;
  std::int64_t wait_ms = scheduler_.backoff.next_ms();
  scheduler_.handshake_deadline_ms = now + wait_ms;
  spdlog::debug("event=attach_sent agent={} scheduler={} wait_ms={}", spec_.agent_id, scheduler_.endpoint, wait_ms);
  // `running`: every attempt we hold, so the scheduler keeps their leases (and cancels the ones
  // no longer ours); those whose result is unacknowledged too, as it is re-sent after ATTACH_OK.
  Attach attach{spec_, std::vector<TaskRef>{}, instance_};
  for (const auto& entry : running_) attach.running->push_back({entry.first.first, entry.first.second});
  for (const auto& entry : unacked_) attach.running->push_back({entry.first.first, entry.first.second});
  send(scheduler_, MsgType::ATTACH, attach.to_body(), scheduler_.handshake_id);
}

// ---- the loop -------------------------------------------------------------------------------

void Agent::Impl::poll_once(std::int64_t timeout_ms) {
  std::vector<zmq::pollitem_t> items;
  items.push_back({nullptr, outbox_->wake_fd(), ZMQ_POLLIN, 0});
  if (registry_.socket) items.push_back({registry_.socket->handle(), 0, ZMQ_POLLIN, 0});
  if (scheduler_.socket) items.push_back({scheduler_.socket->handle(), 0, ZMQ_POLLIN, 0});
  if (consensus_.socket) items.push_back({consensus_.socket->handle(), 0, ZMQ_POLLIN, 0});
  if (events_) items.push_back({events_->handle(), 0, ZMQ_POLLIN, 0});
  if (probe_.socket) items.push_back({probe_.socket->handle(), 0, ZMQ_POLLIN, 0});
  try {
    zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;  // a signal (e.g. the SIGINT that calls stop()) is not an error
  }
}

// Until the earliest timer, but never more than kMaxPollMs (stop() and lost wake-ups are
// noticed within that).
std::int64_t Agent::Impl::poll_timeout_ms(std::int64_t now) const {
  std::int64_t next = now + kMaxPollMs;
  auto consider = [&](std::int64_t t) { next = std::min(next, t); };
  if (registry_state_ == RegistryState::REGISTERING) {
    consider(registry_.handshake_deadline_ms);
  } else {
    consider(registry_.next_heartbeat_ms);
    consider(registry_.last_heard_ms + registry_.silence_limit_ms() + 1);
    if (need_discovery() && !stopping_) {
      if (!discover_id_.empty()) consider(std::max(discover_deadline_ms_, discover_not_before_ms_));
      else if (discover_not_before_ms_ > now) consider(discover_not_before_ms_);  // the pause after NOT_LEADER ""
    }
  }
  for (const auto& entry : votes_) consider(entry.second.next_send_ms);
  if (probe_.socket && !stopping_) consider(next_probe_ms_);
  if (scheduler_state_ == SchedulerState::ATTACHING) consider(scheduler_.handshake_deadline_ms);
  if (scheduler_state_ == SchedulerState::ATTACHED) {
    consider(scheduler_.next_heartbeat_ms);
    consider(scheduler_.last_heard_ms + scheduler_.silence_limit_ms() + 1);
  }
  if (stopping_) consider(stop_deadline_ms_);
  return std::clamp<std::int64_t>(next - now, 0, kMaxPollMs);
}

void Agent::Impl::receive_all(Link& link) {
  for (std::size_t i = 0; i < kMaxMessagesPerTurn && link.socket; ++i) {
    Incoming in;
    try {
      // ASSIGN, one per task, is read from its msgpack directly (Assign::from_packed).
      KeepPacked keep = &link == &scheduler_ ? [](MsgType t) { return t == MsgType::ASSIGN; } : KeepPacked{nullptr};
      if (!receive(*link.socket, in, /*routed=*/false, /*topic=*/false, keep)) return;
    } catch (const zmq::error_t& e) {
      spdlog::debug("event=receive_failed agent={} peer={} error={}", spec_.agent_id, link.name, e.what());
      return;
    }
    if (&link == &registry_) on_registry(in, clock_.now_ms());
    else if (&link == &probe_) on_probe(in);
    else if (&link == &consensus_) on_consensus(in, clock_.now_ms());
    else on_scheduler(in, clock_.now_ms());
  }
}

void Agent::Impl::on_timers(std::int64_t now) {
  // Registry link.
  if (registry_state_ == RegistryState::REGISTERING) {
    if (now >= registry_.handshake_deadline_ms) {
      if (!registry_.heard_since_handshake) {
        // debug while backing off; info once the delay is at its maximum, one line per retry.
        auto level = registry_.backoff.peek_ms() >= registry_.backoff.max_ms() ? spdlog::level::info
                                                                                : spdlog::level::debug;
        spdlog::log(level, "event=registry_no_answer agent={} registry={} action=reconnect", spec_.agent_id,
                    registry_.endpoint);
        open(registry_, next_registry());
        discover_id_.clear();  // it went with the old socket
      }
      send_register(now);
    }
  } else if (now - registry_.last_heard_ms > registry_.silence_limit_ms()) {
    spdlog::warn("event=registry_silent agent={} registry={} silent_ms={} action=register_again", spec_.agent_id,
                 registry_.endpoint, now - registry_.last_heard_ms);
    open(registry_, next_registry());
    discover_id_.clear();
    registry_state_ = RegistryState::REGISTERING;
    send_register(now);
  } else if (now >= registry_.next_heartbeat_ms) {
    Heartbeat hb{spec_.agent_id, static_cast<std::int64_t>(running_.size())};
    hb.resources = measure_resources(now);
    send(registry_, MsgType::HEARTBEAT, hb.to_body(), random_hex(8));
    registry_.next_heartbeat_ms = now + registry_.heartbeat_ms;
  }

  // Discovery, on the registry link, while the scheduler's (or, voting, the bus's or the
  // consensus leader's) address is needed.
  if (need_discovery() && registry_state_ == RegistryState::REGISTERED && !stopping_ &&
      now >= discover_not_before_ms_ && (discover_id_.empty() || now >= discover_deadline_ms_)) {
    send_discover(now);
  }
  if (probe_.socket && !stopping_ && now >= next_probe_ms_) probe_buses(now);

  // Scheduler link.
  if (scheduler_state_ == SchedulerState::ATTACHING && now >= scheduler_.handshake_deadline_ms) {
    if (scheduler_.heard_since_handshake) {
      send_attach(now);
    } else {
      spdlog::info("event=scheduler_no_answer agent={} scheduler={} action=discover_again", spec_.agent_id,
                   scheduler_.endpoint);
      close(scheduler_);
      scheduler_state_ = SchedulerState::NO_ADDRESS;
      discover_id_.clear();
    }
  } else if (scheduler_state_ == SchedulerState::ATTACHED) {
    if (now - scheduler_.last_heard_ms > scheduler_.silence_limit_ms()) {
      spdlog::warn("event=scheduler_silent agent={} scheduler={} silent_ms={} action=discover_again", spec_.agent_id,
                   scheduler_.endpoint, now - scheduler_.last_heard_ms);
      close(scheduler_);
      scheduler_state_ = SchedulerState::NO_ADDRESS;
      discover_id_.clear();
    } else if (now >= scheduler_.next_heartbeat_ms) {
      AgentHeartbeat hb;
      hb.agent_id = spec_.agent_id;
      hb.draining = draining_;
      for (const auto& entry : running_) hb.running.push_back({entry.first.first, entry.first.second});
      send(scheduler_, MsgType::AGENT_HEARTBEAT, hb.to_body(), random_hex(8));
      resend_results();
      scheduler_.next_heartbeat_ms = now + scheduler_.heartbeat_ms;
    }
  }

  on_vote_timers(now);
}

// ---- stop -----------------------------------------------------------------------------------

void Agent::Impl::begin_drain(std::int64_t now) {
  draining_ = true;
  scheduler_.next_heartbeat_ms = now;  // tell the scheduler at once: no new work
  spdlog::info("event=draining agent={} running={} unacked_results={}", spec_.agent_id, running_.size(),
               unacked_.size());
}

void Agent::Impl::begin_stop(std::int64_t now) {
  stopping_ = true;
  stop_deadline_ms_ = now + kStopGraceMs;
  for (const auto& key : pool_->drop_queued()) running_.erase(key);
  if (vote_pool_) vote_pool_->drop_queued();
  for (auto& entry : running_) entry.second->cancel();
  spdlog::info("event=stopping agent={} running={} unacked_results={}", spec_.agent_id, running_.size(),
               unacked_.size());
}

bool Agent::Impl::stop_finished(std::int64_t now) const {
  if (now >= stop_deadline_ms_) return true;
  return running_.empty() && (unacked_.empty() || scheduler_state_ != SchedulerState::ATTACHED);
}

void Agent::Impl::say_goodbye() {
  if (scheduler_.socket) send(scheduler_, MsgType::DETACH, Detach{spec_.agent_id}.to_body(), random_hex(8));
  if (registry_.socket && registry_state_ == RegistryState::REGISTERED) {
    std::string id = random_hex(8);
    send(registry_, MsgType::DEREGISTER, Deregister{spec_.agent_id}.to_body(), id);
    std::int64_t deadline = clock_.now_ms() + kGoodbyeMs;
    bool answered = false;
    // Bounded by turns too, so a stopped test clock cannot hold us here.
    for (std::int64_t turn = 0; turn <= kGoodbyeMs / kMaxPollMs && !answered; ++turn) {
      std::int64_t left = deadline - clock_.now_ms();
      if (left <= 0) break;
      std::vector<zmq::pollitem_t> items{{registry_.socket->handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, std::chrono::milliseconds(std::min(left, kMaxPollMs)));
        Incoming in;
        while (!answered && receive(*registry_.socket, in, false)) answered = in.request_id == id;
      } catch (const zmq::error_t&) {
        // EINTR: try again while time is left.
      }
    }
    if (!answered) spdlog::debug("event=deregister_unanswered agent={}", spec_.agent_id);
  }
  if (!unacked_.empty() || !running_.empty()) {
    spdlog::warn("event=stopped_with_work agent={} running={} unacked_results={}", spec_.agent_id, running_.size(),
                 unacked_.size());
  }
  spdlog::info("event=stopped agent={}", spec_.agent_id);
  close(scheduler_);
  close(registry_);
  close(consensus_);
  close(probe_);
  if (events_) events_->close();
  events_.reset();
  buses_.clear();
}

AgentResources Agent::Impl::measure_resources(std::int64_t now_ms) {
  const ProcessUsage u = process_usage();
  AgentResources r;
  if (last_cpu_seconds_ >= 0 && now_ms > last_measured_ms_) {
    r.cpu = std::clamp((u.cpu_seconds - last_cpu_seconds_) / (static_cast<double>(now_ms - last_measured_ms_) / 1000.0),
                       0.0, 4096.0);
  }
  last_cpu_seconds_ = u.cpu_seconds;
  last_measured_ms_ = now_ms;
  r.memory_bytes = u.resident_bytes;
  for (const auto& [key, task] : running_) r.handlers += task->handling.load() ? 1 : 0;
  return r;
}

// ---- Agent ----------------------------------------------------------------------------------

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options), nullptr)) {}
Agent::Agent(AgentOptions options, const Clock& clock) : impl_(std::make_unique<Impl>(std::move(options), &clock)) {}
Agent::~Agent() = default;

void Agent::handle(const std::string& task_type, Handler handler) { impl_->handle(task_type, std::move(handler)); }
void Agent::on_vote(VoteHandler handler) { impl_->on_vote(std::move(handler)); }
const std::string& Agent::public_key_hex() const { return impl_->public_key_hex(); }
int Agent::run() {
  // SIGTERM drains and SIGINT stops, unless the application handles them (default_signals.h).
  DefaultSignals signals(impl_.get(), [](void* impl) { static_cast<Impl*>(impl)->drain(); },
                         [](void* impl) { static_cast<Impl*>(impl)->stop(); });
  if (signals.installed()) spdlog::info("event=default_signals sigterm=drain sigint=stop");
  return impl_->run();
}
void Agent::stop() { impl_->stop(); }
void Agent::drain() { impl_->drain(); }

}  // namespace orion::sdk
