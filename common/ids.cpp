#include "common/ids.h"

#include <random>

namespace orion {

std::string random_hex(std::size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng() & 0xff);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::uint64_t new_epoch() {
  std::random_device dev;
  std::uint64_t v = (static_cast<std::uint64_t>(dev()) << 32) ^ dev();
  v &= 0x7fffffffffffffffULL;
  return v == 0 ? 1 : v;
}

}  // namespace orion
