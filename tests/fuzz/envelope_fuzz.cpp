// libFuzzer target: the envelope (common/envelope.h). The input is split into frames at each
// "\n--\n", as a multipart message, and decoded as a service receives it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> frames;
  constexpr std::string_view kSep = "\n--\n";
  for (;;) {
    auto at = in.find(kSep);
    frames.push_back(in.substr(0, at));
    if (at == std::string_view::npos) break;
    in.remove_prefix(at + kSep.size());
  }
  std::string request_id;
  auto e = orion::decode_frame_views(frames, &request_id, orion::default_limits());
  if (e) static_cast<void>(orion::encode_frames(*e));  // what decoded encodes again
  return 0;
}
