// read_rows and read_record of field_rows.h over unpacked msgpack objects (object_fields.h), for
// the packed readers generated from common/protocol.toml: the same rules and the same errors as
// the Json readers, so that both accept and refuse the same bodies with the same first error.
// The body MUST have passed check_object (packed::unpack_map_body does it).
//
//   if (auto e = packed::read_rows(f.value[5], "voters", Need::OPTIONAL, kMaxVoters, out->voters)) return *e;
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/field_rows.h"
#include "common/msgpack_object.h"

namespace orion::packed {

// An array of at most max_items maps, each read by T::from_object (absent or nil: out stays
// empty, unless need is REQUIRED); wrap and loose as read_rows of field_rows.h.
template <class T>
std::optional<Error> read_rows(const msgpack::object* v, const char* key, Need need, std::size_t max_items,
                               std::vector<T>& out, bool wrap = true, bool loose = false) {
  if (!v || v->type == msgpack::type::NIL) {
    if (need == Need::REQUIRED) return field_error(key, "is required");
    return std::nullopt;
  }
  if (v->type != msgpack::type::ARRAY || v->via.array.size > max_items) {
    return field_error(key, "must be an array of at most " + std::to_string(max_items) + " maps");
  }
  out.clear();
  out.reserve(v->via.array.size);
  for (std::uint32_t i = 0; i < v->via.array.size; ++i) {
    const msgpack::object& item = v->via.array.ptr[i];
    if (!loose && item.type != msgpack::type::MAP) return field_error(key, "must be a map");
    auto row = T::from_object(item);
    if (!row) return wrap ? nested_error(key, row.error()) : row.error();
    out.push_back(std::move(*row));
  }
  return std::nullopt;
}

// One record (absent or nil: out is left as is, unless need is REQUIRED); wrap and loose as
// read_record of field_rows.h.
template <class T>
std::optional<Error> read_record(const msgpack::object* v, const char* key, Need need, T& out, bool wrap = true,
                                 bool loose = false) {
  if (!v || v->type == msgpack::type::NIL) {
    if (need == Need::REQUIRED) return field_error(key, "is required");
    return std::nullopt;
  }
  if (!loose && v->type != msgpack::type::MAP) return field_error(key, "must be a map");
  auto r = T::from_object(*v);
  if (!r) return wrap ? nested_error(key, r.error()) : r.error();
  out = std::move(*r);
  return std::nullopt;
}

}  // namespace orion::packed
