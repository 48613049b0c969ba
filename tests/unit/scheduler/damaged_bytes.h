// Stored bytes damaged the two ways a disk or a bug damages them, for the decoders of the
// scheduler's records: every truncation (each must be refused), then `flips` single-byte
// changes at random places (each may still decode; when it does not, the error is INTERNAL).
//
//   expect_damage_refused(bytes, [](std::string_view b) { return decode_batch_hits(7, b); });
//   expect_damage_refused(bytes, read, 3, [](auto& decoded) { ...use what still decodes... });
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/status.h"

namespace orion::scheduler {

struct IgnoreDecoded {
  template <typename T>
  void operator()(T&) const {}
};

template <typename Decode, typename Use = IgnoreDecoded>
void expect_damage_refused(const std::string& bytes, Decode decode, unsigned seed = 3, Use use = {},
                           int flips = 2000) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto cut = decode(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(cut.ok()) << "truncated to " << n;
    if (!cut.ok()) {
      EXPECT_EQ(cut.error().code, ErrorCode::INTERNAL);
    }
  }
  std::mt19937 rng(seed);
  for (int i = 0; i < flips; ++i) {
    std::string damaged = bytes;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto r = decode(damaged);  // must not crash; may still decode
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::INTERNAL);
      continue;
    }
    use(*r);
  }
}

}  // namespace orion::scheduler
