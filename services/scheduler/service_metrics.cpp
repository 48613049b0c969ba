// The scheduler's HTTP endpoint (common/http_endpoint.h), answered on its loop: /metrics in the
// Prometheus text format (docs/metrics.md lists every family) and /healthz. Gauges read the
// state every replica holds (tasks by state and priority, ready classes, agents); counters and
// histograms count what this process did (transitions it made, commits its writer made).
#include <algorithm>

#include "common/process_metrics.h"
#include "common/replica_metrics.h"
#include "services/scheduler/scheduler_service.h"
#include "services/scheduler/task_lifecycle.h"

namespace orion::scheduler {

namespace {

constexpr std::size_t kMaxAgentSeries = 500;  // agents with series of their own, by agent id

std::uint64_t made(std::initializer_list<Cause> causes) {
  std::uint64_t n = 0;
  for (Cause c : causes) n += g_transitions_made[static_cast<std::size_t>(c)].load(std::memory_order_relaxed);
  return n;
}

void write_task_metrics(MetricsText& m, const SchedulerStatsOk& s) {
  m.family("orion_scheduler_tasks", "gauge", "Tasks the scheduler holds, by state.");
  for (std::string_view state : {"PENDING", "ASSIGNED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PARKED"}) {
    auto it = s.by_state.find(std::string(state));
    m.sample("orion_scheduler_tasks", {{"state", state}}, it == s.by_state.end() ? 0 : static_cast<double>(it->second));
  }
  m.family("orion_scheduler_tasks_by_priority", "gauge", "Tasks the scheduler holds, by submitted priority.");
  for (std::string_view p : {"LOW", "NORMAL", "HIGH", "CRITICAL", "URGENT"}) {
    auto it = s.by_priority.find(std::string(p));
    m.sample("orion_scheduler_tasks_by_priority", {{"priority", p}},
             it == s.by_priority.end() ? 0 : static_cast<double>(it->second));
  }
  // At most kMaxStatsRows classes (the largest), as SCHEDULER_STATS lists them.
  m.family("orion_scheduler_ready_tasks", "gauge",
           "Ready tasks waiting for an agent, by the capabilities they need (the largest classes).");
  m.family("orion_scheduler_ready_oldest_wait_seconds", "gauge",
           "How long the longest-waiting ready task of each class has waited.");
  std::string caps;
  for (const auto& w : s.waiting) {
    caps.clear();
    for (const auto& c : w.capabilities) caps += (caps.empty() ? "" : ",") + c;
    m.sample("orion_scheduler_ready_tasks", {{"capabilities", caps}}, static_cast<double>(w.tasks));
  }
  for (const auto& w : s.waiting) {
    caps.clear();
    for (const auto& c : w.capabilities) caps += (caps.empty() ? "" : ",") + c;
    m.sample("orion_scheduler_ready_oldest_wait_seconds", {{"capabilities", caps}}, static_cast<double>(w.oldest_wait_ms) / 1000.0);
  }
}

// Tasks per namespace and state (protocol.md section 19.2), with bounded cardinality: the
// kMaxNamespacesListed namespaces holding most tasks have series of their own, the rest are
// summed under namespace="other"; and the slots fair share gave each of them.
void write_namespace_metrics(MetricsText& m, const SchedulerCore& core) {
  const auto& by_ns = core.live_stats().by_namespace();
  using Row = std::pair<std::int64_t, const std::string*>;
  std::vector<Row> rows;
  rows.reserve(by_ns.size());
  for (const auto& [ns, c] : by_ns) {
    std::int64_t n = 0;
    for (auto x : c) n += x;
    rows.emplace_back(n, &ns);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.first != b.first ? a.first > b.first : *a.second < *b.second;
  });
  LiveStats::StateCounts other{};
  bool any_other = false;
  m.family("orion_scheduler_namespace_tasks", "gauge",
           "Tasks the scheduler holds, by namespace and state (the 1,000 largest namespaces; the rest as \"other\").");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& counts = by_ns.at(*rows[i].second);
    if (i >= kMaxNamespacesListed || *rows[i].second == "other") {
      for (std::size_t s = 0; s < counts.size(); ++s) other[s] += counts[s];
      any_other = true;
      continue;
    }
    for (std::size_t s = 1; s < counts.size(); ++s) {
      m.sample("orion_scheduler_namespace_tasks",
               {{"namespace", *rows[i].second}, {"state", to_string(static_cast<TaskState>(s))}},
               static_cast<double>(counts[s]));
    }
  }
  if (any_other) {
    for (std::size_t s = 1; s < other.size(); ++s) {
      m.sample("orion_scheduler_namespace_tasks", {{"namespace", "other"}, {"state", to_string(static_cast<TaskState>(s))}},
               static_cast<double>(other[s]));
    }
  }
}

void write_transition_counters(MetricsText& m) {
  struct Named {
    const char* name;
    const char* help;
    std::initializer_list<Cause> causes;
  };
  const Named counters[] = {
      {"orion_scheduler_tasks_submitted_total", "Tasks accepted (SUBMIT, SUBMIT_BATCH, workflow runs).", {Cause::SUBMIT}},
      {"orion_scheduler_tasks_assigned_total", "Attempts leased to an agent (ASSIGN sent).", {Cause::ASSIGN}},
      {"orion_scheduler_tasks_started_total", "Attempts their agent reported started.", {Cause::START}},
      {"orion_scheduler_tasks_completed_total", "Tasks that ended COMPLETED.", {Cause::RESULT_OK}},
      {"orion_scheduler_tasks_failed_total",
       "Tasks that ended FAILED: retries spent, a dependency failed, unschedulable, or an input unresolved.",
       {Cause::RESULT_FAILED, Cause::DEPENDENCY_FAILED, Cause::UNSCHEDULABLE, Cause::INPUT_UNRESOLVED}},
      {"orion_scheduler_tasks_retried_total", "Failed attempts queued again for a retry.", {Cause::RETRY}},
      {"orion_scheduler_tasks_timed_out_total", "Attempts that ran past their timeout (the task ends TIMEOUT).", {Cause::TIMEOUT}},
      {"orion_scheduler_tasks_fenced_total", "Attempts fenced off (their agent lost or not claiming them) and queued again.",
       {Cause::FENCED}},
      {"orion_scheduler_tasks_cancelled_total", "Tasks cancelled, by a request or a closed consensus gate.",
       {Cause::CANCEL, Cause::GATE_CLOSED}},
      {"orion_scheduler_tasks_reopened_total", "Ended tasks re-opened by a workflow retry.", {Cause::REOPEN}},
  };
  for (const auto& c : counters) {
    m.family(c.name, "counter", c.help);
    m.sample(c.name, static_cast<double>(made(c.causes)));
  }
}

void write_agent_metrics(MetricsText& m, const AgentStatsOk& a) {
  std::size_t attached = 0, draining = 0, gone = 0;
  for (const auto& p : a.agents) (p.attached ? (p.draining ? draining : attached) : gone) += 1;
  m.family("orion_scheduler_agents", "gauge", "Agents the scheduler knows, by state (gone: lost or detached, history kept).");
  m.sample("orion_scheduler_agents", {{"state", "attached"}}, static_cast<double>(attached));
  m.sample("orion_scheduler_agents", {{"state", "draining"}}, static_cast<double>(draining));
  m.sample("orion_scheduler_agents", {{"state", "gone"}}, static_cast<double>(gone));
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const AgentPerf&);
  };
  const Family families[] = {
      {"orion_agent_running_tasks", "gauge", "Attempts an attached agent holds now.",
       [](const AgentPerf& p) { return static_cast<double>(p.load); }},
      {"orion_agent_capacity", "gauge", "Attempts an attached agent may hold at once.",
       [](const AgentPerf& p) { return static_cast<double>(p.capacity); }},
      {"orion_agent_score", "gauge", "What selection ranks an agent by: recent success discounted by run time.",
       [](const AgentPerf& p) { return p.score; }},
      {"orion_agent_tasks_done_total", "counter", "Attempts the agent completed.",
       [](const AgentPerf& p) { return static_cast<double>(p.done); }},
      {"orion_agent_tasks_failed_total", "counter", "Attempts the agent failed.",
       [](const AgentPerf& p) { return static_cast<double>(p.failed); }},
      {"orion_agent_tasks_timed_out_total", "counter", "Attempts that timed out on the agent.",
       [](const AgentPerf& p) { return static_cast<double>(p.timed_out); }},
  };
  for (const auto& f : families) {
    m.family(f.name, f.type, f.help);
    std::size_t n = 0;
    for (const auto& p : a.agents) {
      if (!p.attached) continue;
      if (++n > kMaxAgentSeries) break;
      m.sample(f.name, {{"agent", p.agent_id}}, f.value(p));
    }
  }
}

}  // namespace

HttpAnswer SchedulerService::http(const HttpRequest& r) const {
  if (r.path == "/healthz") {
    const bool ok = !commit_ || !commit_->failed();
    return HttpAnswer{ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "the log failed\n"};
  }
  if (r.path != "/metrics") return http_not_found(r);
  MetricsText m;
  write_task_metrics(m, core_.stats(clock_.wall_ms()));
  write_namespace_metrics(m, core_);
  write_transition_counters(m);
  core_.timings().write(m);
  write_agent_metrics(m, core_.agent_stats());
  if (commit_) write_commit_metrics(m, *commit_);
  if (raft_) {
    std::string role = to_string(role_.role);
    if (role_.role == Role::LEADER && !serving_) role = "candidate";
    const LogProgress p = raft_->progress();
    write_replica_metrics(m, role, role_.term, &p);
  } else {
    write_replica_metrics(m, "single", 0, nullptr);
  }
  m.family("orion_events_published_total", "counter", "Events this process numbered and handed to the event buses.");
  m.sample("orion_events_published_total", static_cast<double>(registry_link_.published()));
  m.family("orion_scheduler_assigns_total", "counter", "ASSIGNs this leader sent (early: before its turn's commit).");
  m.sample("orion_scheduler_assigns_total", {{"sent", "after_commit"}}, static_cast<double>(stats_.assigns - stats_.early_assigns));
  m.sample("orion_scheduler_assigns_total", {{"sent", "early"}}, static_cast<double>(stats_.early_assigns));
  m.family("orion_send_failures_total", "counter", "Messages this process could not hand to a socket (peer gone or full).");
  m.sample("orion_send_failures_total", static_cast<double>(stats_.send_failures));
  m.family("orion_bad_frames_total", "counter", "Messages received that did not decode (answered MALFORMED or dropped).");
  m.sample("orion_bad_frames_total", static_cast<double>(stats_.bad_frames));
  m.family("orion_open_gates", "gauge", "Tasks waiting on a consensus gate.");
  m.sample("orion_open_gates", static_cast<double>(core_.open_gates()));
  write_process_metrics(m);
  return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", m.text()};
}

}  // namespace orion::scheduler
