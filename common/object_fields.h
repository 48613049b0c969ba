// Readers of unpacked msgpack objects that check fields as Fields (fields.h) checks Json ones:
// the same rules, error messages and first-error order. For decoders that read a body straight
// from its msgpack objects instead of building a Json tree first (the from_packed and from_object
// readers generated from common/protocol.toml, and the services' stored records). Every object
// they read MUST have passed check_object (msgpack_object.h): keys are then strings and depths
// bounded.
//
//   static const char* const kNames[] = {"task_id", "state"};
//   FieldSet<2> f(kNames, map);             // one pass over the map; the last repeated key wins
//   ObjFields r;
//   r.str("task_id", f.value[0], v.task_id, Need::REQUIRED);
//   if (!r.ok()) return r.error();
#pragma once

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/fields.h"
#include "common/codec.h"
#include "common/msgpack_object.h"

namespace orion::packed {

using Obj = msgpack::object;

inline std::string_view text(const Obj& o) { return {o.via.str.ptr, o.via.str.size}; }

// The known fields of one map, found in one pass; the last of repeated keys wins (as in the Json
// tree). Null counts as absent for the readers, as Fields::find does.
template <std::size_t N>
struct FieldSet {
  const char* const* names;
  const Obj* value[N] = {};
  bool present[N] = {};  // the key is there, even with a null value (Json::contains)

  FieldSet(const char* const* field_names, const Obj& map) : names(field_names) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
      const auto& kv = map.via.map.ptr[i];
      auto key = text(kv.key);  // every key is a string: check_object ran first
      for (std::size_t f = 0; f < N; ++f) {
        if (key.size() == std::strlen(names[f]) && key == names[f]) {
          value[f] = &kv.val;
          present[f] = true;
          break;
        }
      }
    }
  }
  // A value that is there and not null.
  bool given(std::size_t f) const { return present[f] && value[f]->type != msgpack::type::NIL; }
};

// Fields (fields.cpp) over msgpack objects: the same checks, messages and first-error rule.
class ObjFields {
 public:
  void str(const char* key, const Obj* v, std::string& out, Need need, std::size_t max_bytes = kMaxNameBytes) {
    if (!(v = find(key, v, need))) return;
    if (v->type != msgpack::type::STR) return fail(key, "must be a string");
    if (v->via.str.size > max_bytes) return fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
    out.assign(v->via.str.ptr, v->via.str.size);
  }
  void integer(const char* key, const Obj* v, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi) {
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
  void number(const char* key, const Obj* v, double& out, Need need, double lo, double hi) {
    if (!(v = find(key, v, need))) return;
    double x = 0;
    if (v->type == msgpack::type::POSITIVE_INTEGER) x = static_cast<double>(v->via.u64);
    else if (v->type == msgpack::type::NEGATIVE_INTEGER) x = static_cast<double>(v->via.i64);
    else if (v->type == msgpack::type::FLOAT32 || v->type == msgpack::type::FLOAT64) x = v->via.f64;
    else return fail(key, "must be a number");
    if (!std::isfinite(x) || x < lo || x > hi) return fail(key, "must be a number in the allowed range");
    out = x;
  }
  void boolean(const char* key, const Obj* v, bool& out, Need need) {
    if (!(v = find(key, v, need))) return;
    if (v->type != msgpack::type::BOOLEAN) return fail(key, "must be a boolean");
    out = v->via.boolean;
  }
  void str_list(const char* key, const Obj* v, std::vector<std::string>& out, Need need,
                std::size_t max_items = kMaxListItems) {
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
  void any(const char* key, const Obj* v, Json& out, Need need) {
    if (!(v = find(key, v, need))) {
      if (ok_) out = Json();
      return;
    }
    convert(v, out);
  }
  void object(const char* key, const Obj* v, Json& out, Need need) {
    if (!(v = find(key, v, need))) return;
    if (v->type != msgpack::type::MAP) return fail(key, "must be a map");
    convert(v, out);
  }

  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  const Obj* find(const char* key, const Obj* v, Need need) {
    if (!ok_) return nullptr;
    if (!v || v->type == msgpack::type::NIL) {
      if (need == Need::REQUIRED) fail(key, "is required");
      return nullptr;
    }
    return v;
  }
  void fail(const char* key, const std::string& why) {
    if (!ok_) return;
    ok_ = false;
    error_ = make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': " + why);
  }
  void convert(const Obj* v, Json& out) {
    // check_object has passed on the whole body, so this cannot fail; depth 0 is conservative.
    object_to_json(*v, out, 0, default_limits());
  }

  bool ok_ = true;
  Error error_;
};

// decode_value's checks (bounds, check_object), then decode_frame_views' "is it a map": the
// unpacked body, whose root is a map, or the error either would give.
// borrow: strings and binaries point into `body` (unpack_value), which must outlive the handle.
Result<msgpack::object_handle> unpack_map_body(std::string_view body, bool borrow = false);

// A free-form value as Json (check_object has passed, so this cannot fail).
Json as_json(const Obj& o);

}  // namespace orion::packed
