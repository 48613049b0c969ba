// orion-dashboard's service: one loop thread that owns a DashboardView and keeps it current
// from two sources, and answers the HTTP API from it.
//   - the event bus of every registry (SUB, all topics, each event once, as orionctl watch does:
//     sdk/cpp/event_follow.h): each event patches the view and goes to every open /api/events
//     stream at once; a gap in the scheduler's or consensus' numbering is filled from their
//     event history (protocol.md section 16), and only what that history no longer holds (or a
//     gap of a publisher without one) makes the view read everything again;
//   - queries through the C++ client (sdk/cpp/client.h) every refresh_ms: LIST_AGENTS,
//     AGENT_STATS, LIST_TASKS (tasks not yet ended; every task once at start and after a gap in
//     the events), CLUSTER_STATUS, SCHEDULER_STATS and PROPOSAL_STATS, and GET_WORKFLOW /
//     GET_PROPOSAL for those the bus named since they were read.
// Operator actions (cancel a task, retry or cancel a workflow, drain an agent) are requests the
// dashboard sends with its own identity (its CURVE key): the services' policy decides.
//
//   DashboardService service(config, clock);
//   if (auto s = service.start(); !s) die(s.error());     // binds the HTTP port
//   service.run();                                         // until stop() (signal-safe)
//
// A query blocks the loop at most the client's call timeout (2 s), and a service that does not
// answer costs a round one such timeout (its other queries wait for the next round); an HTTP
// request waits for the loop meanwhile; events queue in the SUB socket (its high-water mark
// bounds them).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "sdk/cpp/client.h"
#include "sdk/cpp/consensus_client.h"
#include "sdk/cpp/event_follow.h"
#include "services/dashboard/dashboard_config.h"
#include "services/dashboard/dashboard_http.h"
#include "services/dashboard/dashboard_view.h"

namespace orion::dashboard {

class DashboardService {
 public:
  static constexpr std::size_t kRereadsPerRound = 32;  // workflows and proposals re-read per refresh
  static constexpr std::int64_t kFullListLimit = 5000;  // tasks listed at start and after a gap

  DashboardService(DashboardConfig config, const Clock& clock);
  ~DashboardService();

  Status start();
  int http_port() const { return http_.port(); }
  void run();
  void stop() { stop_.store(true); }  // async-signal-safe

 private:
  void connect_buses();
  void drain_events();
  // What the follower handed out: events patch the view and go to the streams; a note (events
  // lost for good) makes the view read everything again.
  void take(std::vector<sdk::EventFollow::Out>& out);
  Result<EventHistoryOk> consensus_history(const EventHistoryRequest& q);
  void refresh();
  void list_tasks(bool everything);
  ApiAnswer answer(const ApiRequest& r);  // dashboard_api.cpp
  ApiAnswer act(const ApiRequest& r);     // dashboard_api.cpp

  DashboardConfig config_;
  const Clock& clock_;
  std::atomic<bool> stop_{false};
  sdk::Client client_;
  zmq::context_t ctx_{1};
  std::unique_ptr<zmq::socket_t> sub_;
  std::map<std::string, std::string> buses_;  // registry -> its events_sub, once known
  std::unique_ptr<consensus::ConsensusClient> consensus_;  // for its event history; made on first use
  sdk::EventFollow follow_;
  std::int64_t next_fill_ms_ = 0;
  DashboardView view_;
  DashboardHttp http_;
  bool full_list_due_ = true;  // list every task on the next refresh
  std::int64_t next_refresh_ms_ = 0;
  std::int64_t next_discover_ms_ = 0;
  std::int64_t rounds_ = 0;
  std::size_t registry_count_ = 1;
};

}  // namespace orion::dashboard
