// Timing a phase in one process: wall time and the calling thread's CPU time (the CPU time is
// what to compare on a shared machine). For orion-dag-phases and orion-restart-phases.
//
//   auto t = bench::phase_start();
//   ...
//   std::printf("%.1f ms wall %.1f ms cpu\n", bench::wall_ms_since(t), bench::cpu_ms_since(t));
#pragma once

#include <time.h>

#include <chrono>

namespace orion::bench {

struct PhaseMark {
  std::chrono::steady_clock::time_point wall;
  double cpu_ms;
};

inline double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

inline PhaseMark phase_start() { return {std::chrono::steady_clock::now(), thread_cpu_ms()}; }

inline double wall_ms_since(const PhaseMark& m) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m.wall).count();
}

inline double cpu_ms_since(const PhaseMark& m) { return thread_cpu_ms() - m.cpu_ms; }

}  // namespace orion::bench
