#include "tests/integration/consensus_process.h"

#include <gtest/gtest.h>

namespace orion::testing {

std::unique_ptr<Process> start_consensus(Cluster& cluster) {
  std::string ready = cluster.dir().file("consensus.ready");
  auto p = std::make_unique<Process>(
      bin("orion-consensus"),
      std::vector<std::string>{"--bind-client", "tcp://127.0.0.1:0", "--registry", cluster.registry_endpoint,
                               "--data-dir", cluster.dir().file("data-consensus"), "--ready-file", ready},
      cluster.dir().file("consensus.log"));
  if (!wait_for_json_file(ready, 10'000)) {
    ADD_FAILURE() << "orion-consensus never got ready\n" << p->log_tail();
    return nullptr;
  }
  return p;
}

}  // namespace orion::testing
