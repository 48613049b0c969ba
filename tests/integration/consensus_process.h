// One orion-consensus replica for an integration Cluster: bound on a free port, announced to the
// cluster's registry, data in the cluster's temp dir. Stopped by PID when the Process dies.
//
//   Cluster c;
//   c.start_registry();
//   auto consensus = start_consensus(c);   // nullptr (and a test failure) if it never got ready
#pragma once

#include <memory>

#include "tests/integration/cluster.h"

namespace orion::testing {

std::unique_ptr<Process> start_consensus(Cluster& cluster);

}  // namespace orion::testing
