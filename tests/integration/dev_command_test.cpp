// orionctl dev on a real machine: it starts the whole stack on a port base, a task submitted to
// it completes on its example agent, and Ctrl-C (SIGINT) stops every process it started.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

bool port_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A base whose ports (base + 0, 1, 2, 80, 100, 101, 180, 200, 280, 300) are all free now.
int free_port_base() {
  for (int base = 21100 + (::getpid() % 200) * 100; base < 60000; base += 1000) {
    bool ok = true;
    for (int off : {0, 1, 2, 80, 100, 101, 180, 200, 280, 300}) ok = ok && port_free(base + off);
    if (ok) return base;
  }
  return -1;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DevCommand, StartsAStackThatRunsATaskAndStopsEverythingOnCtrlC) {
  TempDir dir("orion-dev");
  const int base = free_port_base();
  ASSERT_GT(base, 0) << "no free port range";
  const std::string out = dir.file("dev.out");
  Process dev(bin("orionctl"), {"dev", "--port-base", std::to_string(base), "--data-dir", dir.file("stack")}, out);
  // Also when an assertion fails: SIGTERM, so that it stops the services it started (a SIGKILL
  // would leave them running).
  struct StopDev {
    Process& p;
    ~StopDev() {
      if (p.running()) p.stop(30'000);
    }
  } stop_dev{dev};
  ASSERT_TRUE(wait_until([&] { return read_all(out).find("orion dev: ready") != std::string::npos; }, 60'000))
      << read_all(out);
  const std::string registry = "tcp://127.0.0.1:" + std::to_string(base);
  EXPECT_NE(read_all(out).find("dashboard  http://127.0.0.1:" + std::to_string(base + 300)), std::string::npos);
  auto sub = run_command(bin("orionctl"), {"submit", "--type", "echo", "--input", "{\"hello\": 1}", "--json",
                                           "--registry", registry},
                         dir.path());
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  auto id = Json::parse(sub.out).at("task_id").get<std::string>();
  auto w = run_command(bin("orionctl"), {"wait", id, "--timeout", "30s", "--registry", registry}, dir.path());
  EXPECT_EQ(w.exit_code, 0) << w.out << w.err;
  // Ctrl-C: every service stopped, the ports free again, exit 0.
  ::kill(dev.pid(), SIGINT);
  EXPECT_EQ(dev.wait_exit(30'000), 0) << read_all(out);
  EXPECT_NE(read_all(out).find("orion dev: stopped"), std::string::npos);
  for (int off : {0, 100, 200, 300}) EXPECT_TRUE(port_free(base + off)) << "port " << base + off << " still taken";
}

TEST(DevCommand, BadFlagsAreRefused) {
  TempDir dir("orion-dev-flags");
  auto r = run_command(bin("orionctl"), {"dev", "--port-base", "80"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--port-base"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace orion::testing
