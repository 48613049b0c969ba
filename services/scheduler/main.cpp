// orion-scheduler: accepts tasks, stores them durably, assigns them to capable agents.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "common/config.h"
#include "common/event_history_options.h"
#include "common/fd_limit.h"
#include "common/huge_page_heap.h"
#include "common/log.h"
#include "common/metrics_bind.h"
#include "common/raft_config.h"
#include "common/service_main.h"
#include "common/service_security.h"
#include "services/scheduler/scheduler_service.h"

int main(int argc, char** argv) {
  orion::restart_with_huge_page_heap(argv);  // first: before any thread or socket
  cxxopts::Options opts("orion-scheduler", "Orion scheduler: tasks, queues, agent selection, leases");
  orion::add_option(opts, "bind-client", "ORION_BIND_CLIENT", "tcp://127.0.0.1:7200", "client API (ROUTER)");
  orion::add_option(opts, "bind-agent", "ORION_BIND_AGENT", "tcp://127.0.0.1:7201", "agent channel (ROUTER)");
  orion::add_option(opts, "registry", "ORION_REGISTRY", "tcp://127.0.0.1:7100",
                    "registries to announce to, comma separated (tcp://a:7100,tcp://b:7100)");
  orion::add_option(opts, "advertise-host", "ORION_ADVERTISE_HOST", "", "host name others use to reach us");
  orion::add_option(opts, "heartbeat-ms", "ORION_HEARTBEAT_MS", "1000", "agent heartbeat interval");
  orion::add_option(opts, "liveness", "ORION_LIVENESS", "3", "missed heartbeats before an agent is lost");
  orion::add_option(opts, "unschedulable-timeout", "ORION_UNSCHEDULABLE_TIMEOUT", "0",
                    "seconds (fractions allowed) after which a task no live agent can run fails; 0 = never");
  orion::add_option(opts, "ageing-ms", "ORION_AGEING_MS", "10000",
                    "queue wait worth one priority level, so low priorities are never starved");
  orion::add_option(opts, "retention", "ORION_RETENTION", "7d",
                    "ended tasks, workflows and request ids are kept this long, then expire (500ms, 60s, 5m, 1.5h, 7d)");
  orion::add_option(opts, "audit", "ORION_AUDIT", "on", "the audit log of state-changing requests: on or off");
  orion::add_option(opts, "audit-keep", "ORION_AUDIT_KEEP", "1000000", "audit records kept (the newest)");
  orion::add_event_history_options(opts);
  orion::add_raft_options(opts, "ORION_SCHEDULER", "7209");
  orion::add_metrics_option(opts, 7280);
  orion::add_common_options(opts, "./data/scheduler");
  auto args = orion::parse_or_exit(opts, argc, argv);

  if (auto s = orion::init_logging("scheduler", args["log-level"].as<std::string>(), args["log-format"].as<std::string>());
      !s) {
    std::fprintf(stderr, "orion-scheduler: %s\n", s.error().message.c_str());
    return 2;
  }
  if (auto s = orion::setup_service_security(args); !s) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(s.error().message));
    return 2;
  }
  orion::raise_fd_limit();
  orion::scheduler::ServiceOptions o;
  o.bind_client = args["bind-client"].as<std::string>();
  o.bind_agent = args["bind-agent"].as<std::string>();
  o.advertise_host = args["advertise-host"].as<std::string>();
  o.data_dir = args["data-dir"].as<std::string>();
  auto registries = orion::parse_endpoint_list("registry", args["registry"].as<std::string>());
  auto heartbeat = orion::parse_int("heartbeat-ms", args["heartbeat-ms"].as<std::string>(), 1, 3'600'000);
  auto liveness = orion::parse_int("liveness", args["liveness"].as<std::string>(), 1, 1000);
  auto ageing = orion::parse_int("ageing-ms", args["ageing-ms"].as<std::string>(), 1, INT64_MAX / 1000);
  auto unschedulable =
      orion::parse_number("unschedulable-timeout", args["unschedulable-timeout"].as<std::string>(), 0, 7 * 24 * 3600);
  auto retention = orion::parse_duration_ms("retention", args["retention"].as<std::string>(), 1'000, orion::kMaxRetentionMs);
  auto audit_keep = orion::parse_int("audit-keep", args["audit-keep"].as<std::string>(), 1, 1'000'000'000);
  auto history = orion::parse_event_history(args);
  auto metrics = orion::parse_metrics_bind(args);
  const auto audit = args["audit"].as<std::string>();
  std::string bad = audit == "on" || audit == "off" ? "" : "--audit: must be on or off";  // the first flag refused
  auto check = [&bad](const auto& parsed) {
    if (!parsed && bad.empty()) bad = parsed.error().message;
  };
  check(registries), check(heartbeat), check(liveness), check(ageing), check(unschedulable), check(retention), check(audit_keep);
  check(history), check(metrics);
  if (!bad.empty()) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(bad));
    return 2;
  }
  o.registries = *registries;
  o.core.heartbeat_ms = *heartbeat;
  o.core.liveness = *liveness;
  o.core.ageing_ms = *ageing;
  o.core.unschedulable_timeout_ms = static_cast<std::int64_t>(*unschedulable * 1000);
  o.core.retention_ms = *retention;
  o.audit = audit == "on";
  o.audit_keep = static_cast<std::size_t>(*audit_keep);
  o.event_history = *history;
  o.metrics = *metrics;
  auto raft = orion::raft_config_from(args);
  if (!raft) {
    spdlog::critical("event=bad_flag error={}", orion::logfmt_value(raft.error().message));
    return 2;
  }
  o.raft = std::move(*raft);
  spdlog::info("event=raft_config {}", o.raft.describe());
  orion::log_heap_tunables();
  spdlog::info(
      "event=config bind_client={} bind_agent={} registries={} data_dir={} heartbeat_ms={} liveness={} ageing_ms={} "
      "unschedulable_timeout_ms={} retention_ms={} audit={} audit_keep={} event_history={} event_history_age_ms={}",
      o.bind_client, o.bind_agent, orion::join_endpoints(o.registries), o.data_dir, o.core.heartbeat_ms,
      o.core.liveness, o.core.ageing_ms, o.core.unschedulable_timeout_ms, o.core.retention_ms, audit, o.audit_keep,
      o.event_history.keep, o.event_history.max_age_ms);

  orion::SystemClock clock;
  {
    orion::scheduler::SchedulerService service(o, clock);
    if (auto s = service.start(); !s) {
      spdlog::critical("event=start_failed error={}", orion::logfmt_value(s.error().to_string()));
      return 1;
    }
    const orion::Json ready{{"client", service.client_endpoint()},
                            {"agent", service.agent_endpoint()},
                            {"metrics", service.metrics_endpoint()}};
    if (int rc = orion::serve_until_stopped(service, args["ready-file"].as<std::string>(), ready.dump())) return rc;
    if (service.restart_wanted()) {
      // A Raft leader that lost its term: its memory may hold turns that never committed. The
      // same process (same PID, same flags) starts again from its log, at once: the sockets
      // and files are close-on-exec, and raft's files are as after a kill -9.
      spdlog::info("event=restarting");
      spdlog::default_logger()->flush();
      ::execv("/proc/self/exe", argv);
      spdlog::critical("event=restart_failed errno={}", errno);
      return 1;
    }
  }
  spdlog::info("event=stopped");
  return 0;
}
