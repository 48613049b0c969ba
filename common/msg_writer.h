// Writes msgpack straight into a byte string, for the hot paths where building a Json tree
// first (to_json, then encode_value) would cost more than the message itself: task records,
// TASK_INFO replies, task events. Readers decode the result like any other body: the bytes
// are ordinary msgpack maps (key order aside, the same value to_json gives).
//
//   MsgWriter w;
//   w.map(2);
//   w.key("task_id"), w.str(id);
//   w.key("input"), w.json(input);
//   Envelope e{MsgType::TASK_INFO, rid, {}, w.take()};
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/codec.h"

namespace orion {

class MsgWriter {
 public:
  void map(std::size_t entries);
  void array(std::size_t entries);
  void key(std::string_view k) { str(k); }
  void str(std::string_view s);
  void bin(std::string_view bytes);  // msgpack bin (Json::binary when decoded)
  void integer(std::int64_t v);
  void number(double v);
  void boolean(bool v);
  void nil();
  void str_list(const std::vector<std::string>& items);
  void json(const Json& value);
  // A value already encoded as msgpack (exactly one value).
  void raw(std::string_view bytes) { out_.append(bytes); }

  // Room for n bytes: a writer that knows its rough size skips the string's regrowth.
  void reserve(std::size_t n) { out_.reserve(n); }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void big_endian(std::uint64_t v, int bytes);
  std::string out_;
};

}  // namespace orion
