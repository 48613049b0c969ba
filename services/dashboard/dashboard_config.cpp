#include "services/dashboard/dashboard_config.h"

#include <fstream>
#include <sstream>

#include "common/config.h"

namespace orion::dashboard {

void add_dashboard_options(cxxopts::Options& options) {
  add_option(options, "registry", "ORION_REGISTRY", "tcp://127.0.0.1:7100",
             "registry endpoint, or a comma-separated list of them");
  add_option(options, "http-bind", "ORION_HTTP_BIND", "127.0.0.1:7400", "HOST:PORT the page and its API are served on");
  add_option(options, "action-token", "ORION_ACTION_TOKEN", "",
             "file holding a token operator actions must carry (Authorization: Bearer); needed to act beyond loopback");
  add_option(options, "refresh", "ORION_REFRESH", "1s", "how often the services are queried (events update in between)");
  add_option(options, "log-level", "ORION_LOG_LEVEL", "info", "trace|debug|info|warn|error|off");
  add_option(options, "log-format", "ORION_LOG_FORMAT", "logfmt", "logfmt (key=value) or json (one object per line)");
  add_option(options, "ready-file", "ORION_READY_FILE", "", "write the bound HTTP address as JSON to this file once serving");
  add_option(options, "curve-key", "ORION_CURVE_KEY", "",
             "the dashboard's CURVE key pair file: its principal is what the services' policy allows");
  add_option(options, "curve-server-key", "ORION_CURVE_SERVER_KEY", "", "public key file the services present");
  options.add_options()("h,help", "show this help")("version", "print the version and exit");
}

Result<DashboardConfig> dashboard_config_from(const cxxopts::ParseResult& args) {
  DashboardConfig c;
  auto registries = parse_endpoint_list("registry", args["registry"].as<std::string>());
  if (!registries) return registries.error();
  c.registry = join_endpoints(*registries);
  const std::string bind = args["http-bind"].as<std::string>();
  const auto colon = bind.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--http-bind: '" + bind + "' is not HOST:PORT");
  }
  auto port = parse_int("http-bind", bind.substr(colon + 1), 0, 65535);
  if (!port) return port.error();
  c.http_host = bind.substr(0, colon);
  if (c.http_host.size() > 2 && c.http_host.front() == '[' && c.http_host.back() == ']') {
    c.http_host = c.http_host.substr(1, c.http_host.size() - 2);
  }
  c.http_port = static_cast<int>(*port);
  auto refresh = parse_duration_ms("refresh", args["refresh"].as<std::string>(), 100, 60'000);
  if (!refresh) return refresh.error();
  c.refresh_ms = *refresh;
  if (const std::string file = args["action-token"].as<std::string>(); !file.empty()) {
    std::ifstream in(file);
    if (!in) return make_error(ErrorCode::INVALID_ARGUMENT, "--action-token: cannot read " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token = ss.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.size() < 16 || token.size() > 4096) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "--action-token: the token in " + file +
                                                         " must be 16 to 4096 characters");
    }
    c.action_token = token;
  }
  c.log_level = args["log-level"].as<std::string>();
  c.ready_file = args["ready-file"].as<std::string>();
  return c;
}

std::string DashboardConfig::describe() const {
  return "registry=" + registry + " http=" + http_host + ":" + std::to_string(http_port) +
         " refresh_ms=" + std::to_string(refresh_ms) + " action_token=" + (action_token.empty() ? "none" : "set");
}

}  // namespace orion::dashboard
