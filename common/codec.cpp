#include "common/codec.h"

#include <cstring>
#include <memory>

#include "common/msgpack_object.h"
#include "common/msgpack_scan.h"

namespace orion {

namespace {
constexpr std::size_t kSmallValueBytes = 2048;  // a value this small unpacks into ...
constexpr std::size_t kSmallZoneChunk = 960;     // ... a zone of chunks this size (bytes; < glibc's 1 KiB large-bin bound)
}  // namespace

const CodecLimits& default_limits() {
  static const CodecLimits limits;
  return limits;
}

// Converts an unpacked msgpack object. Depth was bounded by the unpacker, but it is checked
// again so that this recursion is bounded on its own.
Status object_to_json(const msgpack::object& o, Json& out, std::size_t depth, const CodecLimits& limits) {
  if (depth > limits.max_depth) return make_error(ErrorCode::TOO_LARGE, "value nested too deeply");
  switch (o.type) {
    case msgpack::type::NIL: out = nullptr; return {};
    case msgpack::type::BOOLEAN: out = o.via.boolean; return {};
    case msgpack::type::POSITIVE_INTEGER: out = o.via.u64; return {};
    case msgpack::type::NEGATIVE_INTEGER: out = o.via.i64; return {};
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: out = o.via.f64; return {};
    case msgpack::type::STR: out = std::string(o.via.str.ptr, o.via.str.size); return {};
    case msgpack::type::BIN:
      out = Json::binary(std::vector<std::uint8_t>(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size));
      return {};
    case msgpack::type::ARRAY: {
      out = Json::array();
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
        Json item;
        if (auto s = object_to_json(o.via.array.ptr[i], item, depth + 1, limits); !s) return s;
        out.push_back(std::move(item));
      }
      return {};
    }
    case msgpack::type::MAP: {
      out = Json::object();
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) return make_error(ErrorCode::MALFORMED, "map key is not a string");
        Json item;
        if (auto s = object_to_json(kv.val, item, depth + 1, limits); !s) return s;
        out[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = std::move(item);
      }
      return {};
    }
    case msgpack::type::EXT: return make_error(ErrorCode::MALFORMED, "msgpack ext types are not accepted");
  }
  return make_error(ErrorCode::MALFORMED, "unknown msgpack type");
}

// The checks of object_to_json without building anything, in the same order, so the first
// error found is the same one.
Status check_object(const msgpack::object& o, std::size_t depth, const CodecLimits& limits) {
  if (depth > limits.max_depth) return make_error(ErrorCode::TOO_LARGE, "value nested too deeply");
  switch (o.type) {
    case msgpack::type::ARRAY:
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
        if (auto s = check_object(o.via.array.ptr[i], depth + 1, limits); !s) return s;
      }
      return {};
    case msgpack::type::MAP:
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) return make_error(ErrorCode::MALFORMED, "map key is not a string");
        if (auto s = check_object(kv.val, depth + 1, limits); !s) return s;
      }
      return {};
    case msgpack::type::EXT: return make_error(ErrorCode::MALFORMED, "msgpack ext types are not accepted");
    default: return {};
  }
}

Result<msgpack::object_handle> unpack_value(const void* data, std::size_t size, const CodecLimits& limits,
                                            bool borrow) {
  if (size > limits.max_bytes) {
    return make_error(ErrorCode::TOO_LARGE, "frame of " + std::to_string(size) + " bytes exceeds " +
                                                std::to_string(limits.max_bytes));
  }
  if (size == 0) return make_error(ErrorCode::MALFORMED, "empty value");
  // Headers that claim more than the bytes hold, too deep or too many values: refused here,
  // before the unpacker allocates for them.
  if (auto s = scan_msgpack(static_cast<const char*>(data), size, limits); !s) return s.error();
  try {
    std::size_t offset = 0;
    msgpack::unpack_limit lim(limits.max_container, limits.max_container, limits.max_string, limits.max_string,
                              0, limits.max_depth);
    // The zone's first chunk is one malloc. msgpack's default (8 KiB) is a "large" request to
    // glibc, which first consolidates every free small chunk (malloc_consolidate): on the
    // consensus leader, which unpacks a few small bodies per request, that showed as several per
    // cent of its CPU. A small value gets a chunk glibc serves from its small bins; the zone
    // takes more chunks by itself when it needs them.
    auto zone = std::make_unique<msgpack::zone>(size < kSmallValueBytes ? kSmallZoneChunk : MSGPACK_ZONE_CHUNK_SIZE);
    msgpack::unpack_reference_func refer = [](msgpack::type::object_type, std::size_t, void*) { return true; };
    msgpack::object obj = msgpack::unpack(*zone, static_cast<const char*>(data), size, offset,
                                          borrow ? refer : nullptr, nullptr, lim);
    if (offset != size) return make_error(ErrorCode::MALFORMED, "trailing bytes after value");
    return Result<msgpack::object_handle>(msgpack::object_handle(obj, std::move(zone)));
  } catch (const msgpack::ext_size_overflow&) {
    // The unpacker is given an ext bound of 0, so every ext value lands here: it is a type we
    // refuse, not a size we exceed.
    return make_error(ErrorCode::MALFORMED, "msgpack ext types are not accepted");
  } catch (const msgpack::size_overflow& e) {
    return make_error(ErrorCode::TOO_LARGE, std::string("value over a bound: ") + e.what());
  } catch (const msgpack::insufficient_bytes&) {
    return make_error(ErrorCode::MALFORMED, "truncated msgpack value");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::MALFORMED, std::string("invalid msgpack: ") + e.what());
  }
}

Result<Json> decode_value(const void* data, std::size_t size, const CodecLimits& limits) {
  auto handle = unpack_value(data, size, limits);
  if (!handle) return handle.error();
  Json out;
  if (auto s = object_to_json(handle->get(), out, 0, limits); !s) return s.error();
  return out;
}

std::string encode_value(const Json& value) {
  std::string out;
  Json::to_msgpack(value, out);
  return out;
}

namespace {

struct StringSink {
  std::string& out;
  void write(const char* data, std::size_t size) { out.append(data, size); }
};

// Depth is bounded by the value's own: every Json here came from decode_value (max_depth) or
// from code.
void pack_canonical(msgpack::packer<StringSink>& pk, StringSink& sink, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: pk.pack_nil(); return;
    case Json::value_t::boolean: v.get<bool>() ? pk.pack_true() : pk.pack_false(); return;
    case Json::value_t::number_unsigned: pk.pack_uint64(v.get<std::uint64_t>()); return;
    case Json::value_t::number_integer: {
      const auto i = v.get<std::int64_t>();
      if (i >= 0) pk.pack_uint64(static_cast<std::uint64_t>(i));
      else pk.pack_int64(i);
      return;
    }
    case Json::value_t::number_float: {
      // Always float 64, written here: msgpack-c may pack an integral double as an integer.
      const double d = v.get<double>();
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      char out[9];
      out[0] = static_cast<char>(0xcb);
      for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
      sink.write(out, sizeof out);  // the packer writes straight to the sink too
      return;
    }
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      pk.pack_str(static_cast<std::uint32_t>(s.size()));
      pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
      return;
    }
    case Json::value_t::binary: {
      const auto& b = v.get_binary();
      pk.pack_bin(static_cast<std::uint32_t>(b.size()));
      pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
      return;
    }
    case Json::value_t::array:
      pk.pack_array(static_cast<std::uint32_t>(v.size()));
      for (const auto& x : v) pack_canonical(pk, sink, x);
      return;
    case Json::value_t::object:
      // nlohmann's object is a std::map<std::string, ...>: its order is the keys' byte order.
      pk.pack_map(static_cast<std::uint32_t>(v.size()));
      for (const auto& [k, x] : v.items()) {
        pk.pack_str(static_cast<std::uint32_t>(k.size()));
        pk.pack_str_body(k.data(), static_cast<std::uint32_t>(k.size()));
        pack_canonical(pk, sink, x);
      }
      return;
    default: pk.pack_nil(); return;  // discarded: never in a decoded value
  }
}

}  // namespace

std::string encode_canonical(const Json& value) {
  std::string out;
  StringSink sink{out};
  msgpack::packer<StringSink> pk(sink);
  pack_canonical(pk, sink, value);
  return out;
}

}  // namespace orion
