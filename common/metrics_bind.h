// Where a service serves /metrics and /healthz (http_endpoint.h): `--metrics-bind HOST:PORT`
// (env ORION_METRICS_BIND), `off` for nowhere. The default is loopback on the service's own
// port (registry 7180, scheduler 7280, consensus 7380); when that default port is taken (a
// second replica on the same host) the service takes one the OS picks and says which in its
// log and ready file. A port chosen with the flag or the environment must be free: the service
// refuses to start otherwise.
//
//   add_metrics_option(opts, 7280);
//   auto bind = parse_metrics_bind(args);        // Result<MetricsBind>
//   if (bind->enabled) http.start(bind->host, bind->port) ...
#pragma once

#include <string>

#include <cxxopts.hpp>

#include "common/http_endpoint.h"
#include "common/status.h"

namespace orion {

struct MetricsBind {
  bool enabled = false;
  std::string host = "127.0.0.1";
  int port = 0;
  bool any_port_if_taken = false;  // the default was not overridden
};

void add_metrics_option(cxxopts::Options& options, int default_port);
Result<MetricsBind> parse_metrics_bind(const cxxopts::ParseResult& args);

// Starts `http` where `bind` says (not at all when disabled); logs where it listens.
Status start_metrics_endpoint(HttpEndpoint& http, const MetricsBind& bind);

// "http://HOST:PORT" of a started endpoint, "" when it is not running.
std::string metrics_url(const HttpEndpoint& http, const MetricsBind& bind);

}  // namespace orion
