// Orion's public C++ API: distributed decisions (make_distributed_decision).
// Installed as <orion/decisions.h>; the declarations are in sdk/cpp/decisions.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/decisions.h"
