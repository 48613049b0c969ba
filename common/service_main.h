// What each service's main() does once its service object is made: SIGINT and SIGTERM call
// its stop() (one atomic store, which is async-signal-safe), the ready file is written, and
// run() serves until stopped.
//
//   orion::registry::RegistryService service(*config, clock);
//   if (int rc = orion::serve_until_stopped(service, config->ready_file, ready.dump())) return rc;
#pragma once

#include <csignal>
#include <string>

#include <spdlog/spdlog.h>

#include "common/config.h"

namespace orion {

// From now on SIGINT and SIGTERM call service->stop(); nullptr turns that off again.
template <class Service>
void stop_on_signals(Service* service) {
  static Service* target = nullptr;
  target = service;
  struct sigaction sa {};
  sa.sa_handler = [](int) {
    if (target) target->stop();
  };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Writes the ready file (the endpoints a test or a supervisor waits for), then runs the service
// until a signal stops it. 0 when it stopped; 1 when the ready file could not be written.
template <class Service>
int serve_until_stopped(Service& service, const std::string& ready_file, const std::string& ready_json) {
  stop_on_signals(&service);
  int rc = 0;
  if (!write_ready_file(ready_file, ready_json)) {
    spdlog::critical("event=start_failed error=\"cannot write ready file {}\"", ready_file);
    rc = 1;
  } else {
    service.run();
  }
  stop_on_signals<Service>(nullptr);
  return rc;
}

}  // namespace orion
