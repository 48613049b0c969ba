#include "common/process_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace orion {

ProcessUsage process_usage() {
  ProcessUsage u;
  rusage r{};
  if (::getrusage(RUSAGE_SELF, &r) == 0) {
    u.cpu_seconds = static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
                    static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
  }
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (statm >> pages_total >> pages_resident) {
    u.resident_bytes = static_cast<std::int64_t>(pages_resident) * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
  }
  return u;
}

}  // namespace orion
