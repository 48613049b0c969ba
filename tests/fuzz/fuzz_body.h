// What every body fuzz target does with its input: decode it as a wire body (bounded,
// common/codec.h) and hand the value to each message's from_body of one family. A decoder may
// refuse anything; it must not crash, leak, read out of bounds or take unbounded time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/codec.h"

namespace orion::fuzz {

template <class... Messages>
void from_body_all(const std::uint8_t* data, std::size_t size) {
  auto body = decode_value(data, size);
  if (!body) return;
  // A Result either way: what matters is that each returns.
  (static_cast<void>(Messages::from_body(*body)), ...);
}

}  // namespace orion::fuzz
