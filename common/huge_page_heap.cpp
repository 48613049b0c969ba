#include "common/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace orion {

void restart_with_huge_page_heap(char** argv) {
  if (const char* off = std::getenv("ORION_HUGE_PAGE_HEAP"); off && std::strcmp(off, "0") == 0) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::string value = tunables ? tunables : "";
  if (value.find("glibc.malloc.hugetlb") != std::string::npos) return;
  value += (value.empty() ? "" : ":");
  value += "glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Could not start again (no /proc, say): carry on with the heap as it is, and do not leave
  // the tunable set for children that are not this program.
  if (tunables) {
    setenv("GLIBC_TUNABLES", tunables, 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
}

void log_heap_tunables() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  spdlog::info("event=heap glibc_tunables=\"{}\"", tunables ? tunables : "");
}

}  // namespace orion
