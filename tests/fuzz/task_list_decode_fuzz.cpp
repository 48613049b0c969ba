// libFuzzer target: task_list_from_packed (common/task_list_decode.h), the clients' reader of
// TASK_LIST bodies.
#include <string_view>

#include "common/task_list_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static_cast<void>(orion::task_list_from_packed(std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
