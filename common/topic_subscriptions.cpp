#include "common/topic_subscriptions.h"

namespace orion {

bool TopicSubscriptions::apply(const void* data, std::size_t size) {
  if (size == 0) return false;
  const char* bytes = static_cast<const char*>(data);
  if (bytes[0] != 0 && bytes[0] != 1) return false;
  std::string_view prefix(bytes + 1, size - 1);
  if (bytes[0] == 0) {
    auto it = prefixes_.find(prefix);
    if (it == prefixes_.end()) return true;
    auto len = lengths_.find(it->size());
    if (--len->second == 0) lengths_.erase(len);
    prefixes_.erase(it);
    return true;
  }
  if (prefix.size() > kMaxPrefixBytes || (prefixes_.size() >= kMaxPrefixes && !prefixes_.count(prefix))) {
    overflowed_ = true;
    return true;
  }
  if (prefixes_.emplace(prefix).second) ++lengths_[prefix.size()];
  return true;
}

void TopicSubscriptions::add_all(const TopicSubscriptions& other) {
  if (other.overflowed_) overflowed_ = true;
  for (const auto& prefix : other.prefixes_) {
    if (prefixes_.size() >= kMaxPrefixes && !prefixes_.count(prefix)) {
      overflowed_ = true;
      continue;
    }
    if (prefixes_.emplace(prefix).second) ++lengths_[prefix.size()];
  }
}

bool TopicSubscriptions::wants(std::string_view topic) const {
  if (overflowed_) return true;
  for (const auto& [length, count] : lengths_) {
    if (length > topic.size()) break;
    if (prefixes_.count(topic.substr(0, length))) return true;
  }
  return false;
}

}  // namespace orion
