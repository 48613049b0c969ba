// An Orion stack of real processes on loopback for integration tests: a registry, a
// scheduler and any number of example agents, each on ports the OS chose (bound as
// tcp://127.0.0.1:0, read back from their ready files), with data in a temp dir. Everything
// is stopped by PID when the Cluster dies.
//
//   Cluster c;
//   c.start_registry();
//   c.start_scheduler();
//   c.start_agent("a1", {"text"}, /*capacity=*/4);
//   ASSERT_TRUE(c.wait_agents_up(1));
//   orion::sdk::Client client(c.client_options());
#pragma once

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sdk/cpp/client.h"
#include "tests/integration/process.h"

namespace orion::testing {

class Cluster {
 public:
  Cluster();
  ~Cluster();

  void start_registry(const std::vector<std::string>& extra_args = {});
  void start_scheduler(const std::vector<std::string>& extra_args = {});
  // One orion-consensus replica (SQLite store); it announces itself to the registry.
  void start_consensus(const std::vector<std::string>& extra_args = {});
  void stop_consensus() { consensus_.reset(); }
  // extra_args go to orion-example-agent as they are (e.g. {"--vote", "no"}).
  void start_agent(const std::string& id, const std::vector<std::string>& caps, int capacity = 1,
                   const std::vector<std::string>& extra_args = {});

  Process& registry() { return *registry_; }
  Process& scheduler() { return *scheduler_; }
  Process& consensus() { return *consensus_; }
  Process& agent(const std::string& id) { return *agents_.at(id); }

  // Bound endpoints, from the ready files.
  std::string registry_endpoint, events_pub, events_sub, scheduler_client, scheduler_agent, consensus_client;
  // Where each service serves /metrics (http://127.0.0.1:PORT; the OS picked the port).
  std::string registry_metrics, scheduler_metrics, consensus_metrics;

  sdk::ClientOptions client_options() const;
  // True once the registry lists `n` agents UP.
  bool wait_agents_up(std::size_t n, std::int64_t timeout_ms = 15'000);
  // Logs of every process, for a failing test's output.
  std::string logs() const;
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<Process> registry_, scheduler_, consensus_;
  std::map<std::string, std::unique_ptr<Process>> agents_;
  int scheduler_starts_ = 0;
};

// A test with a Cluster of its own. When it failed, TearDown prints every process's log, then
// extra_logs() (the processes a test started beside the Cluster). A fixture that overrides
// TearDown calls ClusterTest::TearDown() from it.
//
//   class MyTest : public ClusterTest {};
//   TEST_F(MyTest, X) { start_full_stack(); ... }
class ClusterTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << cluster.logs() << extra_logs();
  }
  virtual std::string extra_logs() const { return ""; }
  // orionctl with these arguments, against this cluster's registry.
  CommandResult ctl(std::vector<std::string> args) {
    args.insert(args.end(), {"--registry", cluster.registry_endpoint});
    return run_command(bin("orionctl"), args, cluster.dir().path());
  }
  // A registry, a scheduler, a consensus replica and one agent "worker" (capability "text",
  // capacity 2), waited for until the registry lists it UP.
  void start_full_stack() {
    cluster.start_registry();
    cluster.start_scheduler();
    cluster.start_consensus();
    cluster.start_agent("worker", {"text"}, 2);
    ASSERT_TRUE(cluster.wait_agents_up(1)) << cluster.logs();
  }

  Cluster cluster;
};

}  // namespace orion::testing
