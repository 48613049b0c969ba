#include "common/metrics_bind.h"

#include <spdlog/spdlog.h>

#include "common/config.h"

namespace orion {

void add_metrics_option(cxxopts::Options& options, int default_port) {
  add_option(options, "metrics-bind", "ORION_METRICS_BIND", "127.0.0.1:" + std::to_string(default_port),
             "HOST:PORT of the HTTP endpoint serving /metrics (Prometheus) and /healthz; off = none");
}

Result<MetricsBind> parse_metrics_bind(const cxxopts::ParseResult& args) {
  const std::string text = args["metrics-bind"].as<std::string>();
  MetricsBind b;
  if (text == "off") return b;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || text.find("://") != std::string::npos) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "--metrics-bind: '" + text + "' is not HOST:PORT (for example 127.0.0.1:7280) or off");
  }
  auto port = parse_int("metrics-bind", text.substr(colon + 1), 0, 65535);
  if (!port) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--metrics-bind: '" + text + "' has no port in [0, 65535]");
  }
  b.enabled = true;
  b.host = text.substr(0, colon);
  if (b.host.size() > 2 && b.host.front() == '[' && b.host.back() == ']') b.host = b.host.substr(1, b.host.size() - 2);
  b.port = static_cast<int>(*port);
  b.any_port_if_taken = args.count("metrics-bind") == 0 && env_or("ORION_METRICS_BIND", "").empty();
  return b;
}

Status start_metrics_endpoint(HttpEndpoint& http, const MetricsBind& bind) {
  if (!bind.enabled) return {};
  auto s = http.start(bind.host, bind.port);
  if (!s && bind.any_port_if_taken) {
    spdlog::warn("event=metrics_port_taken port={} note=\"serving on a port the OS picks\"", bind.port);
    s = http.start(bind.host, 0);
  }
  if (!s) return make_error(ErrorCode::UNAVAILABLE, "--metrics-bind: " + s.error().message);
  spdlog::info("event=metrics_listening url={}/metrics", metrics_url(http, bind));
  return {};
}

std::string metrics_url(const HttpEndpoint& http, const MetricsBind& bind) {
  if (!http.running()) return "";
  const bool v6 = bind.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + bind.host + "]" : bind.host) + ":" + std::to_string(http.port());
}

}  // namespace orion
