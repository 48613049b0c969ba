// Reads named, typed fields out of a message body, collecting the first error with the
// field's name. Unknown fields are ignored (the protocol's forward-compatibility rule).
//
//   Fields f(body);
//   f.str("type", spec.type, Need::REQUIRED);
//   f.integer("priority", p, Need::OPTIONAL, 1, 5);
//   if (!f.ok()) return f.error();   // INVALID_ARGUMENT: field 'priority': must be ...
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/codec.h"
#include "common/protocol_schema.h"  // generated: kMaxNameBytes, kMaxListItems, ...

namespace orion {

enum class Need { REQUIRED, OPTIONAL };

class Fields {
 public:
  explicit Fields(const Json& body) : body_(body) {}

  // Each reader leaves `out` untouched when the field is absent and optional.
  void str(const char* key, std::string& out, Need need, std::size_t max_bytes = kMaxNameBytes);
  void integer(const char* key, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi);
  void number(const char* key, double& out, Need need, double lo, double hi);
  void boolean(const char* key, bool& out, Need need);
  void str_list(const char* key, std::vector<std::string>& out, Need need, std::size_t max_items = kMaxListItems);
  void str_map(const char* key, std::map<std::string, std::string>& out, Need need,
               std::size_t max_items = kMaxListItems);
  // Any value (input, output); absent gives null.
  void any(const char* key, Json& out, Need need);
  // A map (metadata); absent leaves out as is.
  void object(const char* key, Json& out, Need need);

  bool ok() const { return ok_; }
  Error error() const { return error_; }

 private:
  const Json* find(const char* key, Need need);
  void fail(const char* key, const std::string& why);

  const Json& body_;
  bool ok_ = true;
  Error error_;
};

// Reads a body, or a record inside one, field by field with `fn(Fields&, T&)`: MALFORMED when it
// is not a map, else the first bad field's INVALID_ARGUMENT (or the T that was read). The one
// such helper: every reader, generated or hand-written, goes through it.
//   auto r = read_fields<GetWorkflow>(b, [](Fields& f, GetWorkflow& m) { ... });
template <class T, class Fn>
Result<T> read_fields(const Json& b, Fn&& fn) {
  if (!b.is_object()) return make_error(ErrorCode::MALFORMED, "body is not a map");
  T out;
  Fields f(b);
  fn(f, out);
  if (!f.ok()) return f.error();
  return out;
}

}  // namespace orion
