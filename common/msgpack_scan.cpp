#include "common/msgpack_scan.h"

#include <array>
#include <cstdint>
#include <string>

namespace orion {

namespace {

// What a value's first byte says, from one table: the walk is one lookup and a few compares per
// value (a 7 MB batch of 100,000 tasks scans in a fraction of its unpacking time).
enum Kind : std::uint8_t {
  kFixed,     // a scalar with `arg` payload bytes (fixint, nil, bool, float, int, uint)
  kFixStr,    // fixstr: its length is in the low 5 bits
  kFixArray,  // fixarray: entries in the low 4 bits
  kFixMap,    // fixmap: pairs in the low 4 bits
  kVarBytes,  // str8/16/32, bin8/16/32: an `arg`-byte length follows
  kVarArray,  // array16/32: an `arg`-byte count follows
  kVarMap,    // map16/32
  kExt,       // fixext, ext8/16/32: refused
  kNever,     // 0xc1
};
struct Op {
  Kind kind;
  std::uint8_t arg;
};

constexpr std::array<Op, 256> make_table() {
  std::array<Op, 256> t{};
  for (int b = 0; b < 256; ++b) {
    Op op{kFixed, 0};
    if (b <= 0x7f || b >= 0xe0) op = {kFixed, 0};
    else if (b <= 0x8f) op = {kFixMap, 0};
    else if (b <= 0x9f) op = {kFixArray, 0};
    else if (b <= 0xbf) op = {kFixStr, 0};
    else {
      switch (b) {
        case 0xc0: case 0xc2: case 0xc3: op = {kFixed, 0}; break;
        case 0xc1: op = {kNever, 0}; break;
        case 0xc4: case 0xd9: op = {kVarBytes, 1}; break;
        case 0xc5: case 0xda: op = {kVarBytes, 2}; break;
        case 0xc6: case 0xdb: op = {kVarBytes, 4}; break;
        case 0xca: op = {kFixed, 4}; break;
        case 0xcb: op = {kFixed, 8}; break;
        case 0xcc: case 0xd0: op = {kFixed, 1}; break;
        case 0xcd: case 0xd1: op = {kFixed, 2}; break;
        case 0xce: case 0xd2: op = {kFixed, 4}; break;
        case 0xcf: case 0xd3: op = {kFixed, 8}; break;
        case 0xdc: op = {kVarArray, 2}; break;
        case 0xdd: op = {kVarArray, 4}; break;
        case 0xde: op = {kVarMap, 2}; break;
        case 0xdf: op = {kVarMap, 4}; break;
        default: op = {kExt, 0}; break;  // c7-c9, d4-d8
      }
    }
    t[static_cast<std::size_t>(b)] = op;
  }
  return t;
}
constexpr std::array<Op, 256> kTable = make_table();

std::uint64_t read_be(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

Error truncated() { return make_error(ErrorCode::MALFORMED, "truncated msgpack value"); }

Error too_many(const CodecLimits& limits) {
  return make_error(ErrorCode::TOO_LARGE,
                    "value over a bound: more than " + std::to_string(limits.max_objects) + " msgpack values");
}

}  // namespace

Status scan_msgpack(const char* data, std::size_t size, const CodecLimits& limits) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  const auto* const end = p + size;
  // left[d]: entries still to read in the container open at depth d (left[0]: the one value).
  // pending: the sum of left[], i.e. the fewest bytes the rest of the value can take.
  constexpr std::size_t kStackLimit = 256;
  const std::size_t max_depth = limits.max_depth < kStackLimit ? limits.max_depth : kStackLimit;
  std::uint64_t left[kStackLimit + 1];
  std::size_t depth = 0;
  left[0] = 1;
  std::uint64_t pending = 1;
  std::uint64_t objects = 0;
  for (;;) {
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
    if (++objects > limits.max_objects) return too_many(limits);
    const unsigned char b = *p++;
    const Op op = kTable[b];
    std::uint64_t n = 0;  // payload bytes (scalars) or header count (containers)
    bool is_map = false;
    switch (op.kind) {
      case kFixed: n = op.arg; break;
      case kFixStr: n = b & 0x1f; break;
      case kFixArray: n = b & 0x0f; break;
      case kFixMap: n = b & 0x0f, is_map = true; break;
      case kVarBytes:
      case kVarArray:
      case kVarMap:
        if (static_cast<std::size_t>(end - p) < op.arg) return truncated();
        n = read_be(p, op.arg);
        p += op.arg;
        is_map = op.kind == kVarMap;
        break;
      case kExt: return make_error(ErrorCode::MALFORMED, "msgpack ext types are not accepted");
      case kNever: return make_error(ErrorCode::MALFORMED, "invalid msgpack: byte 0xc1 is never used");
    }
    const auto rest = static_cast<std::uint64_t>(end - p);
    if (op.kind == kFixed || op.kind == kFixStr || op.kind == kVarBytes) {
      if (op.kind != kFixed && n > limits.max_string) {
        return make_error(ErrorCode::TOO_LARGE, "value over a bound: a str or bin of " + std::to_string(n) +
                                                    " bytes exceeds " + std::to_string(limits.max_string));
      }
      // The scalar, and then at least one byte per value still owed.
      if (n > rest || pending > rest - n) return truncated();
      p += n;
      continue;
    }
    if (n > limits.max_container) {
      return make_error(ErrorCode::TOO_LARGE, "value over a bound: a container of " + std::to_string(n) +
                                                  " entries exceeds " + std::to_string(limits.max_container));
    }
    if (depth + 1 > max_depth) return make_error(ErrorCode::TOO_LARGE, "value nested too deeply");
    const std::uint64_t entries = is_map ? 2 * n : n;
    if (pending + entries > rest) {
      return make_error(ErrorCode::MALFORMED, std::string(is_map ? "map" : "array") + " claims " + std::to_string(n) +
                                                  " entries but only " + std::to_string(rest) + " bytes are left");
    }
    left[++depth] = entries;
    pending += entries;
  }
}

}  // namespace orion
