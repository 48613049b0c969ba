#include "sdk/cpp/client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/config.h"
#include "common/ids.h"
#include "common/sockets.h"
#include "common/task_list_decode.h"
#include "common/task_pack.h"
#include "services/consensus/consensus_client.h"

namespace orion::sdk {

namespace {
std::int64_t mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)), ctx_(1) {
  registry_.endpoint = options_.registry;
}

Client::~Client() {
  consensus_.reset();
  registry_.socket.reset();
  scheduler_.socket.reset();
}

void Client::connect(Peer& peer) {
  SocketOptions so;
  so.linger_ms = 0;  // an abandoned request must not hold the process open
  peer.socket = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::dealer, so));
  peer.socket->connect(first_endpoint(peer.endpoint));
}

Result<Envelope> Client::call(bool to_scheduler, MsgType type, const Json& body, std::int64_t timeout_ms,
                              KeepPacked keep_packed) {
  return call_envelope(to_scheduler, Envelope{type, random_hex(8), body}, timeout_ms, keep_packed);
}

Result<Envelope> Client::call_packed(bool to_scheduler, MsgType type, std::string packed_body,
                                     std::int64_t timeout_ms) {
  return call_envelope(to_scheduler, packed_envelope(type, random_hex(8), std::move(packed_body)), timeout_ms,
                       nullptr);
}

Result<Envelope> Client::call_envelope(bool to_scheduler, const Envelope& request, std::int64_t timeout_ms,
                                       KeepPacked keep_packed) {
  if (to_scheduler) {
    if (auto s = ensure_scheduler(); !s) return s.error();
  }
  Peer& peer = to_scheduler ? scheduler_ : registry_;
  Error last = make_error(ErrorCode::UNAVAILABLE, "no reply from " + peer.endpoint);
  for (int attempt = 0; attempt < options_.tries; ++attempt) {
    if (!peer.socket) connect(peer);
    if (!send_envelope(*peer.socket, request)) {
      peer.socket.reset();
      continue;
    }
    auto deadline = mono_ms() + timeout_ms;
    for (std::int64_t left = timeout_ms; left > 0; left = deadline - mono_ms()) {
      zmq::pollitem_t item{peer.socket->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(left));
      Incoming in;
      while (receive(*peer.socket, in, false, false, keep_packed)) {
        if (in.request_id != request.request_id) continue;  // a late answer to an earlier try
        if (!in.envelope) return in.envelope.error();
        if (in.envelope->type == MsgType::ERROR) return error_from_body(in.envelope->body);
        return std::move(*in.envelope);
      }
    }
    // No answer in time: the peer may be gone or restarting. A new socket drops whatever the
    // old one queued; the retry carries the same request id, so the server deduplicates it.
    peer.socket.reset();
    // ClientOptions::registry may list several registries: the next try asks the next one.
    if (!to_scheduler) registry_.endpoint = turn_endpoints(registry_.endpoint);
    if (to_scheduler) {
      // The scheduler may have moved: ask the registry again before the next try.
      scheduler_.endpoint.clear();
      if (auto s = ensure_scheduler(); !s) last = s.error();
    }
  }
  return last;
}

Status Client::ensure_scheduler() {
  if (!scheduler_.endpoint.empty()) return {};
  // A scheduler that just started may not have announced itself yet: ask again for up to one
  // request timeout, every 50 ms, before giving up with UNAVAILABLE.
  auto deadline = mono_ms() + options_.request_timeout_ms;
  while (true) {
    auto d = discover();
    if (!d) return d.error();
    if (!d->scheduler_client.empty()) {
      scheduler_.endpoint = d->scheduler_client;
      scheduler_.socket.reset();
      return {};
    }
    if (mono_ms() >= deadline) return make_error(ErrorCode::UNAVAILABLE, "the registry knows no scheduler yet");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // pacing between asks, not a race
  }
}

Result<Discovery> Client::discover() {
  auto r = call(false, MsgType::DISCOVER, Json::object(), options_.request_timeout_ms);
  if (!r) return r.error();
  return Discovery::from_body(r->body);
}

Result<std::string> Client::submit(const TaskSpec& spec) {
  auto r = call(true, MsgType::SUBMIT, SubmitTask{spec}.to_body(), options_.request_timeout_ms);
  if (!r) return r.error();
  auto ok = SubmitOk::from_body(r->body);
  if (!ok) return ok.error();
  return ok->task_id;
}

Result<TaskView> Client::status(const std::string& task_id) {
  auto r = call(true, MsgType::GET_TASK, GetTask{task_id}.to_body(), options_.request_timeout_ms);
  if (!r) return r.error();
  auto info = TaskInfo::from_body(r->body);
  if (!info) return info.error();
  return std::move(info->task);
}

Result<TaskView> Client::wait(const std::string& task_id, std::int64_t timeout_ms) {
  auto deadline = mono_ms() + timeout_ms;
  while (true) {
    // Long-poll in slices so a lost scheduler is noticed within one slice.
    std::int64_t slice = std::max<std::int64_t>(0, std::min<std::int64_t>(deadline - mono_ms(), 10'000));
    auto r = call(true, MsgType::WAIT_TASK, WaitTask{task_id, slice}.to_body(), slice + options_.request_timeout_ms);
    if (!r) return r.error();
    auto info = TaskInfo::from_body(r->body);
    if (!info) return info.error();
    if (is_terminal(info->task.state) || mono_ms() >= deadline) return std::move(info->task);
  }
}

Result<std::vector<TaskView>> Client::wait_all(const std::vector<std::string>& task_ids, std::int64_t timeout_ms) {
  auto deadline = mono_ms() + timeout_ms;
  while (true) {
    std::int64_t slice = std::max<std::int64_t>(0, std::min<std::int64_t>(deadline - mono_ms(), 10'000));
    // A 500-task answer is read from its msgpack directly: a Json tree of it cost more than the
    // rest of the call.
    auto r = call(true, MsgType::WAIT_TASKS, WaitTasks{task_ids, slice}.to_body(), slice + options_.request_timeout_ms,
                  [](MsgType t) { return t == MsgType::TASK_LIST; });
    if (!r) return r.error();
    auto list = task_list_from_packed(r->packed_body);
    if (!list) return list.error();
    bool done = std::all_of(list->tasks.begin(), list->tasks.end(), [](const TaskView& v) { return is_terminal(v.state); });
    if (done || mono_ms() >= deadline) return std::move(list->tasks);
  }
}

Result<std::vector<AgentView>> Client::agents() {
  auto r = call(false, MsgType::LIST_AGENTS, Json::object(), options_.request_timeout_ms);
  if (!r) return r.error();
  auto list = AgentList::from_body(r->body);
  if (!list) return list.error();
  return std::move(list->agents);
}

Result<std::map<std::string, std::string>> Client::submit_batch(const std::vector<BatchEntry>& tasks,
                                                                const ConsensusGate& gate) {
  // Packed directly: a Json tree of a 500-task batch cost more than the rest of the call.
  auto timeout_ms = std::max(options_.request_timeout_ms, options_.batch_timeout_ms);
  auto r = call_packed(true, MsgType::SUBMIT_BATCH, pack_submit_batch(tasks, gate), timeout_ms);
  if (!r) return r.error();
  auto ok = SubmitBatchOk::from_body(r->body);
  if (!ok) return ok.error();
  return std::move(ok->task_ids);
}

Result<CancelOk> Client::cancel(const std::string& task_id, const std::string& reason) {
  return ask<CancelOk>(MsgType::CANCEL, Cancel{task_id, reason}.to_body());
}

Result<DrainAgentOk> Client::drain(const std::string& agent_id) {
  return ask<DrainAgentOk>(MsgType::DRAIN_AGENT, DrainAgent{agent_id}.to_body());
}

Result<std::vector<AgentPerf>> Client::agent_stats() {
  auto r = call(true, MsgType::AGENT_STATS, Json::object(), options_.request_timeout_ms);
  if (!r) return r.error();
  auto ok = AgentStatsOk::from_body(r->body);
  if (!ok) return ok.error();
  return std::move(ok->agents);
}

Result<ReprioritizeOk> Client::reprioritize(const std::string& task_id, Priority priority) {
  return ask<ReprioritizeOk>(MsgType::REPRIORITIZE, Reprioritize{task_id, priority}.to_body());
}

Result<TaskList> Client::list(const ListTasks& query) {
  return ask<TaskList>(MsgType::LIST_TASKS, query.to_body());
}

}  // namespace orion::sdk
