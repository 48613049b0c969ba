// Orion's public C++ API: orion-consensus directly: proposals, votes, leases.
// Installed as <orion/consensus_client.h>; the declarations are in sdk/cpp/consensus_client.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/consensus_client.h"
