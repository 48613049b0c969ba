#include "common/fields.h"

#include <cmath>

namespace orion {

void Fields::fail(const char* key, const std::string& why) {
  if (!ok_) return;  // keep the first error
  ok_ = false;
  error_ = make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': " + why);
}

const Json* Fields::find(const char* key, Need need) {
  if (!ok_) return nullptr;
  auto it = body_.find(key);
  if (it == body_.end() || it->is_null()) {
    if (need == Need::REQUIRED) fail(key, "is required");
    return nullptr;
  }
  return &*it;
}

void Fields::str(const char* key, std::string& out, Need need, std::size_t max_bytes) {
  const Json* v = find(key, need);
  if (!v) return;
  if (!v->is_string()) return fail(key, "must be a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) return fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
  out = s;
}

void Fields::integer(const char* key, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi) {
  const Json* v = find(key, need);
  if (!v) return;
  std::int64_t x = 0;
  if (v->is_number_unsigned()) {
    auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return fail(key, "is out of range");
    x = static_cast<std::int64_t>(u);
  } else if (v->is_number_integer()) {
    x = v->get<std::int64_t>();
  } else {
    return fail(key, "must be an integer");
  }
  if (x < lo || x > hi) return fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
  out = x;
}

void Fields::number(const char* key, double& out, Need need, double lo, double hi) {
  const Json* v = find(key, need);
  if (!v) return;
  if (!v->is_number()) return fail(key, "must be a number");
  double x = v->get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) return fail(key, "must be a number in the allowed range");
  out = x;
}

void Fields::boolean(const char* key, bool& out, Need need) {
  const Json* v = find(key, need);
  if (!v) return;
  if (!v->is_boolean()) return fail(key, "must be a boolean");
  out = v->get<bool>();
}

void Fields::str_list(const char* key, std::vector<std::string>& out, Need need, std::size_t max_items) {
  const Json* v = find(key, need);
  if (!v) return;
  if (!v->is_array()) return fail(key, "must be an array of strings");
  if (v->size() > max_items) return fail(key, "has more than " + std::to_string(max_items) + " items");
  std::vector<std::string> items;
  items.reserve(v->size());
  for (const auto& item : *v) {
    if (!item.is_string()) return fail(key, "must be an array of strings");
    if (item.get_ref<const std::string&>().size() > kMaxNameBytes) return fail(key, "has an item that is too long");
    items.push_back(item.get<std::string>());
  }
  out = std::move(items);
}

void Fields::str_map(const char* key, std::map<std::string, std::string>& out, Need need, std::size_t max_items) {
  const Json* v = find(key, need);
  if (!v) return;
  if (!v->is_object()) return fail(key, "must be a map of strings");
  if (v->size() > max_items) return fail(key, "has more than " + std::to_string(max_items) + " entries");
  std::map<std::string, std::string> m;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) return fail(key, "must be a map of strings");
    m[it.key()] = it.value().get<std::string>();
  }
  out = std::move(m);
}

void Fields::any(const char* key, Json& out, Need need) {
  const Json* v = find(key, need);
  out = v ? *v : Json();
}

void Fields::object(const char* key, Json& out, Need need) {
  const Json* v = find(key, need);
  if (!v) return;
  if (!v->is_object()) return fail(key, "must be a map");
  out = *v;
}

}  // namespace orion
