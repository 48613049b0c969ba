#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace orion {

void init_logging(const std::string& service, const std::string& level) {
  auto logger = spdlog::stderr_color_mt(service);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e level=%l svc=" + service + " %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace orion
