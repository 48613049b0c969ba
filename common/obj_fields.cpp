#include "common/obj_fields.h"

#include <cmath>

namespace orion {

void ObjFields::str(const char* key, const Obj* v, std::string& out, Need need, std::size_t max_bytes) {
  if (!(v = find(key, v, need))) return;
  if (v->type != msgpack::type::STR) return fail(key, "must be a string");
  if (v->via.str.size > max_bytes) return fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
  out.assign(v->via.str.ptr, v->via.str.size);
}

void ObjFields::integer(const char* key, const Obj* v, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi) {
  if (!(v = find(key, v, need))) return;
  std::int64_t x = 0;
  if (v->type == msgpack::type::POSITIVE_INTEGER) {
    if (v->via.u64 > static_cast<std::uint64_t>(INT64_MAX)) return fail(key, "is out of range");
    x = static_cast<std::int64_t>(v->via.u64);
  } else if (v->type == msgpack::type::NEGATIVE_INTEGER) {
    x = v->via.i64;
  } else {
    return fail(key, "must be an integer");
  }
  if (x < lo || x > hi) return fail(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
  out = x;
}

void ObjFields::number(const char* key, const Obj* v, double& out, Need need, double lo, double hi) {
  if (!(v = find(key, v, need))) return;
  double x = 0;
  switch (v->type) {
    case msgpack::type::POSITIVE_INTEGER: x = static_cast<double>(v->via.u64); break;
    case msgpack::type::NEGATIVE_INTEGER: x = static_cast<double>(v->via.i64); break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: x = v->via.f64; break;
    default: return fail(key, "must be a number");
  }
  if (!std::isfinite(x) || x < lo || x > hi) return fail(key, "must be a number in the allowed range");
  out = x;
}

void ObjFields::boolean(const char* key, const Obj* v, bool& out, Need need) {
  if (!(v = find(key, v, need))) return;
  if (v->type != msgpack::type::BOOLEAN) return fail(key, "must be a boolean");
  out = v->via.boolean;
}

void ObjFields::str_list(const char* key, const Obj* v, std::vector<std::string>& out, Need need,
                         std::size_t max_items) {
  if (!(v = find(key, v, need))) return;
  if (v->type != msgpack::type::ARRAY) return fail(key, "must be an array of strings");
  if (v->via.array.size > max_items) return fail(key, "has more than " + std::to_string(max_items) + " items");
  std::vector<std::string> items;
  items.reserve(v->via.array.size);
  for (std::uint32_t i = 0; i < v->via.array.size; ++i) {
    const Obj& item = v->via.array.ptr[i];
    if (item.type != msgpack::type::STR) return fail(key, "must be an array of strings");
    if (item.via.str.size > kMaxNameBytes) return fail(key, "has an item that is too long");
    items.emplace_back(item.via.str.ptr, item.via.str.size);
  }
  out = std::move(items);
}

void ObjFields::any(const char* key, const Obj* v, Json& out, Need need) {
  if (!(v = find(key, v, need))) {
    if (ok_) out = Json();
    return;
  }
  out = as_json(*v);
}

void ObjFields::object(const char* key, const Obj* v, Json& out, Need need) {
  if (!(v = find(key, v, need))) return;
  if (v->type != msgpack::type::MAP) return fail(key, "must be a map");
  out = as_json(*v);
}

const Obj* ObjFields::find(const char* key, const Obj* v, Need need) {
  if (!ok_) return nullptr;
  if (!v || v->type == msgpack::type::NIL) {
    if (need == Need::REQUIRED) fail(key, "is required");
    return nullptr;
  }
  return v;
}

void ObjFields::fail(const char* key, const std::string& why) {
  if (!ok_) return;
  ok_ = false;
  error_ = make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': " + why);
}

Json as_json(const Obj& o) {
  Json out;
  object_to_json(o, out, 0, default_limits());
  return out;
}

}  // namespace orion
