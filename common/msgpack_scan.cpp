#include "common/msgpack_scan.h"

#include <cstdint>
#include <string>

namespace orion {

namespace {

std::uint64_t read_be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

Error truncated() { return make_error(ErrorCode::MALFORMED, "truncated msgpack value"); }

}  // namespace

Status scan_msgpack(const char* data, std::size_t size, const CodecLimits& limits) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  const auto* end = p + size;
  // left[d]: entries still to read in the container open at depth d (left[0]: the one value).
  // pending: the sum of left[], i.e. the fewest bytes the rest of the value can take.
  constexpr std::size_t kStackLimit = 256;
  std::size_t max_depth = limits.max_depth < kStackLimit ? limits.max_depth : kStackLimit;
  std::uint64_t left[kStackLimit + 1];
  std::size_t depth = 0;
  left[0] = 1;
  std::uint64_t pending = 1;
  std::uint64_t objects = 0;
  while (true) {
    while (left[depth] == 0) {
      if (depth == 0) {
        if (p != end) return make_error(ErrorCode::MALFORMED, "trailing bytes after value");
        return {};
      }
      --depth;
    }
    --left[depth];
    --pending;
    if (p == end) return truncated();
    if (++objects > limits.max_objects) {
      return make_error(ErrorCode::TOO_LARGE, "value over a bound: more than " + std::to_string(limits.max_objects) +
                                                  " msgpack values");
    }
    const unsigned char b = *p++;
    const std::size_t avail = static_cast<std::size_t>(end - p);
    std::uint64_t skip = 0;      // payload bytes of a scalar
    std::uint64_t entries = 0;   // values in a container (a map's keys and values)
    std::uint64_t count = 0;     // a container's header count (a map's pairs)
    bool container = false, is_map = false;
    int len_bytes = 0;           // str/bin/container length field width
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      continue;  // fixint, nil, bool
    } else if (b <= 0x8f) {
      container = is_map = true;
      count = b & 0x0f;
    } else if (b <= 0x9f) {
      container = true;
      count = b & 0x0f;
    } else if (b <= 0xbf) {
      skip = b & 0x1f;
    } else {
      switch (b) {
        case 0xc4: case 0xd9: len_bytes = 1; break;  // bin8, str8
        case 0xc5: case 0xda: len_bytes = 2; break;  // bin16, str16
        case 0xc6: case 0xdb: len_bytes = 4; break;  // bin32, str32
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xdc: container = true; len_bytes = 2; break;
        case 0xdd: container = true; len_bytes = 4; break;
        case 0xde: container = is_map = true; len_bytes = 2; break;
        case 0xdf: container = is_map = true; len_bytes = 4; break;
        case 0xc1: return make_error(ErrorCode::MALFORMED, "invalid msgpack: byte 0xc1 is never used");
        default: return make_error(ErrorCode::MALFORMED, "msgpack ext types are not accepted");  // c7-c9, d4-d8
      }
      if (len_bytes > 0) {
        if (avail < static_cast<std::size_t>(len_bytes)) return truncated();
        std::uint64_t n = read_be(p, len_bytes);
        p += len_bytes;
        if (container) count = n;
        else skip = n;
      }
    }
    const std::size_t rest = static_cast<std::size_t>(end - p);
    if (!container) {
      if (len_bytes > 0 || (b >= 0xa0 && b <= 0xbf)) {
        if (skip > limits.max_string) {
          return make_error(ErrorCode::TOO_LARGE, "value over a bound: a str or bin of " + std::to_string(skip) +
                                                      " bytes exceeds " + std::to_string(limits.max_string));
        }
      }
      // The scalar and then at least one byte per value still pending.
      if (skip > rest || pending > rest - skip) return truncated();
      p += skip;
      continue;
    }
    if (count > limits.max_container) {
      return make_error(ErrorCode::TOO_LARGE, "value over a bound: a container of " + std::to_string(count) +
                                                  " entries exceeds " + std::to_string(limits.max_container));
    }
    if (depth + 1 > max_depth) return make_error(ErrorCode::TOO_LARGE, "value nested too deeply");
    entries = is_map ? 2 * count : count;
    if (pending + entries > rest) {
      return make_error(ErrorCode::MALFORMED, std::string(is_map ? "map" : "array") + " claims " +
                                                  std::to_string(count) + " entries but only " + std::to_string(rest) +
                                                  " bytes are left");
    }
    left[++depth] = entries;
    pending += entries;
  }
}

}  // namespace orion
