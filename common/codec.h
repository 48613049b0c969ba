// Bounded msgpack <-> JSON-value codec. Every byte sequence off the wire goes through
// decode_value, which never throws and never crashes: malformed, truncated, oversized or
// too-deep input comes back as an Error (MALFORMED or TOO_LARGE), after work bounded by the
// bytes given (scan_msgpack, msgpack_scan.h, refuses claims the bytes cannot hold first).
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
  // Values in one body: every scalar, map key and container counts one. Each costs the
  // unpacker 24 bytes (and a Json value 16 more), so this bounds a body's decoded size
  // (about 100 MiB) whatever it holds; 200,000 minimal batch tasks take about 2.2 M.
  std::size_t max_objects = 4u << 20;
};

const CodecLimits& default_limits();

Result<Json> decode_value(const void* data, std::size_t size, const CodecLimits& limits = default_limits());
std::string encode_value(const Json& value);

// The canonical msgpack form of a value, for what is hashed or signed (a proposal's content
// digest): map keys in byte order, every integer in its shortest form (non-negative ones as
// unsigned), every float as float64, strings and binaries with their shortest headers. Two
// encoders that follow these rules (the Python SDK's canonical.py is one) give the same bytes
// for the same value, whatever form the value arrived in.
std::string encode_canonical(const Json& value);

}  // namespace orion
