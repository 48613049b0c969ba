// What Agent::run() does with SIGTERM and SIGINT when the application left them at their
// defaults: SIGTERM drains the agent (a second one stops it) and SIGINT stops it, so the
// documented ten-line agent leaves cleanly on `kill` and Ctrl-C instead of dying mid-task. An
// application that installed its own handlers before run() keeps them; the previous dispositions
// come back when run() returns. One agent per process holds them (the first to run).
//
//   DefaultSignals signals([&] { impl.drain(); }, [&] { impl.stop(); });   // in run()
#pragma once

#include <csignal>

namespace orion::sdk {

class DefaultSignals {
 public:
  // drain and stop are called from the signal handler: they must be async-signal-safe (an
  // atomic store and a write(2), as Agent::drain/stop are).
  using Action = void (*)(void* agent);
  DefaultSignals(void* agent, Action drain, Action stop);
  ~DefaultSignals();
  DefaultSignals(const DefaultSignals&) = delete;
  DefaultSignals& operator=(const DefaultSignals&) = delete;

  bool installed() const { return term_ || intr_; }

 private:
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
  bool term_ = false, intr_ = false;
};

}  // namespace orion::sdk
