// Orion's public C++ API: following the event bus, with history replay and dedup.
// Installed as <orion/event_follow.h>; the declarations are in sdk/cpp/event_follow.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/event_follow.h"
