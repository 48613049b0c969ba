#include "common/huge_pages.h"

#include <unistd.h>

#include <cstdlib>

namespace orion {

void reexec_with_huge_pages(char** argv) {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  if (::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("GLIBC_TUNABLES");  // not re-executed: as it was
}

}  // namespace orion
