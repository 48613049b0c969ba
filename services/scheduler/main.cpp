// orion-scheduler: accepts tasks, stores them durably, assigns them to capable agents.
#include <csignal>
#include <thread>

#include "common/config.h"
#include "common/log.h"
#include "services/scheduler/scheduler_service.h"

namespace {
orion::scheduler::SchedulerService* g_service = nullptr;
void on_signal(int) {
  if (g_service) g_service->stop();
}
}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options opts("orion-scheduler", "Orion scheduler: tasks, queues, agent selection, leases");
  orion::add_option(opts, "bind-client", "ORION_BIND_CLIENT", "tcp://127.0.0.1:7200", "client API (ROUTER)");
  orion::add_option(opts, "bind-agent", "ORION_BIND_AGENT", "tcp://127.0.0.1:7201", "agent channel (ROUTER)");
  orion::add_option(opts, "registry", "ORION_REGISTRY", "tcp://127.0.0.1:7100", "registry address");
  orion::add_option(opts, "advertise-host", "ORION_ADVERTISE_HOST", "", "host name others use to reach us");
  orion::add_option(opts, "heartbeat-ms", "ORION_HEARTBEAT_MS", "1000", "agent heartbeat interval");
  orion::add_option(opts, "liveness", "ORION_LIVENESS", "3", "missed heartbeats before an agent is lost");
  orion::add_common_options(opts, "./data/scheduler");
  auto args = orion::parse_or_exit(opts, argc, argv);

  orion::init_logging("scheduler", args["log-level"].as<std::string>());
  orion::scheduler::ServiceOptions o;
  o.bind_client = args["bind-client"].as<std::string>();
  o.bind_agent = args["bind-agent"].as<std::string>();
  o.registry = args["registry"].as<std::string>();
  o.advertise_host = args["advertise-host"].as<std::string>();
  o.data_dir = args["data-dir"].as<std::string>();
  try {
    o.core.heartbeat_ms = std::stoll(args["heartbeat-ms"].as<std::string>());
    o.core.liveness = std::stoll(args["liveness"].as<std::string>());
  } catch (const std::exception&) {
    spdlog::critical("event=bad_flag error=\"--heartbeat-ms and --liveness take whole numbers\"");
    return 2;
  }
  spdlog::info("event=config bind_client={} bind_agent={} registry={} data_dir={} heartbeat_ms={} liveness={}",
               o.bind_client, o.bind_agent, o.registry, o.data_dir, o.core.heartbeat_ms, o.core.liveness);

  orion::SystemClock clock;
  orion::scheduler::SchedulerService service(o, clock);
  if (auto s = service.start(); !s) {
    spdlog::critical("event=start_failed error=\"{}\"", s.error().to_string());
    return 1;
  }
  g_service = &service;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto ready_file = args["ready-file"].as<std::string>();
  if (!orion::write_ready_file(ready_file, orion::Json{{"client", service.client_endpoint()},
                                                       {"agent", service.agent_endpoint()}}.dump())) {
    spdlog::critical("event=start_failed error=\"cannot write ready file {}\"", ready_file);
    return 1;
  }
  service.run();
  spdlog::info("event=stopped");
  return 0;
}
