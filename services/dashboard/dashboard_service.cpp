#include "services/dashboard/dashboard_service.h"

#include <spdlog/spdlog.h>

#include "common/config.h"
#include "common/log.h"
#include "common/sockets.h"
#include "common/transport_security.h"

namespace orion::dashboard {

namespace {

sdk::ClientOptions client_options(const std::string& registry) {
  sdk::ClientOptions o;
  o.registry = registry;
  o.request_timeout_ms = 1000;
  o.call_timeout_ms = 2000;
  return o;
}

bool loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

DashboardService::DashboardService(DashboardConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      client_(client_options(config_.registry)),
      follow_({},
              {{"scheduler",
                [this](const EventHistoryRequest& q) -> Result<EventHistoryOk> {
                  auto r = client_.call(true, MsgType::EVENT_HISTORY, q.to_body(), 1000);
                  if (!r) return r.error();
                  return EventHistoryOk::from_body(r->body);
                }},
               {"consensus", [this](const EventHistoryRequest& q) { return consensus_history(q); }}}) {
  sub_ = std::make_unique<zmq::socket_t>(make_socket(ctx_, zmq::socket_type::sub));
  sub_->set(zmq::sockopt::subscribe, "");
  auto registries = parse_endpoint_list("registry", config_.registry);
  registry_count_ = registries ? registries->size() : 1;
}

DashboardService::~DashboardService() { http_.stop(); }

Status DashboardService::start() {
  return http_.start(config_.http_host, config_.http_port,
                     ActionGuard{config_.action_token, loopback_host(config_.http_host)});
}

// Every registry's bus: a publisher sends each event to all of them, so one registry lost
// loses no event. A registry that has not answered is asked again at the next discovery.
void DashboardService::connect_buses() {
  auto registries = parse_endpoint_list("registry", config_.registry);
  if (!registries) return;
  for (const auto& r : *registries) {
    if (buses_.count(r)) continue;
    auto o = client_options(r);
    o.call_timeout_ms = 300;
    o.request_timeout_ms = 300;
    sdk::Client one(o);
    auto d = one.discover();
    if (!d || d->events_sub.empty()) continue;
    bool known = false;
    for (const auto& [reg, bus] : buses_) known |= bus == d->events_sub;
    if (!known) {
      connect_socket(*sub_, d->events_sub);
      spdlog::info("event=bus_connected registry={} bus={}", r, d->events_sub);
    }
    buses_[r] = d->events_sub;
  }
}

Result<EventHistoryOk> DashboardService::consensus_history(const EventHistoryRequest& q) {
  if (!consensus_) {
    consensus::ConsensusClientOptions o;
    o.registry = config_.registry;
    o.request_timeout_ms = 1000;
    o.call_timeout_ms = 2000;
    consensus_ = std::make_unique<consensus::ConsensusClient>(o);
  }
  auto r = consensus_->call(MsgType::EVENT_HISTORY, q.to_body(), 2000);
  if (!r) return r.error();
  return EventHistoryOk::from_body(r->body);
}

void DashboardService::take(std::vector<sdk::EventFollow::Out>& out) {
  for (auto& o : out) {
    if (o.is_note) {
      // Events lost for good (or from a publisher without a history): read everything again.
      spdlog::info("event=events_missed note={}", logfmt_value(o.note));
      full_list_due_ = true;
      view_.mark_all_stale();
      continue;
    }
    Json line = view_.apply(o.event);
    http_.hub().publish(sse_message("orion", line.dump(-1, ' ', false, Json::error_handler_t::replace)));
  }
  out.clear();
}

void DashboardService::drain_events() {
  Incoming in;
  std::vector<sdk::EventFollow::Out> out;
  // At most 10,000 a turn, so a flood of events does not starve the HTTP answers.
  for (int i = 0; i < 10'000 && receive(*sub_, in, false, true); ++i) {
    if (!in.envelope || in.envelope->type != MsgType::EVENT) continue;
    auto ev = Event::from_body(in.envelope->body);
    if (!ev) continue;
    follow_.heard(std::move(*ev), out);
    take(out);
  }
  // Gaps are filled from the publishers' histories at most 5 times a second.
  if (follow_.wants_fill() && clock_.now_ms() >= next_fill_ms_) {
    follow_.fill(out);
    take(out);
    next_fill_ms_ = clock_.now_ms() + 200;
  }
}

void DashboardService::list_tasks(bool everything) {
  ListTasks q;
  if (!everything) q.states = {TaskState::PENDING, TaskState::ASSIGNED, TaskState::RUNNING};
  q.limit = 1000;
  std::int64_t listed = 0;
  while (listed < (everything ? kFullListLimit : 1000)) {
    auto page = client_.list(q);
    view_.set_source_status("tasks", page ? Status() : Status(page.error()));
    if (!page) return;
    for (const auto& t : page->tasks) view_.set_task(t);
    listed += static_cast<std::int64_t>(page->tasks.size());
    if (page->next.empty()) break;
    q.after = page->next;
  }
  if (everything) full_list_due_ = false;
}

// One round of queries. A service that does not answer costs the round one call timeout, not
// one per query: the rest of its queries wait for the next round.
void DashboardService::refresh() {
  ++rounds_;
  auto unreachable = [](const Error& e) {
    return e.code == ErrorCode::UNAVAILABLE || e.code == ErrorCode::DEADLINE_EXCEEDED;
  };
  auto agents = client_.agents();
  view_.set_source_status("agents", agents ? Status() : Status(agents.error()));
  if (agents) view_.set_agents(*agents);
  const bool registry_up = agents || !unreachable(agents.error());
  if (registry_up) {
    auto cluster = client_.call(false, MsgType::CLUSTER_STATUS, Json::object(), 1000);
    if (cluster && cluster->type == MsgType::CLUSTER_INFO) {
      if (auto info = ClusterInfo::from_body(cluster->body)) view_.set_cluster(*info);
    }
    view_.set_source_status("cluster", cluster ? Status() : Status(cluster.error()));
  }
  auto perf = client_.agent_stats();
  view_.set_source_status("scheduler", perf ? Status() : Status(perf.error()));
  if (perf) view_.set_agent_perf(*perf);
  if (perf || !unreachable(perf.error())) {
    list_tasks(full_list_due_);
    auto stats = client_.scheduler_stats();
    if (stats) view_.set_scheduler_stats(*stats);
    for (const auto& id : view_.take_stale_workflows(kRereadsPerRound)) {
      auto w = client_.workflow_status(id);
      if (w) view_.set_workflow(*w);
      else if (w.error().code == ErrorCode::NOT_FOUND) view_.forget_workflow(id);
    }
  }
  // Proposals every fifth round (and their statistics): without a consensus service the call
  // waits for it.
  if (rounds_ % 5 == 1 || view_.has_stale_proposals()) {
    auto ps = client_.proposal_stats();
    view_.set_source_status("consensus", ps ? Status() : Status(ps.error()));
    if (ps) view_.set_proposal_stats(*ps);
    if (ps || !unreachable(ps.error())) {
      for (const auto& id : view_.take_stale_proposals(kRereadsPerRound)) {
        auto p = client_.get_decision_status(id);
        if (p) view_.set_proposal(*p);
        else if (p.error().code == ErrorCode::NOT_FOUND) view_.forget_proposal(id);
      }
    }
  }
  // The page refreshes what events do not carry (loads, resources, statistics).
  http_.hub().publish(sse_message("refresh", "{}"));
}

void DashboardService::run() {
  while (!stop_.load()) {
    const std::int64_t now = clock_.now_ms();
    if (now >= next_discover_ms_ && buses_.size() < registry_count_) {
      connect_buses();
      next_discover_ms_ = clock_.now_ms() + 1000;
    }
    zmq::pollitem_t items[] = {{sub_->handle(), 0, ZMQ_POLLIN, 0}, {nullptr, http_.fd(), ZMQ_POLLIN, 0}};
    const std::int64_t wait_ms = std::max<std::int64_t>(0, std::min<std::int64_t>(100, next_refresh_ms_ - now));
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(wait_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    drain_events();
    if (items[1].revents & ZMQ_POLLIN) http_.serve([this](const ApiRequest& r) { return answer(r); });
    if (clock_.now_ms() >= next_refresh_ms_) {
      refresh();
      next_refresh_ms_ = clock_.now_ms() + config_.refresh_ms;
    }
  }
  http_.stop();
}

}  // namespace orion::dashboard
