#include "sdk/cpp/client.h"

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/config.h"
#include "common/ids.h"
#include "common/sockets.h"
#include "common/task_pack.h"
#include "sdk/cpp/consensus_client.h"

namespace orion::sdk {

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      ctx_(1),
      registries_(ctx_, options_.registry, follow_options("registry", options_.request_timeout_ms, options_.call_timeout_ms, options_.first_answer_ms)),
      scheduler_(ctx_, follow_options("scheduler", options_.request_timeout_ms, options_.call_timeout_ms,
                                       options_.first_answer_ms), [this](std::int64_t budget_ms) -> Result<std::string> {
        auto d = registries_.discover(std::min(budget_ms, options_.call_timeout_ms));
        if (!d) return d.error();
        return d->scheduler_client;
      }) {}

Client::~Client() { consensus_.reset(); }

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
  // What a try waits beyond request_timeout_ms is the server's hold (a long poll, a big batch).
  std::int64_t hold_ms = std::max<std::int64_t>(0, timeout_ms - options_.request_timeout_ms);
  LeaderFollower& follower = to_scheduler ? scheduler_ : registries_.follower();
  return follower.call(request, hold_ms, keep_packed);
}

Result<Discovery> Client::discover() { return registries_.discover(); }

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
  auto deadline = steady_now_ms() + timeout_ms;
  while (true) {
    // Long-poll in slices so a lost scheduler is noticed within one slice.
    std::int64_t slice = std::max<std::int64_t>(0, std::min<std::int64_t>(deadline - steady_now_ms(), 10'000));
    auto r = call(true, MsgType::WAIT_TASK, WaitTask{task_id, slice}.to_body(), slice + options_.request_timeout_ms);
    if (!r) return r.error();
    auto info = TaskInfo::from_body(r->body);
    if (!info) return info.error();
    if (is_terminal(info->task.state) || steady_now_ms() >= deadline) return std::move(info->task);
  }
}

Result<std::vector<TaskView>> Client::wait_all(const std::vector<std::string>& task_ids, std::int64_t timeout_ms) {
  auto deadline = steady_now_ms() + timeout_ms;
  while (true) {
    std::int64_t slice = std::max<std::int64_t>(0, std::min<std::int64_t>(deadline - steady_now_ms(), 10'000));
    // A 500-task answer is read from its msgpack directly: a Json tree of it cost more than the
    // rest of the call.
    auto r = call(true, MsgType::WAIT_TASKS, WaitTasks{task_ids, slice}.to_body(), slice + options_.request_timeout_ms,
                  [](MsgType t) { return t == MsgType::TASK_LIST; });
    if (!r) return r.error();
    auto list = TaskList::from_packed(r->packed_body);
    if (!list) return list.error();
    bool done = std::all_of(list->tasks.begin(), list->tasks.end(), [](const TaskView& v) { return is_terminal(v.state); });
    if (done || steady_now_ms() >= deadline) return std::move(list->tasks);
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
  auto r = call_packed(true, MsgType::SUBMIT_BATCH, SubmitBatch{tasks, gate}.to_packed(), timeout_ms);
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

Result<RetryParkedOk> Client::retry_parked(const std::vector<std::string>& task_ids, const std::string& type) {
  return ask<RetryParkedOk>(MsgType::RETRY_PARKED, RetryParked{task_ids, type}.to_body());
}

Result<DiscardParkedOk> Client::discard_parked(const std::vector<std::string>& task_ids, const std::string& type,
                                               const std::string& reason) {
  return ask<DiscardParkedOk>(MsgType::DISCARD_PARKED, DiscardParked{task_ids, type, reason}.to_body());
}

}  // namespace orion::sdk
