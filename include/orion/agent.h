// Orion's public C++ API: an agent: handlers for task types, votes on proposals.
// Installed as <orion/agent.h>; the declarations are in sdk/cpp/agent.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/agent.h"
