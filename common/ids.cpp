#include "common/ids.h"

#include <cstdio>

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

std::string state_digest(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::uint64_t new_epoch() {
  std::random_device dev;
  std::uint64_t v = (static_cast<std::uint64_t>(dev()) << 32) ^ dev();
  v &= 0x7fffffffffffffffULL;
  return v == 0 ? 1 : v;
}

}  // namespace orion
