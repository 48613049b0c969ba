// The two halves of decode_value (codec.h), for decoders that read a body straight from the
// unpacked msgpack objects instead of building a Json tree first (SubmitBatch::from_packed):
//
//   auto h = unpack_value(bytes.data(), bytes.size(), default_limits());  // bounded, same errors
//   if (!h) return h.error();
//   if (auto s = check_object(h->get(), 0, default_limits()); !s) return s.error();
//   ... read h->get() ...; object_to_json(o, json, depth, limits) for a free-form value
//
// decode_value(b) is exactly unpack_value(b) then object_to_json of the result; check_object
// finds the same first error as object_to_json would, without building anything.
#pragma once

#include <cstddef>

#include <msgpack.hpp>

#include "common/codec.h"

namespace orion {

// borrow = true: strings and binaries point into `data` instead of being copied into the
// handle's zone, so `data` must outlive the handle (decoding a 12 MB batch copies 12 MB less).
Result<msgpack::object_handle> unpack_value(const void* data, std::size_t size, const CodecLimits& limits,
                                            bool borrow = false);
Status object_to_json(const msgpack::object& o, Json& out, std::size_t depth, const CodecLimits& limits);
Status check_object(const msgpack::object& o, std::size_t depth, const CodecLimits& limits);

}  // namespace orion
