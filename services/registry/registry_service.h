// orion-registry: the agent directory, the service directory (DISCOVER/ANNOUNCE) and the event
// bus, behind one ROUTER served by a single-threaded zmq poll loop. docs/protocol.md has the
// dialog; in short, every request gets exactly one reply with the same request id:
//
//   REGISTER    -> REGISTER_OK {heartbeat_ms, liveness, replaced} | ERROR
//   HEARTBEAT   -> HEARTBEAT_OK {}         | ERROR NOT_FOUND ("register again")
//   DEREGISTER  -> DEREGISTER_OK {}        | ERROR NOT_FOUND
//   LIST_AGENTS -> AGENT_LIST {agents}
//   ANNOUNCE    -> ANNOUNCE_OK (Discovery) | ERROR INVALID_ARGUMENT | ERROR UNAVAILABLE (table full)
//   DISCOVER    -> DISCOVERY (each service's leader: replica_table.h)
//   CLUSTER_STATUS -> CLUSTER_INFO (this registry, every live replica)
//   anything else, or frames that do not decode -> ERROR (nothing changes)
//
// Usage (main, or a test on ephemeral ports):
//
//   SystemClock clock;
//   RegistryService svc(config, clock);             // binds; throws zmq::error_t on a bad endpoint
//   write_ready_file(path, svc.endpoints().to_json());
//   std::thread t([&] { svc.run(); });              // serves until stop()
//   svc.stop(); t.join();
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/cluster_messages.h"
#include "common/http_endpoint.h"
#include "common/sockets.h"
#include "services/registry/agent_directory.h"
#include "services/registry/event_bus.h"
#include "services/registry/event_publisher.h"
#include "services/registry/registry_config.h"
#include "services/registry/replica_table.h"

namespace orion::registry {

// The endpoints this registry hands out: bound endpoints with the advertised host.
struct RegistryEndpoints {
  std::string registry;    // ROUTER
  std::string events_pub;  // XSUB: connect a PUB here
  std::string events_sub;  // XPUB: connect a SUB here
  std::string metrics;     // http://host:port of /metrics and /healthz, "" when off

  // The ready file: {"registry": ..., "events_pub": ..., "events_sub": ..., "metrics": ...}
  std::string to_json() const;
};

class RegistryService {
 public:
  // Binds every socket and starts the event bus; the clock must outlive the service.
  RegistryService(RegistryConfig config, const Clock& clock);
  ~RegistryService();
  RegistryService(const RegistryService&) = delete;
  RegistryService& operator=(const RegistryService&) = delete;

  // Advertised endpoints; valid from construction, so a test can connect before run().
  const RegistryEndpoints& endpoints() const { return endpoints_; }

  // Serves requests until stop() (returns within poll_ms of it). Call from one thread at a time;
  // that thread owns all state below while run() is active.
  void run();

  // Asks run() to return. Safe from any thread and from a signal handler (a lock-free store).
  void stop() noexcept { stop_requested_.store(true); }

  // Replies and events that could not be queued (peer gone, high-water mark reached).
  std::uint64_t send_failures() const { return send_failures_.load(); }

 private:
  void serve_batch();
  void handle(const Incoming& in);
  // principal: the connection's (Incoming::principal), checked against the policy when there is one.
  Result<Envelope> dispatch(const Envelope& request, const std::string& principal);
  Result<Envelope> on_register(const Envelope& request, const std::string& principal);
  Result<Envelope> on_heartbeat(const Envelope& request);
  Result<Envelope> on_deregister(const Envelope& request);
  Result<Envelope> on_list_agents(const Envelope& request);
  Result<Envelope> on_announce(const Envelope& request);
  Result<Envelope> on_discover(const Envelope& request);
  Result<Envelope> on_cluster_status(const Envelope& request);
  void check_liveness();
  Discovery discovery() const;
  // The endpoints DISCOVERY hands out for a service: its leader's (empty when none is live).
  std::map<std::string, std::string> endpoints_of(const std::string& service) const;
  void reply(const std::string& identity, const Envelope& envelope);
  void publish(const std::string& topic, Json data);
  void count_send_failure(const char* what, const std::string& detail);
  // GET /metrics and /healthz (service_metrics.cpp).
  HttpAnswer http(const HttpRequest& request) const;

  static_assert(std::atomic<bool>::is_always_lock_free, "stop() must be async-signal-safe");

  const RegistryConfig config_;
  const Clock& clock_;
  // Declared first, destroyed last: every socket below closes before the context terminates.
  zmq::context_t ctx_;
  EventBus bus_;
  zmq::socket_t router_;
  EventPublisher publisher_;
  AgentDirectory directory_;
  RegistryEndpoints endpoints_;
  // Every announcing replica of every service; DISCOVERY names each service's leader.
  ReplicaTable replicas_;
  const std::string instance_;        // random per start (CLUSTER_INFO)
  const std::int64_t started_ms_;     // wall clock
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::uint64_t> send_failures_{0};
  std::uint64_t rejected_ = 0;  // requests refused as malformed, unserved or invalid (not NOT_FOUND)
  HttpEndpoint http_;
};

}  // namespace orion::registry
