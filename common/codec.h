// Bounded msgpack <-> JSON-value codec. Every byte sequence off the wire goes through
// decode_value, which never throws and never crashes: malformed, truncated, oversized or
// too-deep input comes back as an Error (MALFORMED or TOO_LARGE).
//
//   auto v = decode_value(bytes.data(), bytes.size());
//   if (!v) reply_error(v.error());
//   std::string back = encode_value(*v);
//
// Values are nlohmann::json: maps with string keys, arrays, strings, integers, floats,
// booleans, nil and binary. msgpack ext types and non-string map keys are refused.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orion {

using Json = nlohmann::json;

struct CodecLimits {
  std::size_t max_bytes = 16u << 20;        // one body frame, 16 MiB
  std::size_t max_depth = 32;               // nesting of maps and arrays
  std::size_t max_string = 8u << 20;        // one string or binary, 8 MiB
  std::size_t max_container = 1u << 20;     // entries in one map or array
};

const CodecLimits& default_limits();

Result<Json> decode_value(const void* data, std::size_t size, const CodecLimits& limits = default_limits());
std::string encode_value(const Json& value);

}  // namespace orion
