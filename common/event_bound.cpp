#include "common/event_bound.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace orion {

namespace {

// The map with its largest fields dropped until it fits (see event_bound.h).
Json truncated(const Json& data) {
  if (!data.is_object()) return Json{{"truncated", true}};
  std::vector<std::pair<std::size_t, std::string>> sizes;  // encoded size of each field, name
  std::size_t total = 0;
  for (auto it = data.begin(); it != data.end(); ++it) {
    std::size_t n = encode_value(it.value()).size() + it.key().size() + 2;
    sizes.emplace_back(n, it.key());
    total += n;
  }
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  Json out = data;
  Json names = Json::array();
  // Room for the marker: the names themselves and the array's header.
  std::size_t marker = 16;
  for (const auto& [n, name] : sizes) {
    if (total + marker <= kMaxEventDataBytes) break;
    out.erase(name);
    names.push_back(name);
    total -= n;
    marker += name.size() + 2;
  }
  out["truncated"] = std::move(names);
  if (encode_value(out).size() > kMaxEventDataBytes) return Json{{"truncated", true}};
  return out;
}

}  // namespace

std::string bounded_event_data(std::string packed) {
  if (packed.size() <= kMaxEventDataBytes) return packed;
  auto data = decode_value(packed.data(), packed.size());
  return encode_value(truncated(data ? *data : Json()));
}

Json bounded_event_data(Json data) {
  std::string packed = encode_value(data);
  if (packed.size() <= kMaxEventDataBytes) return data;
  return truncated(data);
}

}  // namespace orion
