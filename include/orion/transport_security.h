// Orion's public C++ API: CURVE keys for a cluster with keys.
// Installed as <orion/transport_security.h>; the declarations are in common/transport_security.h (docs/sdk-cpp.md).
#pragma once

#include "common/transport_security.h"
