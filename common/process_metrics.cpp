#include "common/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "common/config.h"
#include "common/process_usage.h"

namespace orion {

namespace {

const double kStartSeconds =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

double open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return 0;
  double n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory's own descriptor
}

}  // namespace

void write_process_metrics(MetricsText& m) {
  const ProcessUsage u = process_usage();
  m.family("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
  m.sample("process_cpu_seconds_total", u.cpu_seconds);
  m.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  m.sample("process_resident_memory_bytes", static_cast<double>(u.resident_bytes));
  m.family("process_open_fds", "gauge", "Open file descriptors.");
  m.sample("process_open_fds", open_fds());
  m.family("process_start_time_seconds", "gauge", "When the process started, in seconds since the Unix epoch.");
  m.sample("process_start_time_seconds", kStartSeconds);
  m.family("orion_build_info", "gauge", "Always 1; the version of the binary is a label.");
  m.sample("orion_build_info", {{"version", orion_version()}}, 1);
}

}  // namespace orion
