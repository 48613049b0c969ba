// libFuzzer target: TaskList::from_packed (generated, common/task_messages.h), the clients' reader
// of TASK_LIST bodies.
#include <string_view>

#include "common/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static_cast<void>(orion::TaskList::from_packed(std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
