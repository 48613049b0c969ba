// The C++ SDK's defaults on a real stack: the ten-line agent (minimal_agent.cpp), which installs
// no signal handler, leaves cleanly on SIGTERM (a drain: it deregisters, exit 0) and on SIGINT.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/integration/cluster.h"

namespace orion::testing {
namespace {

class SdkDefaultsTest : public ClusterTest {
 protected:
  void SetUp() override {
    cluster.start_registry();
    cluster.start_scheduler();
  }
  std::unique_ptr<Process> start_agent(const std::string& id) {
    auto p = std::make_unique<Process>(bin("minimal_agent"), std::vector<std::string>{id, cluster.registry_endpoint},
                                       cluster.dir().file(id + ".log"));
    return p;
  }
  std::string log_of(const std::string& id) {
    std::ifstream in(cluster.dir().file(id + ".log"));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(SdkDefaultsTest, SigtermDrainsTheTenLineAgentAndItLeavesWithExitZero) {
  auto agent = start_agent("minimal-term");
  ASSERT_TRUE(cluster.wait_agents_up(1));
  EXPECT_EQ(agent->stop(10'000), 0) << "SIGTERM: a drain, then exit 0\n" << log_of("minimal-term");
  EXPECT_NE(log_of("minimal-term").find("event=default_signals"), std::string::npos);
  EXPECT_NE(log_of("minimal-term").find("event=draining"), std::string::npos) << log_of("minimal-term");
}

TEST_F(SdkDefaultsTest, SigintStopsTheTenLineAgentWithExitZero) {
  auto agent = start_agent("minimal-int");
  ASSERT_TRUE(cluster.wait_agents_up(1));
  ::kill(agent->pid(), SIGINT);
  EXPECT_EQ(agent->wait_exit(10'000), 0) << "SIGINT: a stop, then exit 0\n" << log_of("minimal-int");
}

}  // namespace
}  // namespace orion::testing
