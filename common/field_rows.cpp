#include "common/field_rows.h"

namespace orion {

std::optional<Error> read_counts(const Json& b, const char* key, std::size_t max_items, Counts& out) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return std::nullopt;
  if (!it->is_object() || it->size() > max_items) {
    return field_error(key, "must be a map of at most " + std::to_string(max_items) + " counts");
  }
  Counts counts;
  for (const auto& [name, n] : it->items()) {
    if (name.size() > kMaxNameBytes || !n.is_number_integer() || n.get<std::int64_t>() < 0) {
      return field_error(key, "must map names to non-negative integers");
    }
    counts[name] = n.get<std::int64_t>();
  }
  out = std::move(counts);
  return std::nullopt;
}

std::optional<Error> read_counts_map(const Json& b, const char* key, std::size_t max_items, std::size_t max_counts,
                                     std::map<std::string, Counts>& out) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return std::nullopt;
  if (!it->is_object() || it->size() > max_items) {
    return field_error(key, "must be a map of at most " + std::to_string(max_items) + " entries");
  }
  std::map<std::string, Counts> m;
  for (const auto& [name, counts] : it->items()) {
    if (name.size() > kMaxNameBytes) return field_error(key, "has a name longer than 256 bytes");
    if (auto e = read_counts(*it, name.c_str(), max_counts, m[name])) return field_error(key, e->message);
  }
  out = std::move(m);
  return std::nullopt;
}

}  // namespace orion
