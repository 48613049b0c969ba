#include "common/msg_writer.h"

#include <cstring>

namespace orion {

// Formats from the msgpack specification; the smallest that holds the value, as every
// msgpack encoder (and nlohmann's) writes them.

void MsgWriter::big_endian(std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
}

void MsgWriter::map(std::size_t n) {
  if (n < 16) return byte(static_cast<std::uint8_t>(0x80 | n));
  if (n <= 0xffff) return byte(0xde), big_endian(n, 2);
  byte(0xdf), big_endian(n, 4);
}

void MsgWriter::array(std::size_t n) {
  if (n < 16) return byte(static_cast<std::uint8_t>(0x90 | n));
  if (n <= 0xffff) return byte(0xdc), big_endian(n, 2);
  byte(0xdd), big_endian(n, 4);
}

void MsgWriter::str(std::string_view s) {
  std::size_t n = s.size();
  if (n < 32) byte(static_cast<std::uint8_t>(0xa0 | n));
  else if (n <= 0xff) byte(0xd9), big_endian(n, 1);
  else if (n <= 0xffff) byte(0xda), big_endian(n, 2);
  else byte(0xdb), big_endian(n, 4);
  out_.append(s);
}

void MsgWriter::bin(std::string_view b) {
  std::size_t n = b.size();
  if (n <= 0xff) byte(0xc4), big_endian(n, 1);
  else if (n <= 0xffff) byte(0xc5), big_endian(n, 2);
  else byte(0xc6), big_endian(n, 4);
  out_.append(b);
}

void MsgWriter::integer(std::int64_t v) {
  if (v >= 0) {
    auto u = static_cast<std::uint64_t>(v);
    if (u < 128) return byte(static_cast<std::uint8_t>(u));
    if (u <= 0xff) return byte(0xcc), big_endian(u, 1);
    if (u <= 0xffff) return byte(0xcd), big_endian(u, 2);
    if (u <= 0xffffffffu) return byte(0xce), big_endian(u, 4);
    return byte(0xcf), big_endian(u, 8);
  }
  if (v >= -32) return byte(static_cast<std::uint8_t>(v));
  auto u = static_cast<std::uint64_t>(v);
  if (v >= INT8_MIN) return byte(0xd0), big_endian(u, 1);
  if (v >= INT16_MIN) return byte(0xd1), big_endian(u, 2);
  if (v >= INT32_MIN) return byte(0xd2), big_endian(u, 4);
  byte(0xd3), big_endian(u, 8);
}

void MsgWriter::number(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  byte(0xcb), big_endian(bits, 8);
}

void MsgWriter::boolean(bool v) { byte(v ? 0xc3 : 0xc2); }
void MsgWriter::nil() { byte(0xc0); }

void MsgWriter::str_list(const std::vector<std::string>& items) {
  array(items.size());
  for (const auto& s : items) str(s);
}

void MsgWriter::json(const Json& value) {
  // Scalars and empty containers directly (the usual input and metadata: no adapter to
  // allocate); other containers through nlohmann's writer, which appends to the string.
  switch (value.type()) {
    case Json::value_t::null: return nil();
    case Json::value_t::boolean: return boolean(value.get<bool>());
    case Json::value_t::string: return str(value.get_ref<const std::string&>());
    case Json::value_t::number_integer: return integer(value.get<std::int64_t>());
    case Json::value_t::object:
      if (value.empty()) return map(0);
      break;
    case Json::value_t::array:
      if (value.empty()) return array(0);
      break;
    default: break;
  }
  Json::to_msgpack(value, out_);
}

}  // namespace orion
