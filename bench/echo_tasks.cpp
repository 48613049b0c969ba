#include "bench/echo_tasks.h"

#include <stdexcept>

namespace orion::bench {

TaskSpec echo_task(std::int64_t input, const char* capability) {
  TaskSpec s;
  s.type = "echo";
  s.capabilities = {capability};
  s.input = input;
  return s;
}

void expect_completed(const Result<TaskView>& v, const std::string& id) {
  if (!v) throw std::runtime_error("wait " + id + ": " + v.error().to_string());
  if (v->state != TaskState::COMPLETED) {
    throw std::runtime_error("task " + id + " ended " + std::string(to_string(v->state)) + ": " + v->error + " " +
                             v->reason);
  }
}

std::string require_ok(const Result<std::string>& r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().to_string());
  return *r;
}

std::vector<std::string> submit_echo_batch(sdk::Client& client, std::int64_t first_input, int n,
                                           const std::vector<std::string>& limit_keys, const std::string& ns) {
  std::vector<BatchEntry> entries;
  entries.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    entries.push_back(BatchEntry{"t" + std::to_string(i), echo_task(first_input + i)});
    entries.back().spec.limit_keys = limit_keys;
    entries.back().spec.ns = ns;
  }
  auto r = client.submit_batch(entries);
  if (!r) throw std::runtime_error("submit_batch: " + r.error().to_string());
  std::vector<std::string> ids;
  ids.reserve(r->size());
  for (const auto& kv : *r) ids.push_back(kv.second);
  return ids;
}

void wait_completed(sdk::Client& client, const std::vector<std::string>& ids, std::int64_t timeout_ms) {
  auto views = client.wait_all(ids, timeout_ms);
  if (!views) throw std::runtime_error("wait_all: " + views.error().to_string());
  for (const auto& v : *views) {
    if (v.state != TaskState::COMPLETED) expect_completed(Result<TaskView>(v), v.task_id);
  }
}

}  // namespace orion::bench
