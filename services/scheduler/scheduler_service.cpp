#include "services/scheduler/scheduler_service.h"

#include "services/scheduler/replica_state.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>

#include "common/config.h"
#include "common/service_security.h"
#include "common/ids.h"
#include "common/reply_bound.h"
#include "common/task_pack.h"
#include "common/transport_security.h"
#include "services/scheduler/audit_trail.h"
#include "services/scheduler/batch_record.h"
#include "services/scheduler/retention_mark.h"
#include "services/scheduler/store_load.h"
#include "services/scheduler/task_codec.h"
#include "common/log.h"

namespace orion::scheduler {

namespace {
// Messages read from one socket in one turn: bounds the latency a flood on one socket can add
// to the others, while still batching many requests into one commit.
constexpr int kMaxBatch = 2048;
// Tasks of an accepted SUBMIT_BATCH made per turn (about 5 ms of work: the
// answer of a batch goes out between two slices once its record is durable).
constexpr std::size_t kApplySlice = 2048;

// SUBMIT_BATCH bodies are decoded by SubmitBatch::from_packed, without a Json tree; so are the
// agents' per-task messages (TaskProgress::from_packed, TaskResult::from_packed, generated).
bool keep_packed(MsgType type) { return type == MsgType::SUBMIT_BATCH; }
bool keep_packed_agent(MsgType type) { return type == MsgType::TASK_PROGRESS || type == MsgType::TASK_RESULT; }
// The core's options, with the gate request ids keyed by this service's CURVE secret (shared by
// its replicas) when it has one.
CoreOptions keyed(CoreOptions options) {
  if (transport_security().enabled()) options.gate_key = transport_security().own->secret_key;
  return options;
}

}  // namespace

SchedulerService::SchedulerService(ServiceOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      ctx_(1),
      client_(make_socket(ctx_, zmq::socket_type::router)),
      agent_(make_socket(ctx_, zmq::socket_type::router)),
      client_watch_(ctx_, client_),
      agent_watch_(ctx_, agent_),
      registry_link_(ctx_,
                     RegistryLink::Options{options_.registries, "scheduler", "scheduler", options_.announce_ms,
                                           {"agent.down", "proposal.decided"}},
                     clock_, [this] { return announce_info(); }),
      core_(clock, keyed(options_.core)),
      consensus_(ctx_) {
  // With the history on every event is built (it records them all); else only those wanted.
  history_.set_bounds(options_.event_history);
  core_.set_event_subscriptions(history_.enabled() ? nullptr : &registry_link_.subscriptions());
  audit_.set_keep(options_.audit_keep);
  registry_link_.on_discovery([this](const Discovery& d) { on_discovery(d); });
}

SchedulerService::~SchedulerService() = default;

Status SchedulerService::start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) return make_error(ErrorCode::INTERNAL, "cannot create " + options_.data_dir + ": " + ec.message());
  if (options_.raft.replicated()) return start_replica();
  auto log = SqliteLogStore::open(options_.data_dir + "/scheduler.db");
  if (!log) return log.error();
  LoadPhases phases;
  if (auto s = load_store(**log, core_, workflows_, &phases, logs()); !s) return s;
  // What the restore changed (leases adopted, spent batch records, what expired meanwhile),
  // written as any turn's records are.
  if (auto s = (*log)->append(drain_turn_records(core_, workflows_, LogBatch())); !s) return s;
  if (audit_.size() > 0) spdlog::info("event=audit_loaded records={} next_seq={}", audit_.size(), audit_.next_seq());
  commit_ = std::make_unique<GroupCommit>(std::move(*log));
  spdlog::info(
      "event=recovered tasks={} task_records={} batch_records={} ready={} workflows={} read_ms={:.0f} decode_ms={:.0f} "
      "restore_ms={:.0f} finish_ms={:.0f}",
      core_.task_count(), phases.task_records, phases.batch_records, core_.ready_count(), workflows_.workflow_count(),
      phases.read_ms, phases.decode_ms, phases.restore_ms, phases.finish_ms);
  if (auto s = bind_and_link(); !s) return s;
  spdlog::info("event=serving client={} agent={} registries={}", client_ep_, agent_ep_,
               join_endpoints(options_.registries));
  return {};
}

// Both sockets bound (the endpoints to announce worked out), then the registries linked.
Status SchedulerService::bind_and_link() {
  try {
    client_ep_ = advertised_endpoint(bind_socket(client_, options_.bind_client), options_.advertise_host);
    agent_ep_ = advertised_endpoint(bind_socket(agent_, options_.bind_agent), options_.advertise_host);
  } catch (const zmq::error_t& e) {
    return make_error(ErrorCode::UNAVAILABLE, std::string("cannot bind: ") + e.what());
  }
  if (auto s = registry_link_.start(); !s) return s;
  return start_metrics_endpoint(http_, options_.metrics);
}

void SchedulerService::stop() { stopping_ = true; }

void SchedulerService::run() {
  while (!stopping_) turn(20);
  if (raft_) {
    // A restart replaces the process (execv) without closing raft: closing it with a disk
    // operation in flight frees what libraft's worker thread still uses (libraft 0.15). Raft's
    // files are as safe as after a kill -9, and every descriptor is close-on-exec.
    if (!restart_wanted_) {
      raft_->stop();
      return;
    }
    // The "outcome unknown" answers deposed() queued go out before the process image goes:
    // every socket closed (the client and agent ones lingering up to 200 ms), then the context.
    // The client ROUTER's watch is a socket of the context too: left open, ctx_.close() would
    // wait for it forever and the process would never restart.
    client_watch_.close();
    agent_watch_.close();
    http_.stop();  // its listening socket must not outlive the image (the new one binds the port)
    for (zmq::socket_t* s : {&client_, &agent_}) {
      s->set(zmq::sockopt::linger, 200);
      s->close();
    }
    registry_link_.close();
    if (consensus_.socket()) {
      consensus_.socket()->set(zmq::sockopt::linger, 0);
      consensus_.socket()->close();
    }
    ctx_.close();
    return;
  }
  // Everything handed to the writer becomes durable, and its replies go out, before we stop.
  commit_->flush();
  release();
}

std::uint64_t SchedulerService::persist(LogBatch batch) {
  if (!raft_) return commit_->submit(std::move(batch));
  ReplicaEntry e;
  e.origin = origin_;
  e.number = ++last_batch_;
  e.records = std::move(batch);
  raft_->append({{e.number, encode_replica_entry(e)}});
  return e.number;
}

std::uint64_t SchedulerService::committed() const { return raft_ ? own_applied_ : commit_->committed(); }

// Every replica announces itself with its role; the registries name the serving leader (the
// highest term among those announcing "leader"). Elected but not serving yet counts as a
// candidate, so registries keep naming the previous leader until this one can serve.
AnnounceInfo SchedulerService::announce_info() const {
  AnnounceInfo info;
  info.endpoints = {{"client", client_ep_}, {"agent", agent_ep_}};
  if (raft_) {
    info.id = static_cast<std::int64_t>(options_.raft.id);
    info.role = to_string(role_.role);
    if (role_.role == Role::LEADER && !serving_) info.role = "candidate";
    info.term = static_cast<std::int64_t>(role_.term);
    const auto p = raft_->progress();
    info.commit_index = static_cast<std::int64_t>(p.commit_index);
    info.applied_index = static_cast<std::int64_t>(p.applied_index);
  }
  return info;
}

void SchedulerService::turn(int poll_ms) {
  if (core_.applying() && !restart_pending_) {
    // A large batch is being made, a slice per turn, while its answer goes out as soon as its
    // record is durable. Nothing else is read meanwhile: every later command sees the whole batch.
    core_.apply_batches(kApplySlice);
    hold();
    release();
    return;
  }
  if (raft_) {
    take_log();
    check_role();
    if (stopping_) return;
    // What the log committed since the last turn goes out now, not after the poll below: its
    // wakeup is drained already, so the poll would sleep its whole timeout on it.
    release();
    if (!client_replies_.empty()) poll_ms = 0;  // a replica change answered by the log
  }
  zmq::pollitem_t items[] = {{client_.handle(), 0, ZMQ_POLLIN, 0},
                             {agent_.handle(), 0, ZMQ_POLLIN, 0},
                             {registry_link_.bus_in()->handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, raft_ ? raft_->fd() : commit_->fd(), ZMQ_POLLIN, 0},
                             {nullptr, http_.fd(), ZMQ_POLLIN, 0},  // -1 (ignored) when metrics are off
                             {consensus_.socket() ? consensus_.socket()->handle() : nullptr, -1, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, consensus_.socket() ? 6 : 5, std::chrono::milliseconds(poll_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
    return;  // a signal: run() checks stopping_ and comes back
  }
  registry_link_.turn();  // announcements, bus endpoints, subscriptions: before anything builds an event
  if (items[4].revents & ZMQ_POLLIN) http_.serve([this](const HttpRequest& r) { return http(r); });
  if (raft_) {
    take_log();  // committed entries first: a follower's answers name the leader they came from
    check_role();
    if (stopping_) return;
  }
  Incoming in;
  if (snapshot_wanted_) {
    // Our turns in flight drain before anything new is read: then the state is committed state
    // and the snapshot can be taken (service_replica.cpp). Takes a commit round trip or so.
    maybe_snapshot();
    if (snapshot_wanted_) return release();
  }
  for (int i = 0; i < kMaxBatch && receive(agent_, in, true, false, keep_packed_agent); ++i) {
    const std::size_t at = agent_replies_.size();
    handle_agent(in);
    audit(in, agent_replies_, at);
  }
  for (int i = 0; i < kMaxBatch && !core_.applying() && receive(client_, in, true, false, keep_packed); ++i) {
    const std::size_t at = client_replies_.size();
    handle_client(in);
    audit(in, client_replies_, at);
  }
  // A closed connection's WAIT_TASK / WAIT_TASKS would be answered to nobody: dropped now, not at
  // their timeout (up to an hour), freeing its share of the bounds (protocol.md section 9).
  for (const auto& id : client_watch_.gone()) {
    if (auto n = core_.drop_waiters(id); n > 0) spdlog::info("event=waiters_dropped count={}", n);
  }
  // A closed agent connection: its session no longer holds its id against another process.
  for (const auto& id : agent_watch_.gone()) core_.connection_gone(id);
  Event ev;
  for (int i = 0; i < kMaxBatch && registry_link_.next_event(ev); ++i) handle_bus(ev);
  if (serving()) {  // a follower's core changes only by the leader's records
    consensus_.drain(clock_.now_ms(), [this](const Outbox::ToConsensus& r, const Result<Envelope>& a) {
      handle_consensus(r, a);
    });
    schedules_.tick();  // before the core's tick: what fires is dispatched in this turn
    core_.tick();
    workflows_.expire();  // retention: workflows due; their tasks expire from the next tick
  }
  hold();
  release();
}

void SchedulerService::bad_frame(const char* socket, const Error& error) {
  ++stats_.bad_frames;
  spdlog::warn("event=bad_frame socket={} error={}", socket, orion::logfmt_value(error.to_string()));
}

namespace {

// What a request on the client socket asks of the policy (service_security.h). SUBMIT,
// SUBMIT_BATCH and WORKFLOW_RUN are checked per task spec where they are read.
std::optional<Action> client_action(MsgType t) {
  switch (t) {
    case MsgType::SUBMIT:
    case MsgType::SUBMIT_BATCH:
    case MsgType::WORKFLOW_RUN:
    case MsgType::SCHEDULE_CREATE:
      return std::nullopt;
    case MsgType::SCHEDULE_PAUSE:
    case MsgType::SCHEDULE_RESUME:
    case MsgType::SCHEDULE_DELETE:
    case MsgType::SCHEDULE_TRIGGER:
    case MsgType::SET_LIMIT:
    case MsgType::DELETE_LIMIT:
    case MsgType::SET_NAMESPACE:
    case MsgType::DELETE_NAMESPACE:
      return Action::CONTROL;
    case MsgType::CANCEL:
      return Action::CANCEL;
    case MsgType::REPRIORITIZE:
    case MsgType::DRAIN_AGENT:
    case MsgType::RETRY_PARKED:
    case MsgType::DISCARD_PARKED:
    case MsgType::CANCEL_WORKFLOW:
    case MsgType::RETRY_WORKFLOW:
      return Action::CONTROL;
    case MsgType::CHANGE_REPLICAS:
      return Action::ADMIN;
    case MsgType::AUDIT_LIST:  // admin and operator (protocol.md section 15)
      return Action::CONTROL;
    default:
      return Action::READ;
  }
}

Asked asked_of(const TaskSpec& spec) {
  Asked a;
  a.capabilities = spec.capabilities;
  a.task_type = spec.type;
  a.ns = spec.ns;
  return a;
}

// Each spec of a request that submits several (a batch, a workflow's steps).
template <class Specs>
Status authorize_specs(const std::string& principal, const Specs& specs) {
  if (!service_policy()) return {};
  for (const TaskSpec& spec : specs) {
    if (auto s = authorize(principal, Action::SUBMIT, asked_of(spec)); !s) return s;
  }
  return {};
}

}  // namespace

// A request on one task, by a principal whose policy may limit it to some namespaces: checked
// against the task's namespace (an unknown task is left to the handler's NOT_FOUND).
Status SchedulerService::authorize_in_namespace(const std::string& principal, Action action, const std::string& task_id) const {
  if (!service_policy()) return {};
  Asked asked;
  if (auto seq = core_.seq_of(task_id)) {
    if (const TaskRecord* t = core_.task(*seq)) asked.ns = t->spec.ns;
  }
  return authorize(principal, action, asked);
}

// RETRY_PARKED or DISCARD_PARKED: the tasks named, each in a granted namespace; by type (the
// parked tasks of every namespace), only for a principal granted every namespace.
Status SchedulerService::authorize_parked(const std::string& principal, const std::vector<std::string>& task_ids) const {
  auto policy = service_policy();
  if (!policy) return {};
  for (const auto& id : task_ids) {
    if (auto s = authorize_in_namespace(principal, Action::CONTROL, id); !s) return s;
  }
  if (!task_ids.empty()) return {};
  const Policy::Principal* p = policy->find(principal);
  if (p && !(p->roles & Policy::ADMIN) && !p->namespaces.empty() &&
      std::find(p->namespaces.begin(), p->namespaces.end(), "*") == p->namespaces.end()) {
    std::string granted;
    for (const auto& n : p->namespaces) granted += (granted.empty() ? "" : ", ") + n;
    return make_error(ErrorCode::PERMISSION_DENIED, "principal " + principal +
                                                        " may not act on parked tasks by type across namespaces (granted: " +
                                                        granted + "); name the tasks");
  }
  return authorize(principal, Action::CONTROL);
}

void SchedulerService::handle_client(Incoming& in) {
  client_watch_.seen(in.identity, in.fd);
  if (!in.envelope) {
    bad_frame("client", in.envelope.error());
    client_replies_.push_back({in.identity, error_envelope(in.request_id, in.envelope.error())});
    return;
  }
  if (in.envelope->type == MsgType::GET_REPLICA) {
    client_replies_.push_back({in.identity, replica_info(*in.envelope)});
    return;
  }
  if (refuse(client_replies_, in, false)) return;
  const Envelope& e = *in.envelope;
  auto reply_error = [&](const Error& err) { client_replies_.push_back({in.identity, error_envelope(e.request_id, err)}); };
  if (auto action = client_action(e.type)) {
    if (auto s = authorize(in.principal, *action); !s) return reply_error(s.error());
  }
  switch (e.type) {
    case MsgType::SUBMIT: {
      auto m = SubmitTask::from_body(e.body);
      if (!m) return reply_error(m.error());
      if (auto s = authorize(in.principal, Action::SUBMIT, asked_of(m->spec)); !s) return reply_error(s.error());
      auto ok = core_.submit(e.request_id, std::move(m->spec));
      if (!ok) return reply_error(ok.error());
      client_replies_.push_back({in.identity, Envelope{MsgType::SUBMIT_OK, e.request_id, ok->to_body()}});
      return;
    }
    case MsgType::GET_TASK: {
      auto m = GetTask::from_body(e.body);
      if (!m) return reply_error(m.error());
      auto v = core_.get(m->task_id);
      if (!v) return reply_error(v.error());
      client_replies_.push_back({in.identity, packed_envelope(MsgType::TASK_INFO, e.request_id, pack_task_info(*v))});
      return;
    }
    case MsgType::WAIT_TASK: {
      auto m = WaitTask::from_body(e.body);
      if (!m) return reply_error(m.error());
      auto v = core_.wait(in.identity, e.request_id, *m);
      if (!v) return reply_error(v.error());
      if (v->has_value()) {
        client_replies_.push_back(
            {in.identity, packed_envelope(MsgType::TASK_INFO, e.request_id, pack_task_info(**v))});
      }
      return;
    }
    case MsgType::DRAIN_AGENT: {
      auto m = DrainAgent::from_body(e.body);
      if (!m) return reply_error(m.error());
      auto ok = core_.drain(*m);
      if (!ok) return reply_error(ok.error());
      client_replies_.push_back({in.identity, Envelope{MsgType::DRAIN_AGENT_OK, e.request_id, ok->to_body()}});
      return;
    }
    case MsgType::AGENT_STATS:
      client_replies_.push_back({in.identity, Envelope{MsgType::AGENT_STATS_OK, e.request_id, core_.agent_stats().to_body()}});
      return;
    case MsgType::SCHEDULER_STATS: {
      auto m = SchedulerStats::from_body(e.body);
      if (!m) return reply_error(m.error());
      if (!m->ns.empty()) {
        if (auto s = check_namespace(m->ns, "namespace"); !s) return reply_error(s.error());
      }
      auto stats = m->ns.empty() ? core_.stats(clock_.wall_ms()) : core_.stats(clock_.wall_ms(), m->ns);
      client_replies_.push_back({in.identity, Envelope{MsgType::SCHEDULER_STATS_OK, e.request_id, stats.to_body()}});
      return;
    }
    case MsgType::WAIT_TASKS: {
      auto m = WaitTasks::from_body(e.body);
      if (!m) return reply_error(m.error());
      auto v = core_.wait_all(in.identity, e.request_id, *m);
      if (!v) return reply_error(v.error());
      if (v->has_value()) {
        client_replies_.push_back({in.identity, packed_envelope(MsgType::TASK_LIST, e.request_id,
                                                                fit_packed_list_reply(TaskList{std::move(**v), ""}.to_packed(), kTaskGroup))});
      }
      return;
    }
    case MsgType::SUBMIT_BATCH: {
      auto m = SubmitBatch::from_packed(e.packed_body);
      if (!m) {
        // Kept packed, so decoded only here: a body that is not msgpack is a bad frame too.
        if (m.error().code != ErrorCode::INVALID_ARGUMENT) bad_frame("client", m.error());
        return reply_error(m.error());
      }
      if (service_policy()) {
        std::vector<std::reference_wrapper<const TaskSpec>> specs;
        for (const auto& t : m->tasks) specs.push_back(std::cref(t.spec));
        if (auto s = authorize_specs(in.principal, specs); !s) return reply_error(s.error());
      }
      std::vector<std::string> keys;  // for the answer: the entries move into the core
      keys.reserve(m->tasks.size());
      for (const auto& t : m->tasks) keys.push_back(t.key);
      BatchIntake intake;
      // Answered once its record is durable; its tasks are made over the next turns (turn()).
      auto ok = core_.accept_batch(e.request_id, std::move(m->tasks), m->consensus, &intake);
      if (!ok) return reply_error(ok.error());
      // The batch's new tasks are written as one record: the body as received, with their seqs.
      if (intake.recorded) {
        // from_packed copied out all it kept, so the record can take the request's buffer.
        batch_records_.put(log_key(kBatchRecordKind, intake.first),
                           encode_batch_record(intake, std::move(in.envelope->packed_body)));
      }
      audit_note_ = "tasks=" + std::to_string(keys.size());
      if (intake.first != 0) audit_note_ += " first=t" + std::to_string(intake.first);
      if (!intake.seqs.empty()) {
        client_replies_.push_back(
            {in.identity, packed_envelope(MsgType::SUBMIT_BATCH_OK, e.request_id, pack_batch_answer(keys, intake))});
        return;
      }
      client_replies_.push_back(
          {in.identity, packed_envelope(MsgType::SUBMIT_BATCH_OK, e.request_id, pack_submit_batch_ok(*ok))});
      return;
    }
    case MsgType::CANCEL: {
      auto m = Cancel::from_body(e.body);
      if (!m) return reply_error(m.error());
      if (auto s = authorize_in_namespace(in.principal, Action::CANCEL, m->task_id); !s) return reply_error(s.error());
      auto ok = core_.cancel(*m);
      if (!ok) return reply_error(ok.error());
      client_replies_.push_back({in.identity, Envelope{MsgType::CANCEL_OK, e.request_id, ok->to_body()}});
      return;
    }
    case MsgType::REPRIORITIZE: {
      auto m = Reprioritize::from_body(e.body);
      if (!m) return reply_error(m.error());
      if (auto s = authorize_in_namespace(in.principal, Action::CONTROL, m->task_id); !s) return reply_error(s.error());
      auto ok = core_.reprioritize(*m);
      if (!ok) return reply_error(ok.error());
      client_replies_.push_back({in.identity, Envelope{MsgType::REPRIORITIZE_OK, e.request_id, ok->to_body()}});
      return;
    }
    case MsgType::RETRY_PARKED: {
      auto m = RetryParked::from_body(e.body);
      if (!m) return reply_error(m.error());
      if (auto s = authorize_parked(in.principal, m->task_ids); !s) return reply_error(s.error());
      auto ok = core_.retry_parked(*m);
      if (!ok) return reply_error(ok.error());
      audit_note_ = "count=" + std::to_string(ok->count);
      client_replies_.push_back({in.identity, Envelope{MsgType::RETRY_PARKED_OK, e.request_id, ok->to_body()}});
      return;
    }
    case MsgType::DISCARD_PARKED: {
      auto m = DiscardParked::from_body(e.body);
      if (!m) return reply_error(m.error());
      if (auto s = authorize_parked(in.principal, m->task_ids); !s) return reply_error(s.error());
      auto ok = core_.discard_parked(*m);
      if (!ok) return reply_error(ok.error());
      audit_note_ = "count=" + std::to_string(ok->count);
      client_replies_.push_back({in.identity, Envelope{MsgType::DISCARD_PARKED_OK, e.request_id, ok->to_body()}});
      return;
    }
    case MsgType::LIST_TASKS: {
      auto m = ListTasks::from_body(e.body);
      if (!m) return reply_error(m.error());
      auto ok = core_.list(*m);
      if (!ok) return reply_error(ok.error());
      // A page over the body limit ends early; `next` goes on from there (reply_bound.h).
      client_replies_.push_back(
          {in.identity, packed_envelope(MsgType::TASK_LIST, e.request_id, fit_list_reply(ok->to_body(), kTaskPage))});
      return;
    }
    case MsgType::CHANGE_REPLICAS:
      return change_replicas(in);
    case MsgType::AUDIT_LIST:
      client_replies_.push_back({in.identity, audit_list(e)});
      return;
    case MsgType::EVENT_HISTORY:
      client_replies_.push_back({in.identity, event_history(e)});
      return;
    case MsgType::WORKFLOW_RUN:
      if (service_policy()) {
        auto run = WorkflowRun::from_body(e.body);  // read again by the manager; refused there when bad
        if (run) {
          std::vector<std::reference_wrapper<const TaskSpec>> specs;
          for (const auto& step : run->workflow.steps) specs.push_back(std::cref(step.task));
          if (auto s = authorize_specs(in.principal, specs); !s) return reply_error(s.error());
        } else if (auto s = authorize(in.principal, Action::SUBMIT); !s) {
          return reply_error(s.error());
        }
      }
      [[fallthrough]];
    case MsgType::GET_WORKFLOW:
    case MsgType::CANCEL_WORKFLOW:
    case MsgType::RETRY_WORKFLOW:
      if (service_policy() && (e.type == MsgType::CANCEL_WORKFLOW || e.type == MsgType::RETRY_WORKFLOW)) {
        // In the run's namespace (an unknown or bad one is left to the manager's answer).
        Asked asked;
        std::string id;
        if (e.type == MsgType::CANCEL_WORKFLOW) {
          if (auto m = CancelWorkflow::from_body(e.body)) id = m->workflow_id;
        } else if (auto m = RetryWorkflow::from_body(e.body)) {
          id = m->workflow_id;
        }
        if (auto ns = workflows_.namespace_of(id)) asked.ns = *ns;
        if (auto s = authorize(in.principal, Action::CONTROL, asked); !s) return reply_error(s.error());
      }
      // Workflows: services/scheduler/workflow_manager.h.
      client_replies_.push_back({in.identity, workflows_.handle(e)});
      return;
    case MsgType::SCHEDULE_CREATE:
      if (service_policy()) {
        // An operator's request that submits: its task's (or each step's) capabilities too.
        if (auto s = authorize(in.principal, Action::CONTROL); !s) return reply_error(s.error());
        auto create = ScheduleCreate::from_body(e.body);  // read again by the book; refused there when bad
        std::vector<std::reference_wrapper<const TaskSpec>> specs;
        if (create && create->schedule.task) specs.push_back(std::cref(*create->schedule.task));
        if (create && create->schedule.workflow) {
          for (const auto& step : create->schedule.workflow->steps) specs.push_back(std::cref(step.task));
        }
        if (auto s = authorize_specs(in.principal, specs); !s) return reply_error(s.error());
      }
      [[fallthrough]];
    case MsgType::SCHEDULE_LIST:
    case MsgType::SCHEDULE_PAUSE:
    case MsgType::SCHEDULE_RESUME:
    case MsgType::SCHEDULE_DELETE:
    case MsgType::SCHEDULE_TRIGGER:
      // Schedules: services/scheduler/schedule_book.h.
      client_replies_.push_back({in.identity, schedules_.handle(e)});
      return;
    case MsgType::SET_LIMIT:
    case MsgType::DELETE_LIMIT:
    case MsgType::LIST_LIMITS:
      // Limits: services/scheduler/limit_book.h (the rules), scheduler_core.h (the counts).
      client_replies_.push_back({in.identity, limits_.handle(e)});
      return;
    case MsgType::SET_NAMESPACE:
    case MsgType::DELETE_NAMESPACE:
      if (service_policy()) {  // an operator of this namespace (read again by the book; refused there when bad)
        Asked asked;
        if (e.type == MsgType::SET_NAMESPACE) {
          if (auto m = SetNamespace::from_body(e.body)) asked.ns = m->ns;
        } else if (auto m = DeleteNamespace::from_body(e.body)) {
          asked.ns = m->ns;
        }
        if (auto s = authorize(in.principal, Action::CONTROL, asked); !s) return reply_error(s.error());
      }
      client_replies_.push_back({in.identity, namespaces_.handle(e)});
      return;
    case MsgType::LIST_NAMESPACES:
      // Namespace settings: services/scheduler/namespace_book.h.
      client_replies_.push_back({in.identity, namespaces_.handle(e)});
      return;
    default:
      return reply_error(make_error(ErrorCode::UNKNOWN_TYPE,
                                    std::string(to_string(e.type)) + " is not served on the scheduler's client socket"));
  }
}

void SchedulerService::handle_agent(Incoming& in) {
  if (!in.envelope) {
    bad_frame("agent", in.envelope.error());
    agent_replies_.push_back({in.identity, error_envelope(in.request_id, in.envelope.error())});
    return;
  }
  if (refuse(agent_replies_, in, true)) return;
  agent_watch_.seen(in.identity, in.fd);
  const Envelope& e = *in.envelope;
  auto reply = [&](MsgType t, Json body) { agent_replies_.push_back({in.identity, Envelope{t, e.request_id, std::move(body)}}); };
  auto reply_error = [&](const Error& err) { agent_replies_.push_back({in.identity, error_envelope(e.request_id, err)}); };
  // Only an agent's key talks on this socket; ATTACH also checks the agent id and capabilities
  // its principal is granted, and the rest is bound to the connection that attached.
  if (e.type != MsgType::ATTACH) {
    if (auto s = authorize(in.principal, Action::AGENT); !s) return reply_error(s.error());
  }
  switch (e.type) {
    case MsgType::ATTACH: {
      auto m = Attach::from_body(e.body);
      if (!m) return reply_error(m.error());
      Asked asked;
      asked.agent_id = m->agent.agent_id, asked.capabilities = m->agent.capabilities;
      if (auto s = authorize(in.principal, Action::AGENT, asked); !s) return reply_error(s.error());
      // The identity rule (agent_claim.h): another key's id, or another process's live one, is refused.
      auto ok = core_.attach(in.identity, m->agent, m->running ? &*m->running : nullptr,
                             AgentClaim{m->agent.agent_id, in.principal, m->instance}, service_policy().get());
      if (!ok) return reply_error(ok.error());
      return reply(MsgType::ATTACH_OK, ok->to_body());
    }
    case MsgType::AGENT_HEARTBEAT: {
      auto m = AgentHeartbeat::from_body(e.body);
      if (!m) return reply_error(m.error());
      auto s = core_.heartbeat(in.identity, *m);
      if (!s) return reply_error(s.error());
      return reply(MsgType::AGENT_HEARTBEAT_OK, Json::object());
    }
    case MsgType::TASK_PROGRESS: {
      auto m = TaskProgress::from_packed(e.packed_body);
      if (m) core_.progress(*m);
      // One-way: a bad field is ignored; a body that does not decode at all is a bad frame, as
      // when bodies were decoded on receipt.
      if (!m && m.error().code != ErrorCode::INVALID_ARGUMENT) {
        bad_frame("agent", m.error());
        reply_error(m.error());
      }
      return;
    }
    case MsgType::TASK_RESULT: {
      auto m = TaskResult::from_packed(e.packed_body);
      if (!m) {
        // A body that does not decode at all is a bad frame, as when bodies were decoded on receipt.
        if (m.error().code != ErrorCode::INVALID_ARGUMENT) bad_frame("agent", m.error());
        return reply_error(m.error());
      }
      agent_replies_.push_back(
          {in.identity, packed_envelope(MsgType::RESULT_OK, e.request_id, core_.result(*m).to_packed())});
      return;
    }
    case MsgType::DETACH: {
      auto m = Detach::from_body(e.body);
      // Only the connection the agent attached on may detach it: not a process its ATTACH refused.
      if (const AgentSession* a = m ? core_.agent(m->agent_id) : nullptr; a && a->identity == in.identity) {
        core_.detach(m->agent_id);
      }
      return;
    }
    default:
      return reply_error(make_error(ErrorCode::UNKNOWN_TYPE,
                                    std::string(to_string(e.type)) + " is not served on the scheduler's agent socket"));
  }
}

void SchedulerService::handle_bus(const Event& ev) {
  if (!serving() || !ev.data.is_object()) return;
  auto field = [&](const char* key) {
    return ev.data.contains(key) && ev.data[key].is_string() ? ev.data[key].get<std::string>() : std::string();
  };
  if (ev.topic == "agent.down") {
    if (auto id = field("agent_id"); !id.empty()) core_.agent_down(id);
  } else if (ev.topic.rfind("proposal.decided", 0) == 0) {
    // A hint to ask the consensus leader now, never the decision itself (an event proves
    // nothing). A missed event costs a poll's delay: the core asks for open proposals every second.
    if (auto id = field("proposal_id"); !id.empty()) core_.gate_hint(id);
  }
}

void SchedulerService::handle_consensus(const Outbox::ToConsensus& request, const Result<Envelope>& answer) {
  if (!answer) {
    // Refused for good (a bad voter, an unknown proposal): the gate's tasks end CANCELLED.
    spdlog::warn("event=consensus_refused gate={} request={} error={}", request.gate_id, request.request_id,
                 orion::logfmt_value(answer.error().to_string()));
    core_.gate_refused(request.gate_id, answer.error());
    return;
  }
  if (answer->type == MsgType::PROPOSE_OK) {
    auto ok = ProposeOk::from_body(answer->body);
    if (!ok) return;
    core_.gate_proposed(request.gate_id, ok->proposal_id);
    if (is_decided(ok->outcome)) core_.gate_decided(ok->proposal_id, to_string(ok->outcome));
  } else if (answer->type == MsgType::PROPOSAL_INFO) {
    auto info = ProposalInfo::from_body(answer->body);
    if (info) core_.gate_decided(info->proposal.proposal_id, to_string(info->proposal.outcome));
  }
}

void SchedulerService::on_discovery(const Discovery& d) {
  if (!d.consensus.empty()) consensus_.set_endpoint(d.consensus);
}

void SchedulerService::hold() {
  LogBatch batch = drain_turn_records(core_, workflows_, std::move(batch_records_));
  batch_records_ = LogBatch();
  // A schedule's advance goes in the batch of the task (or workflow) its firing made: a new
  // leader has both or neither (schedule_book.h). A deletion is an empty record.
  auto put = [&](std::uint64_t key, std::string rec) {
    if (rec.empty()) {
      batch.erase(key);
    } else {
      batch.put(key, std::move(rec));
    }
  };
  schedules_.drain_dirty(put);
  limits_.drain_dirty(put);      // limit rules (limit_book.h)
  namespaces_.drain_dirty(put);  // namespace settings (namespace_book.h)
  audit_service_events();
  bool events_recorded = false;
  if (serving()) {
    // The turn's audit records and events, in its batch (the same transaction or Raft entry): a follower
    // writes nothing, and holds the leader's as they apply.
    audit_.drain([&](std::uint64_t seq, std::string bytes) { batch.put(audit_key(seq), std::move(bytes)); },
                 [&](std::uint64_t seq) { batch.erase(audit_key(seq)); });
    events_recorded = record_events(core_.outbox());
    history_.drain([&](std::uint64_t pos, std::string bytes) { batch.put(event_history_key(pos), std::move(bytes)); },
                   [&](std::uint64_t pos) { batch.erase(event_history_key(pos)); });
  }
  // The seq floor (early_assigns.h): raised in this turn's batch once the next seq nears it.
  bool floor_raised = false;
  if (serving() && (early_.floor_wanted() || core_.next_seq() + EarlyAssigns::kSeqMargin > core_.seq_floor())) {
    core_.raise_seq_floor(core_.next_seq() + EarlyAssigns::kSeqBlock);
    batch.put(kRetentionMarkKey, retention_mark_record(core_, workflows_));
    floor_raised = true;
  }
  if (!batch.empty()) last_batch_ = persist(std::move(batch));
  if (floor_raised) early_.floor_written(last_batch_, core_.seq_floor());
  Outbox& out = core_.outbox();
  if (serving()) send_early(out);
  if (client_replies_.empty() && agent_replies_.empty() && out.to_agents.empty() && out.to_clients.empty() &&
      out.events.empty() && out.to_consensus.empty()) {
    return;
  }
  // Even a turn that changed nothing waits for the batches before it: what it answers may
  // read state an earlier, not yet durable, turn wrote.
  Held h;
  h.batch = last_batch_;
  h.events_recorded = events_recorded;
  h.client.swap(client_replies_);
  h.agent.swap(agent_replies_);
  std::swap(h.outbox, out);
  held_.push_back(std::move(h));
}

void SchedulerService::send_early(Outbox& out) {
  for (const auto& r : agent_replies_) {
    if (r.envelope.type == MsgType::ATTACH_OK) early_.attached(r.identity, last_batch_);
  }
  auto& to = out.to_agents;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < to.size(); ++i) {
    Outbox::ToPeer& m = to[i];
    if (m.seq != 0) {
      const bool go = early_.may_go(m);
      early_.assigned(m.seq, last_batch_);  // held or not: the next attempt waits for this record
      ++stats_.assigns;
      if (go) {
        ++stats_.early_assigns;
        if (!send_envelope(agent_, m.identity, m.envelope)) {
          ++stats_.send_failures;
          early_unreachable_.push_back(m.agent_id);
        }
        continue;
      }
    }
    if (kept != i) to[kept] = std::move(m);
    ++kept;
  }
  to.erase(to.begin() + static_cast<std::ptrdiff_t>(kept), to.end());
}

void SchedulerService::release() {
  if (commit_) {
    commit_->drain_wakeups();
    if (commit_->failed()) {
      // Memory is ahead of disk and nothing more may be acknowledged: stop, and let a restart
      // recover the last committed state.
      spdlog::critical("event=commit_failed error={}", orion::logfmt_value(commit_->failure().to_string()));
      std::abort();
    }
  }
  auto committed = this->committed();
  early_.committed(committed);
  std::vector<std::string> unreachable;
  unreachable.swap(early_unreachable_);
  while (!held_.empty() && held_.front().batch <= committed) {
    Held& h = held_.front();
    for (auto& r : h.client) {
      if (!send_envelope(client_, r.identity, r.envelope)) ++stats_.send_failures;
    }
    for (auto& r : h.agent) {
      if (!send_envelope(agent_, r.identity, r.envelope)) ++stats_.send_failures;
    }
    for (auto& m : h.outbox.to_clients) {
      if (m.envelope.type == MsgType::TASK_LIST) {  // a WAIT_TASKS answer: truncated past the body limit
        m.envelope.packed_body = fit_packed_list_reply(std::move(m.envelope.packed_body), kTaskGroup);
      }
      if (!send_envelope(client_, m.identity, m.envelope)) ++stats_.send_failures;
    }
    for (auto& m : h.outbox.to_agents) {
      if (!send_envelope(agent_, m.identity, m.envelope)) {
        ++stats_.send_failures;
        unreachable.push_back(m.agent_id);
      }
    }
    for (const auto& ev : h.outbox.events) publish(ev, h.events_recorded);
    for (auto& r : h.outbox.to_consensus) consensus_.send(r, clock_.now_ms());
    held_.pop_front();
  }
  // Changes made here are committed and sent on a later turn.
  for (const auto& id : unreachable) core_.agent_unreachable(id);
}

}  // namespace orion::scheduler
