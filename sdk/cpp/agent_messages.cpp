// What each message from the registry or the scheduler does to the agent, and how results
// flow back. The state tables are at the top of agent.cpp.
#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/logfmt.h"
#include "common/task_pack.h"
#include "common/vote_signature.h"
#include "sdk/cpp/agent_impl.h"

namespace orion::sdk {

using namespace detail;  // NOLINT: the constants and types of agent_impl.h

namespace {

// Codes after which the same TASK_RESULT may succeed later (status.h); any other code refuses it.
bool retryable(ErrorCode code) {
  return code == ErrorCode::UNAVAILABLE || code == ErrorCode::INTERNAL || code == ErrorCode::DEADLINE_EXCEEDED ||
         code == ErrorCode::NOT_LEADER;
}

}  // namespace

// ---- registry messages ----------------------------------------------------------------------

void Agent::Impl::on_registry(const Incoming& in, std::int64_t now) {
  registry_.last_heard_ms = now;
  registry_.heard_since_handshake = true;
  if (!in.envelope) {
    spdlog::warn("event=bad_message agent={} peer=registry error={}", spec_.agent_id, in.envelope.error().to_string());
    return;
  }
  const Envelope& e = *in.envelope;
  switch (e.type) {
    case MsgType::REGISTER_OK: {
      registry_.requests.take(e.request_id);
      if (registry_state_ != RegistryState::REGISTERING || e.request_id != registry_.handshake_id) return;  // stale
      auto ok = RegisterOk::from_body(e.body);
      if (!ok) {
        spdlog::warn("event=bad_message agent={} peer=registry type=REGISTER_OK error={}", spec_.agent_id,
                     ok.error().to_string());
        return;
      }
      registry_state_ = RegistryState::REGISTERED;
      registry_.handshake_id.clear();
      registry_.backoff.reset();
      registry_.heartbeat_ms = ok->heartbeat_ms;
      registry_.liveness = ok->liveness;
      registry_.next_heartbeat_ms = now + ok->heartbeat_ms;
      spdlog::info("event=registered agent={} registry={} heartbeat_ms={} liveness={} replaced={}", spec_.agent_id,
                   registry_.endpoint, ok->heartbeat_ms, ok->liveness, ok->replaced);
      return;
    }
    case MsgType::DISCOVERY:
      registry_.requests.take(e.request_id);
      on_discovery(e, now);
      return;
    case MsgType::HEARTBEAT_OK:
    case MsgType::DEREGISTER_OK:
      registry_.requests.take(e.request_id);
      return;
    case MsgType::ERROR: {
      Error err = error_from_body(e.body);
      MsgType asked = registry_.requests.take(e.request_id);
      if (asked == MsgType::HEARTBEAT && err.code == ErrorCode::NOT_FOUND &&
          registry_state_ == RegistryState::REGISTERED) {
        spdlog::info("event=registry_forgot_agent agent={} registry={} action=register_again", spec_.agent_id,
                     registry_.endpoint);
        registry_state_ = RegistryState::REGISTERING;
        send_register(now);
        return;
      }
      if (id_refused(registry_, asked, err, now)) return;
      spdlog::warn("event=peer_error agent={} peer=registry request={} error={}", spec_.agent_id, to_string(asked),
                   err.to_string());
      return;
    }
    default:
      spdlog::warn("event=unexpected_message agent={} peer=registry type={}", spec_.agent_id, to_string(e.type));
  }
}

void Agent::Impl::on_discovery(const Envelope& e, std::int64_t now) {
  if (e.request_id != discover_id_ || stopping_) return;  // stale
  auto d = Discovery::from_body(e.body);
  if (!d) {
    spdlog::warn("event=bad_message agent={} peer=registry type=DISCOVERY error={}", spec_.agent_id,
                 d.error().to_string());
    return;  // asked again at discover_deadline_ms_
  }
  if (voting()) use_vote_endpoints(*d);
  if (scheduler_state_ != SchedulerState::NO_ADDRESS) {
    if (!need_discovery()) {
      discover_id_.clear();
      discover_backoff_.reset();
    }
    return;
  }
  if (d->scheduler_agent.empty()) {
    spdlog::debug("event=scheduler_not_known_yet agent={} retry_in_ms={}", spec_.agent_id,
                  discover_deadline_ms_ - now);
    return;
  }
  try {
    open(scheduler_, d->scheduler_agent);
  } catch (const zmq::error_t& ex) {
    spdlog::warn("event=bad_scheduler_address agent={} address={} error={}", spec_.agent_id, d->scheduler_agent,
                 ex.what());
    return;
  }
  scheduler_state_ = SchedulerState::ATTACHING;
  if (!need_discovery()) {  // else asked again at discover_deadline_ms_ for what is still missing
    discover_id_.clear();
    discover_backoff_.reset();
  }
  send_attach(now);
}

// ---- scheduler messages ---------------------------------------------------------------------

void Agent::Impl::on_scheduler(const Incoming& in, std::int64_t now) {
  scheduler_.last_heard_ms = now;
  scheduler_.heard_since_handshake = true;
  if (!in.envelope) {
    spdlog::warn("event=bad_message agent={} peer=scheduler error={}", spec_.agent_id,
                 in.envelope.error().to_string());
    return;
  }
  const Envelope& e = *in.envelope;
  switch (e.type) {
    case MsgType::ATTACH_OK: {
      scheduler_.requests.take(e.request_id);
      if (scheduler_state_ != SchedulerState::ATTACHING || e.request_id != scheduler_.handshake_id) return;  // stale
      auto ok = AttachOk::from_body(e.body);
      if (!ok) {
        spdlog::warn("event=bad_message agent={} peer=scheduler type=ATTACH_OK error={}", spec_.agent_id,
                     ok.error().to_string());
        return;
      }
      scheduler_state_ = SchedulerState::ATTACHED;
      scheduler_.handshake_id.clear();
      scheduler_.backoff.reset();
      leader_backoff_.reset();
      redirects_in_a_row_ = 0;
      scheduler_.heartbeat_ms = ok->heartbeat_ms;
      scheduler_.liveness = ok->liveness;
      scheduler_.next_heartbeat_ms = draining_ ? now : now + ok->heartbeat_ms;
      spdlog::info("event={} agent={} scheduler={} heartbeat_ms={} liveness={} unacked_results={}",
                   attached_before_ ? "reattached" : "attached", spec_.agent_id, scheduler_.endpoint,
                   ok->heartbeat_ms, ok->liveness, unacked_.size());
      attached_before_ = true;
      resend_results();
      return;
    }
    case MsgType::AGENT_HEARTBEAT_OK:
      scheduler_.requests.take(e.request_id);
      return;
    case MsgType::ASSIGN:
      on_assign(e.packed_body);  // kept packed by receive_all
      return;
    case MsgType::CANCEL_TASK:
      on_cancel(e.body);
      return;
    case MsgType::DRAIN:
      spdlog::info("event=drain_requested agent={} by=scheduler", spec_.agent_id);
      drain_requested_.store(true);
      return;
    case MsgType::RESULT_OK:
      on_result_ok(e);
      return;
    case MsgType::ERROR:
      on_scheduler_error(e, now);
      return;
    default:
      spdlog::warn("event=unexpected_message agent={} peer=scheduler type={}", spec_.agent_id, to_string(e.type));
  }
}

void Agent::Impl::on_scheduler_error(const Envelope& e, std::int64_t now) {
  Error err = error_from_body(e.body);
  MsgType asked = scheduler_.requests.take(e.request_id);
  if (err.code == ErrorCode::NOT_LEADER) {
    // A follower answers every request so, TASK_PROGRESS included (its request id is empty).
    bool named = e.body.is_object() && e.body.contains("leader") && e.body["leader"].is_string();
    follow_scheduler_leader(named ? e.body["leader"].get<std::string>() : std::string(), asked, now);
    return;
  }
  if (asked == MsgType::AGENT_HEARTBEAT && err.code == ErrorCode::NOT_FOUND &&
      scheduler_state_ == SchedulerState::ATTACHED) {
    spdlog::info("event=scheduler_forgot_agent agent={} scheduler={} action=attach_again", spec_.agent_id,
                 scheduler_.endpoint);
    scheduler_state_ = SchedulerState::ATTACHING;
    send_attach(now);
    return;
  }
  if (asked == MsgType::TASK_RESULT && !retryable(err.code)) {
    auto it = std::find_if(unacked_.begin(), unacked_.end(),
                           [&](const auto& entry) { return entry.second.request_id == e.request_id; });
    if (it != unacked_.end()) {
      spdlog::warn("event=result_refused agent={} task={} attempt={} error={} action=drop", spec_.agent_id,
                   it->first.first, it->first.second, err.to_string());
      unacked_.erase(it);
      return;
    }
  }
  if (id_refused(scheduler_, asked, err, now)) return;
  spdlog::warn("event=peer_error agent={} peer=scheduler request={} error={}", spec_.agent_id, to_string(asked),
               err.to_string());
}

bool Agent::Impl::id_refused(const Link& link, MsgType asked, const Error& err, std::int64_t now) const {
  if ((asked != MsgType::REGISTER && asked != MsgType::ATTACH) ||
      (err.code != ErrorCode::ALREADY_EXISTS && err.code != ErrorCode::PERMISSION_DENIED)) {
    return false;
  }
  spdlog::error("event=agent_id_refused agent={} peer={} request={} code={} error={} action=retry retry_in_ms={}",
                spec_.agent_id, link.name, to_string(asked), to_string(err.code), orion::logfmt_value(err.message),
                std::max<std::int64_t>(0, link.handshake_deadline_ms - now));
  return true;
}

void Agent::Impl::follow_scheduler_leader(const std::string& leader, MsgType asked, std::int64_t now) {
  if (!leader.empty() && leader != scheduler_.endpoint && redirects_in_a_row_ < kMaxRedirectsInARow) {
    ++redirects_in_a_row_;
    spdlog::info("event=scheduler_redirect agent={} from={} to={} request={} unacked_results={}", spec_.agent_id,
                 scheduler_.endpoint, leader, to_string(asked), unacked_.size());
    try {
      open(scheduler_, leader);  // the old socket goes, with whatever it still held
      scheduler_state_ = SchedulerState::ATTACHING;
      send_attach(now);  // ATTACH_OK re-sends every unacknowledged result, same request ids
      return;
    } catch (const zmq::error_t& ex) {
      spdlog::warn("event=bad_scheduler_address agent={} address={} error={}", spec_.agent_id, leader, ex.what());
    }
  }
  // No leader named (an election is under way), this one named itself, or too many redirects in
  // a row: ask the registries again after a pause.
  std::int64_t pause_ms = leader_backoff_.next_ms();
  redirects_in_a_row_ = 0;
  spdlog::info("event=scheduler_not_leader agent={} scheduler={} request={} action=discover_again pause_ms={}",
               spec_.agent_id, scheduler_.endpoint, to_string(asked), pause_ms);
  close(scheduler_);
  scheduler_state_ = SchedulerState::NO_ADDRESS;
  discover_id_.clear();
  discover_not_before_ms_ = now + pause_ms;
}

void Agent::Impl::on_assign(const std::string& packed_body) {
  auto a = Assign::from_packed(packed_body);
  if (!a) {
    spdlog::warn("event=bad_message agent={} peer=scheduler type=ASSIGN error={}", spec_.agent_id,
                 a.error().to_string());
    return;
  }
  if (stopping_) {
    spdlog::debug("event=assign_ignored agent={} task={} attempt={} why=stopping", spec_.agent_id, a->task_id,
                  a->attempt);
    return;
  }
  TaskKey key{a->task_id, a->attempt};
  if (running_.count(key)) {
    spdlog::debug("event=assign_duplicate agent={} task={} attempt={}", spec_.agent_id, a->task_id, a->attempt);
    return;
  }
  if (auto done = unacked_.find(key); done != unacked_.end()) {
    spdlog::debug("event=assign_duplicate agent={} task={} attempt={} result=resent", spec_.agent_id, a->task_id,
                  a->attempt);
    send_result(done->second);
    return;
  }
  auto handler = handlers_.find(a->type);
  if (handler == handlers_.end()) {
    spdlog::warn("event=no_handler agent={} task={} attempt={} type={}", spec_.agent_id, a->task_id, a->attempt,
                 a->type);
    TaskResult r;
    r.task_id = a->task_id;
    r.attempt = a->attempt;
    r.ok = false;
    r.error = "no handler for task type '" + a->type + "'";
    add_result(std::move(r));
    return;
  }
  auto task = std::make_shared<RunningTask>();
  task->task_id = a->task_id;
  task->attempt = a->attempt;
  task->type = a->type;
  task->input = std::move(a->input);
  task->metadata = std::move(a->metadata);
  task->deps = std::move(a->deps);
  task->timeout_ms = a->timeout_ms;
  running_[key] = task;
  if (static_cast<std::int64_t>(running_.size()) > spec_.capacity) {
    spdlog::warn("event=over_capacity agent={} running={} capacity={} task={}", spec_.agent_id, running_.size(),
                 spec_.capacity, a->task_id);
  }
  // "started" goes out at the end of this loop turn (drain_outbox), before any message the
  // handler causes; a handler that has already finished by then makes it moot: its result alone
  // goes out (ASSIGNED -> COMPLETED), one message instead of two for a short task.
  starting_.push_back(task);
  spdlog::debug("event=task_started agent={} task={} attempt={} type={}", spec_.agent_id, a->task_id, a->attempt,
                a->type);
  pool_->submit({key, [task, outbox = outbox_, h = handler->second] { run_handler(task, outbox, h); }});
}

void Agent::Impl::send_started(RunningTask& task) {
  if (task.started_sent) return;
  task.started_sent = true;
  if (scheduler_state_ != SchedulerState::ATTACHED) return;
  TaskProgress started{task.task_id, task.attempt, 0.0, "started"};
  send_packed(scheduler_, MsgType::TASK_PROGRESS, started.to_packed(), "");
}

void Agent::Impl::on_cancel(const Json& body) {
  auto c = CancelTask::from_body(body);
  if (!c) {
    spdlog::warn("event=bad_message agent={} peer=scheduler type=CANCEL_TASK error={}", spec_.agent_id,
                 c.error().to_string());
    return;
  }
  auto it = running_.find({c->task_id, c->attempt});
  if (it == running_.end()) {
    spdlog::debug("event=cancel_unknown agent={} task={} attempt={}", spec_.agent_id, c->task_id, c->attempt);
    return;
  }
  it->second->cancel();
  spdlog::debug("event=task_cancelled agent={} task={} attempt={} reason={}", spec_.agent_id, c->task_id, c->attempt,
                c->reason);
}

void Agent::Impl::on_result_ok(const Envelope& e) {
  scheduler_.requests.take(e.request_id);
  auto ok = ResultOk::from_body(e.body);
  if (!ok) {
    spdlog::warn("event=bad_message agent={} peer=scheduler type=RESULT_OK error={}", spec_.agent_id,
                 ok.error().to_string());
    return;
  }
  if (unacked_.erase({ok->task_id, ok->attempt}) > 0) {
    spdlog::debug("event=result_acknowledged agent={} task={} attempt={} accepted={}", spec_.agent_id, ok->task_id,
                  ok->attempt, ok->accepted);
  }
}

// ---- results --------------------------------------------------------------------------------

void Agent::Impl::drain_outbox() {
  for (auto& message : outbox_->take_all()) {
    if (auto* p = std::get_if<TaskProgress>(&message)) {
      // Progress is news: sent only while the attempt runs and the scheduler listens.
      auto it = running_.find({p->task_id, p->attempt});
      if (scheduler_state_ == SchedulerState::ATTACHED && it != running_.end()) {
        send_started(*it->second);  // first, as the handler's progress follows its start
        send_packed(scheduler_, MsgType::TASK_PROGRESS, p->to_packed(), "");
      }
      continue;
    }
    if (auto* v = std::get_if<Vote>(&message)) {
      add_vote(std::move(*v), clock_.now_ms());
      continue;
    }
    auto& r = std::get<TaskResult>(message);
    if (auto it = running_.find({r.task_id, r.attempt}); it != running_.end()) {
      it->second->started_sent = true;  // finished before its start was announced: the result says it all
      running_.erase(it);
    }
    spdlog::debug("event=task_finished agent={} task={} attempt={} ok={}", spec_.agent_id, r.task_id, r.attempt, r.ok);
    add_result(std::move(r));
  }
  for (auto& task : starting_) send_started(*task);
  starting_.clear();
}

void Agent::Impl::add_result(TaskResult result) {
  TaskKey key{result.task_id, result.attempt};
  PendingResult& pending = unacked_[key];
  pending.result = std::move(result);
  pending.request_id = random_hex(8);
  if (scheduler_state_ == SchedulerState::ATTACHED) send_result(pending);
}

void Agent::Impl::send_result(const PendingResult& pending) {
  send_packed(scheduler_, MsgType::TASK_RESULT, pending.result.to_packed(), pending.request_id);
}

void Agent::Impl::resend_results() {
  for (const auto& entry : unacked_) send_result(entry.second);
}

// ---- votes ----------------------------------------------------------------------------------

bool Agent::Impl::need_discovery() const {
  if (scheduler_state_ == SchedulerState::NO_ADDRESS) return true;
  return voting() && (buses_.empty() || consensus_.endpoint.empty());
}

// The SUB connects to every bus it is told of, each once; a bus whose registry died stays
// connected (ZeroMQ reconnects when it comes back on its address). Bounded: past two buses per
// registry (registries restarted on new ports) the SUB starts again from this one.
void Agent::Impl::listen_bus(const std::string& endpoint) {
  if (endpoint.empty() || std::find(buses_.begin(), buses_.end(), endpoint) != buses_.end()) return;
  if (buses_.size() >= 2 * registries_.size()) {
    if (events_) events_->close();
    events_.reset();
    buses_.clear();
  }
  std::vector<std::string> topics;
  for (const auto& cap : spec_.capabilities) topics.push_back("proposal.created." + cap);
  try {
    if (!events_) {
      events_.emplace(make_socket(ctx_, zmq::socket_type::sub));
      for (const auto& topic : topics) events_->set(zmq::sockopt::subscribe, topic);
    }
    connect_socket(*events_, endpoint);
  } catch (const zmq::error_t& ex) {
    spdlog::warn("event=bad_bus_address agent={} address={} error={}", spec_.agent_id, endpoint, ex.what());
    return;
  }
  buses_.push_back(endpoint);
  spdlog::info("event=vote_subscribed agent={} bus={} buses={} topics={}", spec_.agent_id, endpoint, buses_.size(),
               Json(topics).dump());
  if (topics.empty()) {
    spdlog::warn("event=vote_no_capabilities agent={} why=proposals_are_published_per_capability", spec_.agent_id);
  }
}

void Agent::Impl::probe_buses(std::int64_t now) {
  send(probe_, MsgType::DISCOVER, Json::object(), random_hex(8));
  next_probe_ms_ = now + (buses_.size() < registries_.size() ? kBusProbeMs : kBusRefreshMs);
}

void Agent::Impl::on_probe(const Incoming& in) {
  if (!in.envelope || in.envelope->type != MsgType::DISCOVERY) return;
  if (probe_.requests.take(in.envelope->request_id) != MsgType::DISCOVER) return;  // not ours, or answered
  auto d = Discovery::from_body(in.envelope->body);
  if (d) listen_bus(d->events_sub);
}

void Agent::Impl::use_vote_endpoints(const Discovery& d) {
  listen_bus(d.events_sub);
  if (!d.consensus.empty() && consensus_.endpoint.empty()) {
    try {
      open(consensus_, d.consensus);
    } catch (const zmq::error_t& ex) {
      spdlog::warn("event=bad_consensus_address agent={} address={} error={}", spec_.agent_id, d.consensus,
                   ex.what());
      return;
    }
    spdlog::debug("event=consensus_known agent={} consensus={} pending_votes={}", spec_.agent_id, d.consensus,
                  votes_.size());
    std::int64_t now = clock_.now_ms();
    for (auto& entry : votes_) send_vote(entry.second, now);
  }
}

void Agent::Impl::receive_events() {
  for (std::size_t i = 0; i < kMaxMessagesPerTurn && events_; ++i) {
    Incoming in;
    try {
      if (!receive(*events_, in, /*routed=*/false, /*topic=*/true)) return;
    } catch (const zmq::error_t& e) {
      spdlog::debug("event=receive_failed agent={} peer=bus error={}", spec_.agent_id, e.what());
      return;
    }
    if (!in.envelope || in.envelope->type != MsgType::EVENT) continue;
    const Json& body = in.envelope->body;
    if (!body.is_object() || !body.contains("data") || !body["data"].is_object()) continue;
    if (in.topic.rfind("proposal.created", 0) != 0) continue;  // prefixes may match more
    on_proposal_created(body["data"]);
  }
}

void Agent::Impl::on_proposal_created(const Json& data) {
  if (stopping_ || !vote_pool_) return;
  ProposalView p;
  try {
    p.proposal_id = data.value("proposal_id", "");
    p.proposer = data.value("proposer", "");
    p.type = data.value("type", "");
    p.capability = data.value("capability", "");
    p.cluster_id = data.value("cluster_id", "");
    p.content_digest = data.value("content_digest", "");
    p.consensus_type = consensus_type_from_string(data.value("consensus_type", ""));
    if (data.contains("data")) p.data = data["data"];
    if (data.contains("voters") && data["voters"].is_array()) {
      for (const auto& v : data["voters"]) {
        if (v.is_string()) p.voters.push_back(Voter{v.get<std::string>(), 1.0, ""});
      }
    }
    p.created_ms = data.value("created_ms", std::int64_t{0});
    p.deadline_ms = data.value("deadline_ms", std::int64_t{0});
  } catch (const std::exception& ex) {  // a field of the wrong type
    spdlog::warn("event=bad_event agent={} topic=proposal.created error={}", spec_.agent_id, ex.what());
    return;
  }
  p.outcome = Outcome::PENDING;
  if (p.proposal_id.empty()) return;
  if (data.contains("truncated")) {
    // The event left fields out (over the event size bound, protocol.md section 7.1): never
    // vote on a proposal whose data was not seen.
    spdlog::warn("event=vote_skipped agent={} proposal={} why=event_truncated", spec_.agent_id, p.proposal_id);
    return;
  }
  // Subscriptions are prefixes: "proposal.created.gpu" also brings capability "gpu2".
  if (std::find(spec_.capabilities.begin(), spec_.capabilities.end(), p.capability) == spec_.capabilities.end()) {
    return;
  }
  if (p.consensus_type == ConsensusType::RAFT || p.consensus_type == ConsensusType::UNKNOWN) return;
  bool eligible = std::any_of(p.voters.begin(), p.voters.end(), [&](const Voter& v) { return v.agent_id == spec_.agent_id; });
  if (!eligible) {
    spdlog::debug("event=vote_not_eligible agent={} proposal={}", spec_.agent_id, p.proposal_id);
    return;
  }
  if (!seen_proposals_.insert(p.proposal_id).second) return;  // the same event again
  seen_order_.push_back(p.proposal_id);
  if (seen_order_.size() > kMaxRememberedProposals) {
    seen_proposals_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  spdlog::debug("event=vote_asked agent={} proposal={} type={} consensus_type={}", spec_.agent_id, p.proposal_id,
                p.type, to_string(p.consensus_type));
  std::string id = p.proposal_id;
  vote_pool_->submit({{id, 0},
                      [view = std::move(p), handler = vote_handler_, outbox = outbox_, key = secret_key_,
                       agent = spec_.agent_id] {
                        bool yes = false;
                        try {
                          yes = handler(view);
                        } catch (const std::exception& ex) {
                          spdlog::warn("event=vote_handler_failed agent={} proposal={} error={} action=no_vote", agent,
                                       view.proposal_id, ex.what());
                          return;
                        } catch (...) {
                          spdlog::warn("event=vote_handler_failed agent={} proposal={} action=no_vote", agent,
                                       view.proposal_id);
                          return;
                        }
                        // The signature covers the digest of the content the handler was shown
                        // (computed here): a vote cannot be carried onto other data.
                        outbox->push(Vote{view.proposal_id, agent, yes,
                                          consensus::sign_vote(key, consensus::vote_subject(view, agent), yes)});
                      }});
}

void Agent::Impl::add_vote(Vote vote, std::int64_t now) {
  if (stopping_) return;
  spdlog::info("event=vote_decided agent={} proposal={} vote={}", spec_.agent_id, vote.proposal_id,
               vote.yes ? "yes" : "no");
  std::string id = vote.proposal_id;
  PendingVote& pending = votes_[id];
  pending.vote = std::move(vote);
  pending.request_id = random_hex(8);
  send_vote(pending, now);
}

void Agent::Impl::send_vote(PendingVote& pending, std::int64_t now) {
  pending.next_send_ms = now + kVoteRetryMs;
  if (!consensus_.socket) return;  // DISCOVER is under way; sent when the leader is known
  if (pending.sent_ms < 0 || consensus_.last_heard_ms >= pending.sent_ms) pending.sent_ms = now;
  send(consensus_, MsgType::VOTE, pending.vote.to_body(), pending.request_id);
}

void Agent::Impl::lose_consensus(const char* why) {
  spdlog::info("event=consensus_lost agent={} consensus={} why={} action=discover_again", spec_.agent_id,
               consensus_.endpoint, why);
  close(consensus_);
  consensus_.endpoint.clear();
  for (auto& entry : votes_) entry.second.sent_ms = -1;
  // need_discovery() is true now: DISCOVER goes out on the next timer turn (or is in flight).
}

void Agent::Impl::on_vote_timers(std::int64_t now) {
  if (votes_.empty() || stopping_) return;
  // Nothing at all heard from the leader for kVoteRetryMs since a VOTE went out: it is gone or
  // no longer leads. Ask the registry again (Lazy Pirate, as for the registry link).
  if (consensus_.socket) {
    for (const auto& entry : votes_) {
      const PendingVote& v = entry.second;
      if (v.sent_ms >= 0 && consensus_.last_heard_ms < v.sent_ms && now - v.sent_ms >= kVoteRetryMs) {
        lose_consensus("no_answer");
        break;
      }
    }
  }
  for (auto& entry : votes_) {
    if (now >= entry.second.next_send_ms) send_vote(entry.second, now);
  }
}

void Agent::Impl::on_consensus(const Incoming& in, std::int64_t now) {
  consensus_.last_heard_ms = now;
  if (!in.envelope) {
    spdlog::warn("event=bad_message agent={} peer=consensus error={}", spec_.agent_id, in.envelope.error().to_string());
    return;
  }
  const Envelope& e = *in.envelope;
  consensus_.requests.take(e.request_id);
  auto it = std::find_if(votes_.begin(), votes_.end(),
                         [&](const auto& entry) { return entry.second.request_id == e.request_id; });
  if (it == votes_.end()) return;  // an answer to a vote already settled
  if (e.type == MsgType::VOTE_OK) {
    auto ok = VoteOk::from_body(e.body);
    spdlog::info("event=vote_counted agent={} proposal={} vote={} outcome={} duplicate={}", spec_.agent_id,
                 it->first, it->second.vote.yes ? "yes" : "no", ok ? to_string(ok->outcome) : "?",
                 ok ? ok->duplicate : false);
    votes_.erase(it);
    return;
  }
  if (e.type != MsgType::ERROR) {
    spdlog::warn("event=unexpected_message agent={} peer=consensus type={}", spec_.agent_id, to_string(e.type));
    return;
  }
  Error err = error_from_body(e.body);
  if (err.code == ErrorCode::NOT_LEADER) {
    std::string leader = e.body.contains("leader") && e.body["leader"].is_string() ? e.body["leader"].get<std::string>()
                                                                                   : std::string();
    if (leader.empty() || leader == consensus_.endpoint) {
      // An election is under way: the same replica again at next_send_ms names the winner (a
      // dead one is noticed by its silence).
      spdlog::debug("event=vote_retry agent={} proposal={} why=no_leader_yet", spec_.agent_id, it->first);
      return;
    }
    spdlog::info("event=consensus_redirect agent={} from={} to={}", spec_.agent_id, consensus_.endpoint, leader);
    try {
      open(consensus_, leader);
    } catch (const zmq::error_t&) {
      lose_consensus("bad_redirect");
      return;
    }
    for (auto& entry : votes_) {
      entry.second.sent_ms = -1;
      send_vote(entry.second, now);
    }
    return;
  }
  if (retryable(err.code)) {
    spdlog::debug("event=vote_retry agent={} proposal={} error={}", spec_.agent_id, it->first, err.to_string());
    return;  // re-sent at next_send_ms
  }
  spdlog::warn("event=vote_refused agent={} proposal={} error={} action=drop", spec_.agent_id, it->first,
               err.to_string());
  votes_.erase(it);
}

}  // namespace orion::sdk
