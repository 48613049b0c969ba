#include "services/consensus/consensus_service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>

#include <spdlog/spdlog.h>

#include "common/config.h"
#include "common/ids.h"
#include "services/consensus/proposal_stats.h"
#include "common/logfmt.h"
#include "common/raft_log.h"
#include "common/service_security.h"
#include "services/consensus/vote_verifier.h"

namespace orion::consensus {

namespace {

// Requests read in one turn: bounds the latency one flood adds, while batching many writes
// into one raft_apply / one commit. A turn also stops reading after kMaxReadMs (a VOTE costs a
// signature check), so that what the log made ready meanwhile, a snapshot request on whose
// answer the raft thread waits above all, is not held up.
constexpr int kMaxBatch = 2048;
constexpr std::int64_t kMaxReadMs = 10;
// Accepted writes waiting for a signature check (theirs or an earlier vote's): past this no
// more requests are read until the checks catch up (ZeroMQ's queues hold the rest).
constexpr std::size_t kMaxStaged = 16'384;
// The longest poll: bounds how late a role change, a waiter's deadline or an expiry is seen.
constexpr std::int64_t kPollMs = 20;

// PROPOSE and VOTE bodies stay msgpack bytes, read by Propose/Vote::from_packed: no Json tree
// on the hot path.
bool keep_packed(MsgType type) { return type == MsgType::PROPOSE || type == MsgType::VOTE; }


// 64-bit FNV-1a in hex: the same bytes give the same digest in every process.

}  // namespace

ConsensusService::ConsensusService(ConsensusConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      ctx_(1),
      client_(make_socket(ctx_, zmq::socket_type::router)),
      client_watch_(ctx_, client_),
      registry_link_(ctx_,
                     RegistryLink::Options{config_.registries, "consensus", "consensus-" + config_.replica_name(),
                                           config_.announce_ms, {}},
                     clock_, [this] { return announce_info(); }),
      origin_(config_.replica_name() + "-" + random_hex(6)) {}

ConsensusService::~ConsensusService() {
  if (auto* raft = dynamic_cast<RaftLog*>(log_.get())) raft->stop();
}

std::string ConsensusService::ready_json() const {
  return Json{{"client", client_ep_}, {"replica", config_.replica_name()}, {"metrics", metrics_url(http_, config_.metrics)}}
      .dump();
}

Status ConsensusService::start() {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) return make_error(ErrorCode::INTERNAL, "cannot create " + config_.data_dir + ": " + ec.message());
  try {
    client_ep_ = advertised_endpoint(bind_socket(client_, config_.bind_client), config_.advertise_host);
  } catch (const zmq::error_t& e) {
    return make_error(ErrorCode::UNAVAILABLE, std::string("cannot bind ") + config_.bind_client + ": " + e.what());
  }
  core_.set_cluster_id(config_.cluster_id);
  core_.set_event_history(config_.event_history);
  if (!config_.replicated()) {
    auto store = SqliteLogStore::open(config_.data_dir + "/consensus.db");
    if (!store) return store.error();
    auto replayed = (*store)->replay([&](std::uint64_t key, std::string_view rec) { return core_.restore_record(key, rec); });
    if (!replayed) return replayed;
    core_.finish_restore();
    core_.set_retention_ms(config_.retention_ms);
    core_.set_audit_keep(audit_keep());
    if (auto broken = core_.check_invariants(); !broken.empty()) {
      return make_error(ErrorCode::FAILED_PRECONDITION, "recovered state is inconsistent: " + broken);
    }
    commit_ = std::make_unique<GroupCommit>(std::move(*store));
    log_ = std::make_unique<LocalLog>();
    role_ = log_->role();
    ready_ = true;
    spdlog::info("event=recovered proposals={} applied={}", core_.proposal_count(), core_.applied());
  } else {
    auto raft = std::make_unique<RaftLog>(config_.options(config_.data_dir + "/raft"));
    if (auto s = raft->start(); !s) return s;
    log_ = std::move(raft);
    role_ = RoleInfo{};
  }
  if (auto s = registry_link_.start(); !s) return s;
  if (auto s = start_metrics_endpoint(http_, config_.metrics); !s) return s;
  verifier_ = std::make_unique<VoteVerifier>(static_cast<int>(config_.verify_threads));
  spdlog::info("event=serving client={} replica={} registries={}", client_ep_, config_.replica_name(),
               join_endpoints(config_.registries));
  return {};
}

void ConsensusService::run() {
  while (!stopping_.load()) turn();
  if (commit_) {
    commit_->flush();
    release();
  }
}

// ---- One turn -----------------------------------------------------------------------------------

void ConsensusService::turn() {
  check_role();
  maybe_hello();
  // With kMaxStaged writes waiting for their checks, requests are not read: then the client
  // socket must not wake the loop either (it would spin until the verdicts come).
  const short client_events = staged_.size() < kMaxStaged ? ZMQ_POLLIN : 0;
  std::vector<zmq::pollitem_t> items = {{client_.handle(), 0, client_events, 0},
                                        {nullptr, verifier_->fd(), ZMQ_POLLIN, 0}};
  if (log_->fd() >= 0) items.push_back({nullptr, log_->fd(), ZMQ_POLLIN, 0});
  if (commit_) items.push_back({nullptr, commit_->fd(), ZMQ_POLLIN, 0});
  if (http_.fd() >= 0) items.push_back({nullptr, http_.fd(), ZMQ_POLLIN, 0});
  std::int64_t timeout = kPollMs;
  // With a TICK in flight the log's fd wakes us when it is applied: no need to poll at 0.
  if (ready_ && leading() && tick_seq_ == 0) {
    const std::int64_t due = std::min(core_.next_deadline_ms(), core_.next_expiry_ms());
    timeout = due == INT64_MAX ? kPollMs : std::clamp<std::int64_t>(due - clock_.wall_ms(), 0, kPollMs);
  }
  try {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout));
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
    return;  // a signal: run() checks stopping_
  }
  registry_link_.turn();  // announcements (at most kPollMs late), bus endpoints, subscriptions
  if (http_.fd() >= 0 && (items.back().revents & ZMQ_POLLIN)) http_.serve([this](const HttpRequest& r) { return http(r); });
  // What the log made ready first: the raft thread may be waiting on a snapshot request.
  log_->drain_wakeups();
  apply_ready();
  take_verdicts();
  Incoming in;
  const auto read_until = clock_.now_ms() + kMaxReadMs;
  for (int i = 0; i < kMaxBatch && staged_.size() < kMaxStaged && (i % 64 != 0 || clock_.now_ms() < read_until) &&
                  receive(client_, in, true, false, keep_packed);
       ++i) {
    const std::size_t at = replies_.size();
    handle(in);
    audit_refused(in, at);
  }
  audit_service_events();
  for (const auto& id : client_watch_.gone()) drop_waiters(id);  // its WAIT_PROPOSALs would answer nobody
  verifier_->submit(std::exchange(jobs_, {}));
  take_verdicts();  // with --verify-threads 0 they are all there; else those done meanwhile
  flush_staged();
  maybe_tick();
  if (!commands_.empty()) log_->append(std::exchange(commands_, {}));
  log_->drain_wakeups();
  apply_ready();
  answer_waiters();
  finish_turn();
}

void ConsensusService::check_role() {
  RoleInfo now = log_->role();
  if (now == role_) return;
  const bool was = role_.role == Role::LEADER, is = now.role == Role::LEADER;
  spdlog::info("event=role_changed replica={} role={} leader={} term={}", config_.replica_name(), to_string(now.role),
               now.leader_id.empty() ? "-" : now.leader_id, now.term);
  if (was && (!is || now.term != role_.term)) {
    ready_ = false;
    hello_seq_ = tick_seq_ = 0;
    fail_pending(make_error(ErrorCode::UNAVAILABLE, "leadership lost: outcome unknown, retry with the same request id"));
  }
  if (is && (!was || now.term != role_.term)) {
    ready_ = false;
    hello_seq_ = 0;
  }
  role_ = now;
  registry_link_.announce_now();
}

// A new leader's first command. Once applied, its state holds every entry committed before its
// term, so it may serve. Sent again if it failed while we are still leader.
void ConsensusService::maybe_hello() {
  if (role_.role != Role::LEADER || ready_ || hello_seq_ != 0) return;
  hello_seq_ = next_seq_++;
  pending_[hello_seq_] = Pending{"", "", MsgType::UNKNOWN};
  // The retention travels in the log: every replica forgets by the same one (consensus_core.h).
  std::string body = encode_value(
      Json{{"replica", config_.replica_name()}, {"client", client_ep_}, {"retention_ms", config_.retention_ms},
           {"audit_keep", audit_keep()}});
  commands_.emplace_back(hello_seq_, encode_command(Command{CommandKind::HELLO, clock_.wall_ms(), "", origin_,
                                                            hello_seq_, std::move(body)}));
}

void ConsensusService::fail_pending(const Error& error) {
  for (auto& [seq, p] : pending_) {
    if (!p.identity.empty()) reply_error(p.identity, p.request_id, error);
  }
  pending_.clear();
  own_.clear();
  for (auto& st : staged_) reply_error(st.identity, st.request_id, error);
  staged_.clear();
  verdicts_.clear();
  first_live_job_ = next_job_;  // verdicts still to come are for requests answered here
  for (auto& [id, w] : waiters_) {
    reply_error(w.identity, w.request_id, make_error(ErrorCode::NOT_LEADER, "leadership lost; ask the new leader"));
  }
  waiters_.clear();
  wait_quota_.clear();
}

void ConsensusService::drop_waiters(const std::string& identity) {
  if (wait_quota_.holds_of(identity) == 0) return;
  const std::size_t dropped = wait_quota_.drop_singles(waiters_, identity);
  spdlog::info("event=waiters_dropped count={}", dropped);
}

// ---- Requests -----------------------------------------------------------------------------------

void ConsensusService::reply_error(const std::string& identity, const std::string& request_id, const Error& error) {
  Envelope e = error_envelope(request_id, error);
  if (error.code == ErrorCode::NOT_LEADER) {
    std::string leader = role_.leader_id.empty() ? std::string() : core_.replica_client(role_.leader_id);
    e.body["leader"] = leader;
    e.body["message"] = leader.empty() ? "not the leader; the leader is not known yet, retry shortly"
                                       : "not the leader; the leader is " + leader;
  }
  reply(identity, std::move(e));
}

namespace {

// What a consensus request asks of the policy (service_security.h): proposing and holding leases
// are for services, a vote for the agent id it is cast as, membership for the admin.
Action consensus_action(const Envelope& e) {
  switch (e.type) {
    case MsgType::PROPOSE:
    case MsgType::ACQUIRE_LEASE:
    case MsgType::RENEW_LEASE:
    case MsgType::RELEASE_LEASE:
      return Action::PROPOSE;
    case MsgType::VOTE:
      return Action::VOTE;
    case MsgType::CHANGE_REPLICAS:
      return Action::ADMIN;
    case MsgType::AUDIT_LIST:  // admin and operator (protocol.md section 15)
      return Action::CONTROL;
    default:
      return Action::READ;
  }
}

Asked consensus_asked(const Envelope& e) {
  Asked asked;
  if (e.type == MsgType::VOTE) {
    // Refused below when it does not decode; as no agent id, it is allowed no agent's vote.
    if (auto v = Vote::from_packed(e.packed_body)) asked.agent_id = v->agent_id;
    else asked.agent_id = "\x01";
  }
  return asked;
}

}  // namespace

void ConsensusService::handle(Incoming& in) {
  client_watch_.seen(in.identity, in.fd);
  if (!in.envelope) {
    spdlog::warn("event=bad_frame error={}", orion::logfmt_value(in.envelope.error().to_string()));
    return reply_error(in.identity, in.request_id, in.envelope.error());
  }
  const Envelope& e = *in.envelope;
  if (service_policy()) {
    if (auto s = authorize(in.principal, consensus_action(e), consensus_asked(e)); !s) {
      return reply_error(in.identity, e.request_id, s.error());
    }
  }
  switch (e.type) {
    case MsgType::GET_REPLICA: {
      ReplicaInfo info = replica_info();
      // The digest costs one encoding of the whole state: only on request.
      if (e.body.contains("digest") && e.body["digest"] == true) info.digest = state_digest(core_.snapshot());
      return reply(in.identity, Envelope{MsgType::REPLICA_INFO, e.request_id, info.to_body()});
    }
    case MsgType::PROPOSE:
    case MsgType::VOTE:
    case MsgType::ACQUIRE_LEASE:
    case MsgType::RENEW_LEASE:
    case MsgType::RELEASE_LEASE:
    case MsgType::GET_PROPOSAL:
    case MsgType::WAIT_PROPOSAL:
    case MsgType::GET_LEASE:
    case MsgType::PROPOSAL_STATS:
    case MsgType::AUDIT_LIST:
    case MsgType::EVENT_HISTORY:
    case MsgType::CHANGE_REPLICAS:
      if (!leading()) return reply_error(in.identity, e.request_id, make_error(ErrorCode::NOT_LEADER, ""));
      if (e.type == MsgType::CHANGE_REPLICAS) return change_replicas(in, e);
      if (e.type == MsgType::GET_PROPOSAL || e.type == MsgType::WAIT_PROPOSAL || e.type == MsgType::GET_LEASE ||
          e.type == MsgType::PROPOSAL_STATS || e.type == MsgType::AUDIT_LIST || e.type == MsgType::EVENT_HISTORY) {
        return handle_read(in, e);
      }
      return handle_write(in, e);
    default:
      return reply_error(in.identity, e.request_id,
                         make_error(ErrorCode::UNKNOWN_TYPE,
                                    std::string(to_string(e.type)) + " is not served on the consensus socket"));
  }
}

// Membership, on the leader: answered once raft has committed the new configuration
// (apply_ready, CHANGED).
void ConsensusService::change_replicas(const Incoming& in, const Envelope& e) {
  auto m = ChangeReplicas::from_body(e.body);
  if (!m) return reply_error(in.identity, e.request_id, m.error());
  const std::uint64_t n = ++next_change_;
  changes_[n] = PendingChange{in.identity, e.request_id, in.principal, *m};
  spdlog::info("event=membership_change op={} id={} address={}", m->op, m->id, m->address);
  log_->change_membership(membership_change(*m, n));
}

void ConsensusService::handle_read(const Incoming& in, const Envelope& e) {
  if (!ready_) {
    return reply_error(in.identity, e.request_id,
                       make_error(ErrorCode::UNAVAILABLE, "a new leader is catching up; retry shortly"));
  }
  // A leader that cannot confirm its leadership (cut off, or paused while the others elected
  // another) may hold old state: it serves no read until a majority confirms it again.
  if (!log_->lease_valid()) {
    return reply_error(in.identity, e.request_id,
                       make_error(ErrorCode::UNAVAILABLE, "the leader cannot confirm its leadership; retry shortly"));
  }
  switch (e.type) {
    case MsgType::PROPOSAL_STATS:
      return reply(in.identity, Envelope{MsgType::PROPOSAL_STATS_OK, e.request_id, proposal_stats(core_).to_body()});
    case MsgType::AUDIT_LIST:
      return reply(in.identity, audit_list(e));
    case MsgType::EVENT_HISTORY: {
      auto m = EventHistoryRequest::from_body(e.body);
      if (!m) return reply_error(in.identity, e.request_id, m.error());
      return reply(in.identity, Envelope{MsgType::EVENT_HISTORY_OK, e.request_id, core_.history().page(*m).to_body()});
    }
    case MsgType::GET_PROPOSAL: {
      auto m = GetProposal::from_body(e.body);
      if (!m) return reply_error(in.identity, e.request_id, m.error());
      auto v = core_.proposal(m->proposal_id);
      if (!v) return reply_error(in.identity, e.request_id, v.error());
      return reply(in.identity, Envelope{MsgType::PROPOSAL_INFO, e.request_id, ProposalInfo{*v}.to_body()});
    }
    case MsgType::WAIT_PROPOSAL: {
      auto m = WaitProposal::from_body(e.body);
      if (!m) return reply_error(in.identity, e.request_id, m.error());
      auto v = core_.proposal(m->proposal_id);
      if (!v) return reply_error(in.identity, e.request_id, v.error());
      if (v->outcome != Outcome::PENDING || m->timeout_ms == 0) {
        return reply(in.identity, Envelope{MsgType::PROPOSAL_INFO, e.request_id, ProposalInfo{*v}.to_body()});
      }
      if (auto s = wait_quota_.admit(in.identity, 1); !s) return reply_error(in.identity, e.request_id, s.error());
      waiters_.emplace(m->proposal_id,
                       Waiter{in.identity, e.request_id, m->proposal_id, clock_.now_ms() + m->timeout_ms});
      wait_quota_.add(in.identity, 1);
      return;
    }
    case MsgType::GET_LEASE: {
      auto m = GetLease::from_body(e.body);
      if (!m) return reply_error(in.identity, e.request_id, m.error());
      LeaseInfo info{core_.lease(m->name, std::max(core_.now_ms(), clock_.wall_ms())), false};
      return reply(in.identity, Envelope{MsgType::LEASE_INFO, e.request_id, info.to_body()});
    }
    default: return;
  }
}

// Expiry is the leader's decision, recorded as a TICK so that every replica expires the same
// proposals, and forgets the same records by retention, at the same point of the log. One TICK
// in flight at a time; while a retention backlog lasts, one per turn (kMaxForgetPerCommand each).
void ConsensusService::maybe_tick() {
  if (!ready_ || !leading() || tick_seq_ != 0) return;
  auto now = clock_.wall_ms();
  if (core_.next_deadline_ms() > now && core_.next_expiry_ms() > now) return;
  tick_seq_ = next_seq_++;
  pending_[tick_seq_] = Pending{"", "", MsgType::UNKNOWN};
  commands_.emplace_back(tick_seq_, encode_command(Command{CommandKind::TICK, now, "", origin_, tick_seq_}));
}

// ---- Applying what the log made ready -----------------------------------------------------------

void ConsensusService::apply_ready() {
  std::deque<LogItem> items;
  log_->take(items);
  if (items.empty()) return;
  // Events are built only where they are published (apply_ready drops them otherwise), and only
  // while someone subscribes to any.
  core_.set_events(leading() && registry_link_.any_subscriber());
  for (auto& item : items) {
    switch (item.kind) {
      case LogItem::APPLY: {
        // One of our own commands is applied as it was appended, without reading it again: its
        // bytes name this incarnation and its seq, so only that command can equal them.
        Result<Command> c = make_error(ErrorCode::INTERNAL, "");
        if (!own_.empty() && own_.front().bytes == item.bytes) {
          c = std::move(own_.front().command);
          own_.pop_front();
        } else {
          c = decode_command(item.bytes);
        }
        if (!c) {
          // Every replica refuses the same bytes the same way: the state stays identical.
          spdlog::error("event=bad_log_entry error={}", orion::logfmt_value(c.error().to_string()));
          break;
        }
        // A command of ours that came back decoded: the ones kept before it will not come back.
        while (c->origin == origin_ && !own_.empty() && own_.front().command.seq <= c->seq) own_.pop_front();
        auto result = core_.apply(*c);
        if (c->origin != origin_) break;
        auto p = pending_.find(c->seq);
        if (p == pending_.end()) break;
        if (c->seq == hello_seq_) {
          ready_ = true;
          hello_seq_ = 0;
          registry_link_.announce_now();
          spdlog::info("event=leader_ready replica={} term={} applied={}", config_.replica_name(), role_.term,
                       core_.applied());
        }
        if (c->seq == tick_seq_) tick_seq_ = 0;
        if (!p->second.identity.empty()) {
          if (result && !result->packed.empty()) {
            reply(p->second.identity, packed_envelope(result->type, p->second.request_id, std::move(result->packed)));
          } else if (result) {
            reply(p->second.identity, Envelope{result->type, p->second.request_id, std::move(result->body)});
          } else {
            if (result.error().code == ErrorCode::PERMISSION_DENIED && sampled(++refused_votes_)) {
              spdlog::warn("event=vote_refused error={} refused_total={}",
                           orion::logfmt_value(result.error().message), refused_votes_);
            }
            reply_error(p->second.identity, p->second.request_id, result.error());
          }
        }
        pending_.erase(p);
        break;
      }
      case LogItem::RESTORE:
        if (auto s = core_.restore_snapshot(item.snapshot); !s) {
          spdlog::critical("event=restore_failed error={}", orion::logfmt_value(s.error().to_string()));
          std::abort();  // a replica that cannot read its snapshot must not serve
        }
        spdlog::info("event=snapshot_restored proposals={} applied={}", core_.proposal_count(), core_.applied());
        break;
      case LogItem::SNAPSHOT: log_->snapshot_taken(core_.snapshot()); break;
      case LogItem::FAILED:
        own_.erase(std::remove_if(own_.begin(), own_.end(),
                                  [&](const Own& o) {
                                    return std::find(item.seqs.begin(), item.seqs.end(), o.command.seq) !=
                                           item.seqs.end();
                                  }),
                   own_.end());
        for (auto seq : item.seqs) {
          auto p = pending_.find(seq);
          if (p == pending_.end()) continue;
          if (seq == hello_seq_) hello_seq_ = 0;
          if (seq == tick_seq_) tick_seq_ = 0;
          if (!p->second.identity.empty()) reply_error(p->second.identity, p->second.request_id, item.error);
          pending_.erase(p);
        }
        break;
      case LogItem::CHANGED: {
        auto c = changes_.find(item.seqs.empty() ? 0 : item.seqs[0]);
        if (c == changes_.end()) break;
        reply(c->second.identity, change_replicas_answer(c->second.request_id, c->second.request, item));
        log_audit(c->second.principal, "change_replicas", std::to_string(c->second.request.id),
                  item.error.message.empty() ? "OK" : std::string(to_string(item.error.code)),
                  item.error.message.empty() ? c->second.request.op + " " + c->second.request.address : item.error.message);
        changes_.erase(c);
        break;
      }
    }
  }
  auto events = core_.take_events();
  if (leading()) {
    turn_events_.insert(turn_events_.end(), std::make_move_iterator(events.begin()),
                        std::make_move_iterator(events.end()));
  }
}

void ConsensusService::answer_waiters() {
  auto answer = [&](const Waiter& w) {
    auto v = core_.proposal(w.proposal_id);
    if (v) reply(w.identity, Envelope{MsgType::PROPOSAL_INFO, w.request_id, ProposalInfo{*v}.to_body()});
    else reply_error(w.identity, w.request_id, v.error());
  };
  for (const auto& id : core_.take_decided()) {
    auto range = waiters_.equal_range(id);
    for (auto it = range.first; it != range.second; ++it) {
      answer(it->second);
      wait_quota_.remove(it->second.identity, 1);
    }
    waiters_.erase(range.first, range.second);
  }
  auto now = clock_.now_ms();
  // A timed-out wait is answered from our state: not while that state may be stale (it is
  // answered once the lease is back, or NOT_LEADER when leadership is lost).
  if (!log_->lease_valid()) return;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.deadline_ms <= now) {
      answer(it->second);
      wait_quota_.remove(it->second.identity, 1);
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

// ---- Durability and sending ---------------------------------------------------------------------

void ConsensusService::finish_turn() {
  if (!commit_) {
    // Raft: every applied command was durable on a majority before it was applied, and the
    // state reaches the disk as snapshots: the change sets are not needed.
    core_.discard_dirty();
    for (auto& r : replies_) {
      if (!send_envelope(client_, r.identity, r.envelope)) ++send_failures_;
    }
    for (auto& e : turn_events_) publish(e);
    replies_.clear();
    turn_events_.clear();
    return;
  }
  LogBatch batch;
  core_.drain_dirty([&](std::uint64_t key, std::string rec) { batch.put(key, std::move(rec)); });
  if (!batch.empty()) last_batch_ = commit_->submit(std::move(batch));
  if (!replies_.empty() || !turn_events_.empty()) {
    // Even a turn that changed nothing waits for the batches before it: what it answers may
    // read state an earlier, not yet durable, turn wrote.
    held_.push_back(Held{last_batch_, std::exchange(replies_, {}), std::exchange(turn_events_, {})});
  }
  release();
}

void ConsensusService::release() {
  commit_->drain_wakeups();
  if (commit_->failed()) {
    // Memory is ahead of disk and nothing more may be acknowledged: stop; a restart recovers
    // the last committed state.
    spdlog::critical("event=commit_failed error={}", orion::logfmt_value(commit_->failure().to_string()));
    std::abort();
  }
  auto committed = commit_->committed();
  while (!held_.empty() && held_.front().batch <= committed) {
    for (auto& r : held_.front().replies) {
      if (!send_envelope(client_, r.identity, r.envelope)) ++send_failures_;
    }
    for (auto& e : held_.front().events) publish(e);
    held_.pop_front();
  }
}

void ConsensusService::publish(const CoreEvent& event) {
  // Events are news: nobody to tell yet, or nobody who wants this one (the socket would drop it).
  if (!registry_link_.wants(event.topic)) return;
  auto failures = registry_link_.send_failures();
  if (event.body.empty()) {
    registry_link_.publish(event.topic, event.data);
  } else {
    registry_link_.send_event_body(event.topic, event.body);  // numbered by the core (its history)
  }
  send_failures_ += registry_link_.send_failures() - failures;
}

// ---- Registry -----------------------------------------------------------------------------------

// A leader whose HELLO is not applied yet does not serve: it says "candidate" until it does, so
// the registries keep naming the previous leader (or none) meanwhile. Consensus knows no
// commit index apart from what it applied: it announces that as both (a lower bound).
AnnounceInfo ConsensusService::announce_info() const {
  AnnounceInfo info;
  info.endpoints = {{"client", client_ep_}};
  info.id = static_cast<std::int64_t>(config_.id);
  info.role = to_string(role_.role);
  if (role_.role == Role::LEADER && !ready_) info.role = "candidate";
  info.term = static_cast<std::int64_t>(role_.term);
  info.applied_index = static_cast<std::int64_t>(core_.applied());
  info.commit_index = info.applied_index;
  return info;
}

ReplicaInfo ConsensusService::replica_info() const {
  ReplicaInfo r;
  r.replica_id = config_.replica_name();
  r.role = to_string(role_.role);
  if (role_.role == Role::SINGLE) {
    r.leader_id = r.replica_id;
    r.leader_client = client_ep_;
  } else {
    r.leader_id = role_.leader_id;
    r.leader_client = role_.leader_id.empty() ? std::string() : core_.replica_client(role_.leader_id);
  }
  r.term = static_cast<std::int64_t>(role_.term);
  r.applied = static_cast<std::int64_t>(core_.applied());
  r.proposals = static_cast<std::int64_t>(core_.proposal_count());
  r.commit_index = static_cast<std::int64_t>(log_->progress().commit_index);
  return r;
}

}  // namespace orion::consensus
