#include "cli/stats_report.h"

#include <algorithm>
#include <map>

#include "cli/human.h"

namespace orion::cli {

namespace {

std::string list_text(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

bool has_all(const std::vector<std::string>& have, const std::vector<std::string>& need) {
  return std::all_of(need.begin(), need.end(),
                     [&](const std::string& c) { return std::find(have.begin(), have.end(), c) != have.end(); });
}

}  // namespace

Json bottlenecks(const StatsInputs& in) {
  Json out = Json::array();
  std::map<std::string, const AgentPerf*> perf;
  for (const auto& p : in.perf) perf[p.agent_id] = &p;

  for (const auto& w : in.scheduler.waiting) {
    std::vector<const AgentView*> able;
    for (const auto& a : in.agents) {
      if (a.state == "UP" && has_all(a.spec.capabilities, w.capabilities)) able.push_back(&a);
    }
    if (able.empty()) {
      out.push_back({{"kind", "missing_capability"},
                     {"capabilities", w.capabilities},
                     {"tasks", w.tasks},
                     {"oldest_wait_ms", w.oldest_wait_ms},
                     {"message", std::to_string(w.tasks) + " ready task(s) need " + list_text(w.capabilities) +
                                     ": no live agent has them all"}});
      continue;
    }
    // Full: the load it reports (the scheduler's count when it has one) reaches its capacity.
    bool all_full = std::all_of(able.begin(), able.end(), [&](const AgentView* a) {
      auto it = perf.find(a->spec.agent_id);
      std::int64_t load = it != perf.end() && it->second->attached ? it->second->load : a->load;
      return load >= a->spec.capacity || (it != perf.end() && it->second->draining);
    });
    if (all_full) {
      std::vector<std::string> ids;
      std::int64_t capacity = 0;
      for (const auto* a : able) {
        ids.push_back(a->spec.agent_id);
        capacity += a->spec.capacity;
      }
      out.push_back({{"kind", "saturated"},
                     {"capabilities", w.capabilities},
                     {"agents", ids},
                     {"capacity", capacity},
                     {"tasks", w.tasks},
                     {"oldest_wait_ms", w.oldest_wait_ms},
                     {"message", std::to_string(w.tasks) + " ready task(s) for " + list_text(w.capabilities) +
                                     " wait: all " + std::to_string(ids.size()) + " able agent(s) are full (" +
                                     std::to_string(capacity) + " slots)"}});
    }
  }

  for (const auto& t : in.scheduler.types) {
    if (t.started < kMinSamples || t.finished < kMinSamples || t.wait_p50_ms <= t.run_p50_ms) continue;
    out.push_back({{"kind", "wait_dominates"},
                   {"type", t.type},
                   {"wait_p50_ms", t.wait_p50_ms},
                   {"run_p50_ms", t.run_p50_ms},
                   {"message", "tasks of type " + t.type + " wait " + human_duration(static_cast<std::int64_t>(t.wait_p50_ms)) + " (p50) to run " +
                                   human_duration(static_cast<std::int64_t>(t.run_p50_ms)) + ": add agents or capacity"}});
  }
  return out;
}

Json stats_report(const StatsInputs& in) {
  Json types = Json::array(), waiting = Json::array();
  for (const auto& t : in.scheduler.types) types.push_back(t.to_json());
  for (const auto& w : in.scheduler.waiting) waiting.push_back(w.to_json());

  std::map<std::string, const AgentPerf*> perf;
  for (const auto& p : in.perf) perf[p.agent_id] = &p;
  Json by_state = Json::object(), agents = Json::array();
  for (const auto& a : in.agents) {
    by_state[a.state] = by_state.value(a.state, 0) + 1;
    Json row = {{"agent_id", a.spec.agent_id}, {"state", a.state},           {"capabilities", a.spec.capabilities},
                {"load", a.load},              {"capacity", a.spec.capacity}, {"weight", a.spec.weight}};
    if (auto it = perf.find(a.spec.agent_id); it != perf.end()) {
      const AgentPerf& p = *it->second;
      row.update({{"done", p.done}, {"failed", p.failed}, {"timed_out", p.timed_out}, {"success_rate", p.success_rate},
                  {"mean_ms", p.mean_ms}, {"p95_ms", p.p95_ms}, {"draining", p.draining}});
    }
    agents.push_back(std::move(row));
  }

  Json proposals = nullptr;
  if (in.proposals) proposals = in.proposals->to_body();
  return {{"tasks",
           {{"total", in.scheduler.total}, {"by_state", in.scheduler.by_state}, {"by_priority", in.scheduler.by_priority}}},
          {"task_types", types},
          {"waiting", waiting},
          {"agents", {{"by_state", by_state}, {"list", agents}}},
          {"proposals", proposals},
          {"bottlenecks", bottlenecks(in)}};
}

}  // namespace orion::cli
