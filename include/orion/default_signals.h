// Orion's public C++ API: the SDK's SIGTERM (drain) and SIGINT (stop) defaults.
// Installed as <orion/default_signals.h>; the declarations are in sdk/cpp/default_signals.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/default_signals.h"
