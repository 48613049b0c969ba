#include "services/dashboard/bounded_index.h"

namespace orion::dashboard {

void BoundedIndex::put(const std::string& id, Json value) {
  if (Json* held = touch(id)) {
    *held = std::move(value);
    return;
  }
  while (entries_.size() >= capacity_ && !by_stamp_.empty()) {
    auto oldest = by_stamp_.begin();
    entries_.erase(oldest->second);
    by_stamp_.erase(oldest);
    ++forgotten_;
  }
  const std::uint64_t stamp = next_stamp_++;
  entries_[id] = Entry{std::move(value), stamp};
  by_stamp_[stamp] = id;
}

Json* BoundedIndex::touch(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  by_stamp_.erase(it->second.stamp);
  it->second.stamp = next_stamp_++;
  by_stamp_[it->second.stamp] = id;
  return &it->second.value;
}

const Json* BoundedIndex::find(const std::string& id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second.value;
}

Json* BoundedIndex::find(const std::string& id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second.value;
}

void BoundedIndex::for_each_newest(const std::function<bool(const std::string&, const Json&)>& visit) const {
  for (auto it = by_stamp_.rbegin(); it != by_stamp_.rend(); ++it) {
    if (!visit(it->second, entries_.at(it->second).value)) return;
  }
}

}  // namespace orion::dashboard
