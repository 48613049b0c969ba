// Readers for the body fields that Fields (common/fields.h) does not cover: arrays of records,
// short arrays of enum values and count maps. The C++ readers generated from common/protocol.toml
// (scripts/gen_protocol.py) call these; each returns the field's INVALID_ARGUMENT naming it, or
// nothing when the field was read.
//
//   std::vector<ReplicaView> rows;
//   if (auto e = read_rows(body, "scheduler", Need::OPTIONAL, kMaxReplicasListed, rows)) return *e;
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/fields.h"

namespace orion {

// {name: count}: at most max_items names of at most kMaxNameBytes, each to an integer >= 0.
using Counts = std::map<std::string, std::int64_t>;

inline Error field_error(const char* key, const std::string& why) {
  return make_error(ErrorCode::INVALID_ARGUMENT, std::string("field '") + key + "': " + why);
}

// The value under `key`, null when the key is absent (a read hook's argument; a nil value is
// handed over as it is).
inline const Json* field_value(const Json& b, const char* key) {
  auto it = b.find(key);
  return it == b.end() ? nullptr : &*it;
}

// A map field that holds nil is written as {} (null_as_empty), without copying one that is not.
inline const Json& null_as_object(const Json& j) {
  static const Json empty = Json::object();
  return j.is_null() ? empty : j;
}

// A record's error under the field that holds it: the same code, the message named by the field.
inline Error nested_error(const char* key, const Error& e) {
  return make_error(e.code, std::string("field '") + key + "': " + e.message);
}

// An array of at most max_items maps under `key`, each read by T::from_json (absent or nil: out
// stays empty, unless need is REQUIRED). A bad record's error is reported as the field's (wrap =
// false: as it is); loose = true hands an item that is not a map to T::from_json too.
template <class T>
std::optional<Error> read_rows(const Json& b, const char* key, Need need, std::size_t max_items, std::vector<T>& out,
                               bool wrap = true, bool loose = false) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) {
    if (need == Need::REQUIRED) return field_error(key, "is required");
    return std::nullopt;
  }
  if (!it->is_array() || it->size() > max_items) {
    return field_error(key, "must be an array of at most " + std::to_string(max_items) + " maps");
  }
  out.clear();
  out.reserve(it->size());
  for (const auto& j : *it) {
    if (!loose && !j.is_object()) return field_error(key, "must be a map");
    auto row = T::from_json(j);
    if (!row) return wrap ? nested_error(key, row.error()) : row.error();
    out.push_back(std::move(*row));
  }
  return std::nullopt;
}

// The same into an optional list: absent or nil leaves it nullopt.
template <class T>
std::optional<Error> read_rows(const Json& b, const char* key, Need need, std::size_t max_items,
                               std::optional<std::vector<T>>& out, bool wrap = true, bool loose = false) {
  std::vector<T> rows;
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return read_rows(b, key, need, max_items, rows, wrap, loose);
  if (auto e = read_rows(b, key, need, max_items, rows, wrap, loose)) return e;
  out = std::move(rows);
  return std::nullopt;
}

// One record under `key` (absent or nil: out is left as is, unless need is REQUIRED). wrap = false
// returns the record's own error as it is (for a body that is one record and little else); loose
// = true hands a value that is not a map to T::from_json too (its MALFORMED is then the error).
template <class T>
std::optional<Error> read_record(const Json& b, const char* key, Need need, T& out, bool wrap = true,
                                 bool loose = false) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) {
    if (need == Need::REQUIRED) return field_error(key, "is required");
    return std::nullopt;
  }
  if (!loose && !it->is_object()) return field_error(key, "must be a map");
  auto r = T::from_json(*it);
  if (!r) return wrap ? nested_error(key, r.error()) : r.error();
  out = std::move(*r);
  return std::nullopt;
}

// The same into an optional record: absent or nil leaves it nullopt.
template <class T>
std::optional<Error> read_record(const Json& b, const char* key, Need need, std::optional<T>& out, bool wrap = true,
                                 bool loose = false) {
  T row;
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) return read_record(b, key, need, row, wrap, loose);
  if (auto e = read_record(b, key, need, row, wrap, loose)) return e;
  out = std::move(row);
  return std::nullopt;
}

// A short array of at most max_items integers in lo..hi under `key`, each held as E (an enum
// class; absent or nil: out stays empty, unless need is REQUIRED).
template <class E>
std::optional<Error> read_int_list(const Json& b, const char* key, Need need, std::size_t max_items, std::int64_t lo,
                                   std::int64_t hi, std::vector<E>& out) {
  auto it = b.find(key);
  if (it == b.end() || it->is_null()) {
    if (need == Need::REQUIRED) return field_error(key, "is required");
    return std::nullopt;
  }
  if (!it->is_array() || it->size() > max_items) return field_error(key, "must be a short array of integers");
  for (const auto& v : *it) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi) {
      return field_error(key, "values must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    out.push_back(static_cast<E>(v.get<std::int64_t>()));
  }
  return std::nullopt;
}

// Counts under `key` (absent or nil: empty).
std::optional<Error> read_counts(const Json& b, const char* key, std::size_t max_items, Counts& out);

// {name: Counts} under `key`: at most max_items names, each Counts of at most max_counts.
std::optional<Error> read_counts_map(const Json& b, const char* key, std::size_t max_items, std::size_t max_counts,
                                     std::map<std::string, Counts>& out);

template <class T>
Json rows_to_json(const std::vector<T>& rows) {
  Json a = Json::array();
  for (const auto& r : rows) a.push_back(r.to_json());
  return a;
}

template <class E>
Json ints_to_json(const std::vector<E>& values) {
  Json a = Json::array();
  for (E v : values) a.push_back(static_cast<int>(v));
  return a;
}

inline Json counts_map_to_json(const std::map<std::string, Counts>& m) {
  Json j = Json::object();
  for (const auto& [k, c] : m) j[k] = c;
  return j;
}

}  // namespace orion
