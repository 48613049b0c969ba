#include "services/dashboard/dashboard_view.h"

#include <algorithm>

#include "common/task_model.h"

namespace orion::dashboard {

namespace {

constexpr std::size_t kMaxQueryBytes = 2048;
constexpr std::size_t kMaxFilterValues = 16;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX and '+' decoded; a broken escape is kept as it is.
std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string str_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_terminal_name(const std::string& state) {
  return state == "COMPLETED" || state == "FAILED" || state == "CANCELLED" || state == "TIMEOUT";
}

}  // namespace

Result<TaskFilter> task_filter_from_query(const std::string& query) {
  if (query.size() > kMaxQueryBytes) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "query: longer than 2048 bytes");
  }
  TaskFilter f;
  if (query.empty()) return f;
  for (const auto& pair : split(query, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string key = url_decode(pair.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    if (key == "limit") {
      char* end = nullptr;
      const long long n = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > static_cast<long long>(DashboardView::kMaxTasks)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "limit: '" + value.substr(0, 32) + "' is not an integer in [1, 10000]");
      }
      f.limit = static_cast<std::size_t>(n);
      continue;
    }
    std::set<std::string>* into = key == "state"       ? &f.states
                                  : key == "type"      ? &f.types
                                  : key == "agent"     ? &f.agents
                                  : key == "namespace" ? &f.namespaces
                                                       : nullptr;
    if (!into) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        "'" + key.substr(0, 32) + "' is not a filter (state, type, agent, namespace, limit)");
    }
    for (const auto& v : split(value, ',')) {
      if (v.empty()) continue;
      if (into == &f.states && !task_state_from_string(v)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "state: '" + v.substr(0, 32) + "' is not a task state");
      }
      into->insert(v);
      if (into->size() > kMaxFilterValues) {
        return make_error(ErrorCode::INVALID_ARGUMENT, key + ": more than 16 values");
      }
    }
  }
  return f;
}

Json task_summary_json(const TaskView& t) {
  return Json{{"task_id", t.task_id},
              {"name", t.spec.name},
              {"type", t.spec.type},
              {"namespace", t.spec.ns},
              {"state", std::string(to_string(t.state))},
              {"priority", std::string(to_string(t.effective_priority == Priority::UNKNOWN ? t.spec.priority
                                                                                           : t.effective_priority))},
              {"agent", t.assigned_agent},
              {"attempt", t.attempt},
              {"progress", t.progress},
              {"error", t.error},
              {"reason", t.reason},
              {"waiting_on", t.waiting_on},
              {"failures", t.failures},
              {"retry_at_ms", t.retry_at_ms},
              {"created_ms", t.created_ms},
              {"finished_ms", t.finished_ms}};
}

Json task_detail_json(const TaskView& t) {
  Json j = task_summary_json(t);
  Json history = Json::array();
  for (const auto& h : t.history) {
    history.push_back({{"state", std::string(to_string(h.state))},
                       {"at_ms", h.at_ms},
                       {"attempt", h.attempt},
                       {"agent", h.agent},
                       {"note", h.note}});
  }
  j["history"] = std::move(history);
  j["capabilities"] = t.spec.capabilities;
  j["depends_on"] = t.spec.depends_on;
  j["timeout_ms"] = t.spec.timeout_ms;
  j["retries"] = t.spec.retries;
  j["assigned_ms"] = t.assigned_ms;
  j["started_ms"] = t.started_ms;
  j["output"] = t.output;
  if (!t.gate.id.empty()) j["gate"] = t.gate.to_json();
  // Why it is where it is, in one line for the page: the scheduler's reason, else what the
  // fields say (dependencies, a retry's wait).
  std::string why = t.reason;
  if (why.empty() && !t.waiting_on.empty()) {
    why = "waits for " + std::to_string(t.waiting_on.size()) + " dependencies";
  }
  if (why.empty() && t.retry_at_ms > 0) why = "waits to retry";
  j["why"] = why;
  return j;
}

Json workflow_json(const WorkflowView& w) {
  Json j = w.to_json();
  j["state"] = to_string(w.state);
  Json steps = Json::array();
  for (const auto& s : w.steps) {
    Json sj = s.to_json();
    sj["state"] = std::string(to_string(s.state));
    steps.push_back(std::move(sj));
  }
  j["steps"] = std::move(steps);
  return j;
}

Json proposal_json(const ProposalView& p) {
  Json j = p.to_json();
  j["consensus_type"] = to_string(p.consensus_type);
  j["outcome"] = to_string(p.outcome);
  j.erase("data");  // any size; the page does not show it
  Json votes = Json::array();
  for (const auto& v : p.votes) {
    votes.push_back({{"agent_id", v.agent_id}, {"yes", v.yes}, {"weight", v.weight}, {"at_ms", v.at_ms}});
  }
  j["votes"] = std::move(votes);
  return j;
}

// ---- Replies ------------------------------------------------------------------------------

void DashboardView::set_agents(const std::vector<AgentView>& agents) {
  std::map<std::string, Json> next;
  for (const auto& a : agents) {
    Json j = a.to_json();
    // Flat for the page: the spec's fields beside the view's.
    Json flat = j.contains("spec") && j["spec"].is_object() ? j["spec"] : Json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "spec") flat[it.key()] = it.value();
    }
    auto old = agents_.find(a.spec.agent_id);
    flat["draining"] = old != agents_.end() && old->second.value("draining", false);
    next[a.spec.agent_id] = std::move(flat);
  }
  agents_ = std::move(next);
}

void DashboardView::set_agent_perf(const std::vector<AgentPerf>& perf) {
  perf_.clear();
  for (const auto& p : perf) {
    perf_[p.agent_id] = p.to_json();
    auto a = agents_.find(p.agent_id);
    if (a != agents_.end()) a->second["draining"] = p.draining;
  }
}

void DashboardView::set_task(const TaskView& t) {
  tasks_.put(t.task_id, task_summary_json(t));
  if (!t.gate.proposal_id.empty() && !proposals_.contains(t.gate.proposal_id)) mark_proposal_stale(t.gate.proposal_id);
}

void DashboardView::set_workflow(const WorkflowView& w) { workflows_.put(w.workflow_id, workflow_json(w)); }

void DashboardView::forget_workflow(const std::string& id) {
  if (Json* w = workflows_.find(id)) (*w)["expired"] = true;
}

void DashboardView::set_proposal(const ProposalView& p) { proposals_.put(p.proposal_id, proposal_json(p)); }

void DashboardView::forget_proposal(const std::string& id) {
  if (Json* p = proposals_.find(id)) (*p)["expired"] = true;
}

void DashboardView::set_cluster(const ClusterInfo& info) { cluster_ = info.to_body(); }

void DashboardView::set_scheduler_stats(const SchedulerStatsOk& s) { scheduler_stats_ = s.to_body(); }

void DashboardView::set_proposal_stats(const ProposalStatsOk& s) { proposal_stats_ = s.to_body(); }

void DashboardView::set_source_status(const std::string& source, const Status& s) {
  if (s) source_errors_.erase(source);
  else source_errors_[source] = s.error().to_string().substr(0, 512);
}

// ---- Events -------------------------------------------------------------------------------

Json DashboardView::apply(const Event& ev) {
  Json line{{"topic", ev.topic}, {"publisher", ev.publisher}, {"seq", ev.seq}, {"ts_ms", ev.ts_ms}, {"data", ev.data}};
  if (ev.data.is_object()) {
    if (ev.topic.rfind("task.", 0) == 0) apply_task_event(ev);
    else if (ev.topic.rfind("workflow.", 0) == 0) apply_workflow_event(ev);
    else if (ev.topic.rfind("agent.", 0) == 0) apply_agent_event(ev);
    else if (ev.topic.rfind("proposal.", 0) == 0) {
      const std::string id = str_field(ev.data, "proposal_id");
      if (!id.empty()) mark_proposal_stale(id);
    }
  }
  events_.push_back(line);
  while (events_.size() > kMaxEvents) events_.pop_front();
  return line;
}

void DashboardView::apply_task_event(const Event& ev) {
  const Json& d = ev.data;
  const std::string id = str_field(d, "task_id");
  if (id.empty()) return;
  Json* t = tasks_.touch(id);
  if (!t) {
    tasks_.put(id, Json{{"task_id", id}, {"created_ms", ev.ts_ms}});
    t = tasks_.find(id);
  }
  // The event's fields over the summary's: the names the summary uses are the event's.
  for (const char* key : {"state", "type", "name", "agent", "priority", "error"}) {
    auto it = d.find(key);
    if (it != d.end() && it->is_string()) (*t)[key] = *it;
  }
  for (const char* key : {"attempt", "progress"}) {
    auto it = d.find(key);
    if (it != d.end() && it->is_number()) (*t)[key] = *it;
  }
  (*t)["updated_ms"] = ev.ts_ms;
  const std::string state = str_field(*t, "state");
  if (state != "PENDING") (*t)["reason"] = "";
  if (is_terminal_name(state) && !t->contains("finished_ms")) (*t)["finished_ms"] = ev.ts_ms;
  const std::string proposal = str_field(d, "proposal_id");
  if (!proposal.empty()) mark_proposal_stale(proposal);
}

void DashboardView::apply_workflow_event(const Event& ev) {
  const Json& d = ev.data;
  const std::string id = str_field(d, "workflow_id");
  if (id.empty()) return;
  Json* w = workflows_.touch(id);
  if (!w) {
    workflows_.put(id, Json{{"workflow_id", id}, {"name", str_field(d, "name")}, {"steps", Json::array()}});
    w = workflows_.find(id);
  }
  if (ev.topic == "workflow.step") {
    const std::string step = str_field(d, "step");
    bool found = false;
    if ((*w)["steps"].is_array()) {
      for (auto& s : (*w)["steps"]) {
        if (!s.is_object() || str_field(s, "name") != step) continue;
        found = true;
        for (const char* key : {"state", "agent", "task_id", "error"}) {
          auto it = d.find(key);
          if (it != d.end() && it->is_string()) s[key] = *it;
        }
        if (d.contains("attempt") && d["attempt"].is_number()) s["attempt"] = d["attempt"];
      }
    }
    if (!found) mark_workflow_stale(id);  // a step the view has not read yet
    return;
  }
  const std::string state = str_field(d, "state");
  if (!state.empty()) (*w)["state"] = state;
  if (d.contains("run") && d["run"].is_number()) (*w)["run"] = d["run"];
  mark_workflow_stale(id);  // started, ended or retried: read it whole
}

void DashboardView::apply_agent_event(const Event& ev) {
  const std::string id = str_field(ev.data, "agent_id");
  if (id.empty()) return;
  auto a = agents_.find(id);
  if (ev.topic == "agent.registered" || ev.topic == "agent.replaced") {
    Json j = ev.data;
    j["state"] = "UP";
    j["draining"] = false;
    j["load"] = a != agents_.end() ? a->second.value("load", 0) : 0;
    agents_[id] = std::move(j);
  } else if (a == agents_.end()) {
    return;
  } else if (ev.topic == "agent.down") {
    a->second["state"] = "DOWN";
  } else if (ev.topic == "agent.deregistered") {
    agents_.erase(a);
  } else if (ev.topic == "agent.draining") {
    a->second["draining"] = true;
  }
}

void DashboardView::mark_workflow_stale(const std::string& id) {
  if (stale_workflow_set_.insert(id).second) stale_workflows_.push_back(id);
  while (stale_workflows_.size() > kMaxWorkflows) {
    stale_workflow_set_.erase(stale_workflows_.front());
    stale_workflows_.pop_front();
  }
}

void DashboardView::mark_proposal_stale(const std::string& id) {
  if (!proposals_.contains(id)) proposals_.put(id, Json{{"proposal_id", id}, {"outcome", "PENDING"}});
  if (stale_proposal_set_.insert(id).second) stale_proposals_.push_back(id);
  while (stale_proposals_.size() > kMaxProposals) {
    stale_proposal_set_.erase(stale_proposals_.front());
    stale_proposals_.pop_front();
  }
}

namespace {
std::vector<std::string> take(std::deque<std::string>& q, std::set<std::string>& set, std::size_t max) {
  std::vector<std::string> out;
  while (!q.empty() && out.size() < max) {
    out.push_back(q.front());
    set.erase(q.front());
    q.pop_front();
  }
  return out;
}
}  // namespace

std::vector<std::string> DashboardView::take_stale_workflows(std::size_t max) {
  return take(stale_workflows_, stale_workflow_set_, max);
}

std::vector<std::string> DashboardView::take_stale_proposals(std::size_t max) {
  return take(stale_proposals_, stale_proposal_set_, max);
}

void DashboardView::mark_all_stale() {
  workflows_.for_each_newest([&](const std::string& id, const Json&) {
    mark_workflow_stale(id);
    return true;
  });
  proposals_.for_each_newest([&](const std::string& id, const Json&) {
    mark_proposal_stale(id);
    return true;
  });
}

// ---- Answers ------------------------------------------------------------------------------

Json DashboardView::agents() const {
  Json list = Json::array();
  for (const auto& [id, a] : agents_) {
    Json j = a;
    auto p = perf_.find(id);
    j["perf"] = p != perf_.end() ? p->second : Json(nullptr);
    // The scheduler's count of what it leased to the agent is newer than the agent's heartbeat.
    if (p != perf_.end() && p->second.value("attached", false)) j["load"] = p->second.value("load", std::int64_t{0});
    list.push_back(std::move(j));
  }
  return Json{{"agents", std::move(list)}, {"errors", source_errors_}};
}

Json DashboardView::tasks(const TaskFilter& filter) const {
  Json list = Json::array();
  std::size_t matched = 0;
  tasks_.for_each_newest([&](const std::string&, const Json& t) {
    if (!filter.states.empty() && !filter.states.count(str_field(t, "state"))) return true;
    if (!filter.types.empty() && !filter.types.count(str_field(t, "type"))) return true;
    if (!filter.agents.empty() && !filter.agents.count(str_field(t, "agent"))) return true;
    if (!filter.namespaces.empty() && !filter.namespaces.count(str_field(t, "namespace"))) return true;
    ++matched;
    if (list.size() < filter.limit) list.push_back(t);
    return true;
  });
  return Json{{"tasks", std::move(list)}, {"matched", matched}, {"held", tasks_.size()}};
}

Json DashboardView::task(const std::string& id) const {
  const Json* t = tasks_.find(id);
  return t ? *t : Json(nullptr);
}

Json DashboardView::workflows() const {
  Json list = Json::array();
  workflows_.for_each_newest([&](const std::string&, const Json& w) {
    list.push_back(w);
    return true;
  });
  return Json{{"workflows", std::move(list)}};
}

Json DashboardView::workflow(const std::string& id) const {
  const Json* w = workflows_.find(id);
  return w ? *w : Json(nullptr);
}

Json DashboardView::proposals() const {
  Json list = Json::array();
  proposals_.for_each_newest([&](const std::string&, const Json& p) {
    list.push_back(p);
    return true;
  });
  return Json{{"proposals", std::move(list)}};
}

Json DashboardView::cluster() const { return cluster_; }

Json DashboardView::stats() const {
  // Bottlenecks: what makes work wait. Ready tasks no agent takes (by the capabilities they
  // need), the types with the longest queue waits, and agents running at their capacity.
  Json waiting = Json::array(), slow_types = Json::array(), saturated = Json::array();
  if (scheduler_stats_.is_object()) {
    if (scheduler_stats_.contains("waiting") && scheduler_stats_["waiting"].is_array()) {
      for (const auto& w : scheduler_stats_["waiting"]) {
        if (waiting.size() < 5) waiting.push_back(w);
      }
    }
    if (scheduler_stats_.contains("types") && scheduler_stats_["types"].is_array()) {
      std::vector<Json> types(scheduler_stats_["types"].begin(), scheduler_stats_["types"].end());
      std::stable_sort(types.begin(), types.end(), [](const Json& a, const Json& b) {
        return a.value("wait_p95_ms", 0.0) > b.value("wait_p95_ms", 0.0);
      });
      for (std::size_t i = 0; i < types.size() && i < 5; ++i) slow_types.push_back(types[i]);
    }
  }
  for (const auto& [id, a] : agents_) {
    const std::int64_t capacity = a.value("capacity", std::int64_t{0});
    const std::int64_t load = a.value("load", std::int64_t{0});
    if (a.value("state", std::string()) == "UP" && capacity > 0 && load >= capacity) {
      saturated.push_back({{"agent_id", id}, {"load", load}, {"capacity", capacity}});
    }
  }
  return Json{{"scheduler", scheduler_stats_},
              {"proposals", proposal_stats_},
              {"bottlenecks", {{"waiting", waiting}, {"slowest_types", slow_types}, {"saturated_agents", saturated}}}};
}

Json DashboardView::events() const {
  Json list = Json::array();
  for (const auto& e : events_) list.push_back(e);
  return Json{{"events", std::move(list)}};
}

}  // namespace orion::dashboard
