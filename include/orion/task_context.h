// Orion's public C++ API: the TaskContext a handler gets (declared with the Agent).
// Installed as <orion/task_context.h>; the declarations are in sdk/cpp/agent.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/agent.h"
