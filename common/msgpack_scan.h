// scan_msgpack: a walk over msgpack bytes that refuses, before anything is allocated, what the
// unpacker would otherwise pay for first and refuse later.
//
//   if (auto s = scan_msgpack(data, size, default_limits()); !s) return s.error();
//   ... msgpack::unpack(data, size, ...) ...   // now bounded by the bytes actually present
//
// msgpack-c allocates a map or array for the number of entries its header claims before it
// reads them. 31 nested map headers each claiming 1 M entries (217 bytes) made it allocate and
// clear 31 M entries; 15 MiB of nils made 15 M objects (24 bytes each) and then as many Json
// values. The scan needs no memory (a fixed stack of max_depth counters) and one pass over the
// headers (strings and binaries are skipped, not read), and checks, in the unpacker's order:
// - every container's claimed entries fit in the bytes left: each pending entry, in this
//   container and in every enclosing one, needs at least one byte (MALFORMED);
// - nesting of maps and arrays within max_depth (TOO_LARGE);
// - entries per container within max_container, bytes per str/bin within max_string, and
//   values (every scalar, key and container) within max_objects (TOO_LARGE);
// - no ext type, no 0xC1, nothing after the value (MALFORMED).
#pragma once

#include <cstddef>

#include "common/codec.h"

namespace orion {

Status scan_msgpack(const char* data, std::size_t size, const CodecLimits& limits);

}  // namespace orion
