// The services start themselves again, once, with glibc's huge-page heap (common/huge_page_heap.h):
// the process that serves is the one started (same PID), its environment holds the tunable,
// and an operator's own setting or ORION_HUGE_PAGE_HEAP=0 is left as it is. What glibc read is
// in the log (event=heap): /proc/PID/environ shows the strings as glibc left them after parsing
// its tunables, which for more than one tunable is not what it read.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

// GLIBC_TUNABLES as the process sees it (nullopt: not set).
std::optional<std::string> tunables_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string name = "GLIBC_TUNABLES=";
  for (std::size_t at = 0; at < all.size();) {
    auto end = all.find('\0', at);
    if (end == std::string::npos) end = all.size();
    if (all.compare(at, name.size(), name) == 0) return all.substr(at + name.size(), end - at - name.size());
    at = end + 1;
  }
  return std::nullopt;
}

// Sets (or, with nullptr, unsets) a variable for the processes this test starts, and puts it
// back after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A scheduler started with the environment as it is now, serving (SCHEDULER_STATS answered).
void start_serving(Cluster& cluster) {
  cluster.start_registry();
  cluster.start_scheduler();
  sdk::Client client(cluster.client_options());
  auto stats = client.scheduler_stats();
  ASSERT_TRUE(stats) << stats.error().to_string() << "\n" << cluster.logs();
}

TEST(HugePageHeapTest, TheSchedulerServesFromItsOwnPidWithTheHugePageHeapTunableSet) {
  ScopedEnv clean("GLIBC_TUNABLES", nullptr);
  ScopedEnv on("ORION_HUGE_PAGE_HEAP", nullptr);
  Cluster cluster;
  start_serving(cluster);
  ASSERT_TRUE(cluster.scheduler().running()) << "the PID started is the one serving";
  auto t = tunables_of(cluster.scheduler().pid());
  ASSERT_TRUE(t.has_value()) << cluster.logs();
  EXPECT_EQ(*t, "glibc.malloc.hugetlb=1");
}

TEST(HugePageHeapTest, AnOperatorsTunablesAreExtendedAndTheirOwnHugetlbChoiceKept) {
  {
    ScopedEnv other("GLIBC_TUNABLES", "glibc.malloc.arena_max=2");
    Cluster cluster;
    start_serving(cluster);
    const std::string log = cluster.scheduler().log_tail(1 << 20);
    EXPECT_NE(log.find("event=heap glibc_tunables=\"glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1\""), std::string::npos)
        << log;
  }
  {
    ScopedEnv own("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0");
    Cluster cluster;
    start_serving(cluster);
    EXPECT_EQ(tunables_of(cluster.scheduler().pid()).value_or(""), "glibc.malloc.hugetlb=0");
  }
}

TEST(HugePageHeapTest, OrionHugePageHeapZeroTurnsItOff) {
  ScopedEnv clean("GLIBC_TUNABLES", nullptr);
  ScopedEnv off("ORION_HUGE_PAGE_HEAP", "0");
  Cluster cluster;
  start_serving(cluster);
  EXPECT_FALSE(tunables_of(cluster.scheduler().pid()).has_value());
}

}  // namespace
}  // namespace orion::testing
