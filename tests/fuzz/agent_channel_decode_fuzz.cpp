// libFuzzer target: the agent channel's readers (common/agent_channel_decode.h): ASSIGN,
// TASK_PROGRESS and TASK_RESULT bodies straight from msgpack.
#include <string_view>

#include "common/agent_channel_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  static_cast<void>(orion::assign_from_packed(body));
  static_cast<void>(orion::task_progress_from_packed(body));
  static_cast<void>(orion::task_result_from_packed(body));
  return 0;
}
