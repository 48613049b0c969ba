// Orion's public C++ API: a client: submit, wait, cancel, list tasks and workflows; distributed decisions.
// Installed as <orion/client.h>; the declarations are in sdk/cpp/client.h (docs/sdk-cpp.md).
#pragma once

#include "sdk/cpp/client.h"
