// libFuzzer target: the agent channel's readers (generated from common/protocol.toml): ASSIGN,
// TASK_PROGRESS and TASK_RESULT bodies straight from msgpack.
#include <string_view>

#include "common/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  static_cast<void>(orion::Assign::from_packed(body));
  static_cast<void>(orion::TaskProgress::from_packed(body));
  static_cast<void>(orion::TaskResult::from_packed(body));
  return 0;
}
