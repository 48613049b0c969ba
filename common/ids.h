// Random identifiers: request ids, agent session ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace orion {

// `bytes` random bytes as lower-case hex (2*bytes characters). Thread-safe.
std::string random_hex(std::size_t bytes);

// A publisher's epoch (docs/protocol.md 5.6): drawn once per process start, random in
// [1, 2^63 - 1] so that it reads as a non-negative msgpack integer everywhere. Thread-safe.
std::uint64_t new_epoch();

}  // namespace orion
