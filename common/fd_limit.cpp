#include "common/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace orion {

long raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    spdlog::warn("event=fd_limit error=\"getrlimit: {}\"", std::strerror(errno));
    return -1;
  }
  const rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur != lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      spdlog::warn("event=fd_limit soft={} hard={} error=\"setrlimit: {}\"", before, lim.rlim_max,
                   std::strerror(errno));
      return static_cast<long>(before);
    }
    lim = raised;
  }
  spdlog::info("event=fd_limit soft={} raised_to={} hard={}", before, lim.rlim_cur, lim.rlim_max);
  return static_cast<long>(lim.rlim_cur);
}

}  // namespace orion
