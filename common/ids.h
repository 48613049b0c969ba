// Random identifiers: request ids, agent session ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace orion {

// `bytes` random bytes as lower-case hex (2*bytes characters). Thread-safe.
std::string random_hex(std::size_t bytes);

// A 64-bit FNV-1a digest of `bytes` as 16 hex digits: replicas compare their states with it
// (GET_REPLICA digest). Not a cryptographic hash.
std::string state_digest(std::string_view bytes);

// A publisher's epoch (docs/protocol.md 5.6): drawn once per process start, random in
// [1, 2^63 - 1] so that it reads as a non-negative msgpack integer everywhere. Thread-safe.
std::uint64_t new_epoch();

}  // namespace orion
