// orion-registry's HTTP endpoint (common/http_endpoint.h), answered on its loop: /metrics in the
// Prometheus text format (docs/metrics.md lists every family) and /healthz.
#include "common/process_metrics.h"
#include "services/registry/registry_service.h"

namespace orion::registry {

namespace {
constexpr std::size_t kMaxAgentSeries = 500;  // agents with series of their own, by agent id
}  // namespace

HttpAnswer RegistryService::http(const HttpRequest& r) const {
  if (r.path == "/healthz") return HttpAnswer{200, "text/plain; charset=utf-8", "ok\n"};
  if (r.path != "/metrics") return http_not_found(r);
  MetricsText m;
  const auto down = directory_.down_count();
  m.family("orion_registry_agents", "gauge", "Agents registered here, by liveness (down: missed their heartbeats).");
  m.sample("orion_registry_agents", {{"state", "up"}}, static_cast<double>(directory_.size() - down));
  m.sample("orion_registry_agents", {{"state", "down"}}, static_cast<double>(down));
  // What each UP agent's process uses, as its last HEARTBEAT said (the first kMaxAgentSeries).
  const auto agents = directory_.list();
  struct Family {
    const char* name;
    const char* help;
    double (*value)(const AgentResources&);
  };
  const Family families[] = {
      {"orion_agent_cpu_cores", "CPU an agent process used over its last heartbeat interval, in cores.",
       [](const AgentResources& res) { return res.cpu; }},
      {"orion_agent_resident_memory_bytes", "Resident memory of an agent process.",
       [](const AgentResources& res) { return static_cast<double>(res.memory_bytes); }},
      {"orion_agent_handlers_running", "Handlers an agent is running now.",
       [](const AgentResources& res) { return static_cast<double>(res.handlers); }},
  };
  for (const auto& f : families) {
    m.family(f.name, "gauge", f.help);
    std::size_t n = 0;
    for (const auto& a : agents) {
      if (a.state != "UP" || !a.resources) continue;
      if (++n > kMaxAgentSeries) break;
      m.sample(f.name, {{"agent", a.spec.agent_id}}, f.value(*a.resources));
    }
  }
  m.family("orion_registry_replicas", "gauge", "Service replicas announcing themselves here.");
  m.sample("orion_registry_replicas", static_cast<double>(replicas_.size()));
  m.family("orion_bus_events_forwarded_total", "counter", "Events the bus passed from publishers to subscribers.");
  m.sample("orion_bus_events_forwarded_total", static_cast<double>(bus_.forwarded()));
  m.family("orion_bus_events_dropped_total", "counter", "Events the bus could not pass on (its subscriber side full).");
  m.sample("orion_bus_events_dropped_total", static_cast<double>(bus_.dropped_events()));
  m.family("orion_bus_subscriptions_dropped_total", "counter", "Subscription messages the bus could not pass on.");
  m.sample("orion_bus_subscriptions_dropped_total", static_cast<double>(bus_.dropped_subscriptions()));
  m.family("orion_send_failures_total", "counter", "Replies and events this process could not hand to a socket.");
  m.sample("orion_send_failures_total", static_cast<double>(send_failures_.load()));
  m.family("orion_registry_requests_refused_total", "counter", "Requests refused as malformed, unserved or invalid.");
  m.sample("orion_registry_requests_refused_total", static_cast<double>(rejected_));
  write_process_metrics(m);
  return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", m.text()};
}

}  // namespace orion::registry
