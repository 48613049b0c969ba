// Reading a message body straight from its unpacked msgpack objects (msgpack_object.h), with the
// same checks, messages and first-error rule as Fields (fields.h) on the Json tree, for the hot
// decoders that skip the tree (SubmitBatch::from_packed, Vote/Propose::from_packed):
//
//   auto h = unpack_value(bytes.data(), bytes.size(), default_limits());
//   if (!h) return h.error();
//   if (auto s = check_object(h->get(), 0, default_limits()); !s) return s.error();
//   static const char* const kNames[] = {"proposal_id", "vote"};
//   FieldSet<2> f(kNames, h->get());          // every known field in one pass over the map
//   ObjFields r;
//   r.str("proposal_id", f.value[0], id, Need::REQUIRED);
//   if (!r.ok()) return r.error();            // INVALID_ARGUMENT: field 'proposal_id': ...
//
// check_object must have passed on the whole value first: the readers rely on every map key
// being a string.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/fields.h"
#include "common/msgpack_object.h"

namespace orion {

using Obj = msgpack::object;

inline std::string_view text(const Obj& o) { return {o.via.str.ptr, o.via.str.size}; }

// The known fields of one map, found in one pass; the last of repeated keys wins (as in the Json
// tree). Null counts as absent for the readers, as Fields::find does.
template <std::size_t N>
struct FieldSet {
  const char* const* names;
  const Obj* value[N] = {};
  bool present[N] = {};  // the key is there, even with a null value (Json::contains)

  FieldSet(const char* const* field_names, const Obj& map) : names(field_names) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
      const auto& kv = map.via.map.ptr[i];
      auto key = text(kv.key);  // every key is a string: check_object ran first
      for (std::size_t f = 0; f < N; ++f) {
        if (key.size() == std::strlen(names[f]) && key == names[f]) {
          value[f] = &kv.val;
          present[f] = true;
          break;
        }
      }
    }
  }
  // A value that is there and not null.
  bool given(std::size_t f) const { return present[f] && value[f]->type != msgpack::type::NIL; }
};

// Fields (fields.cpp) over msgpack objects: the same checks, messages and first-error rule.
class ObjFields {
 public:
  void str(const char* key, const Obj* v, std::string& out, Need need, std::size_t max_bytes = kMaxNameBytes);
  void integer(const char* key, const Obj* v, std::int64_t& out, Need need, std::int64_t lo, std::int64_t hi);
  void number(const char* key, const Obj* v, double& out, Need need, double lo, double hi);
  void boolean(const char* key, const Obj* v, bool& out, Need need);
  void str_list(const char* key, const Obj* v, std::vector<std::string>& out, Need need,
                std::size_t max_items = kMaxListItems);
  // Any value (input, data); absent gives null.
  void any(const char* key, const Obj* v, Json& out, Need need);
  // A map (metadata); absent leaves out as is.
  void object(const char* key, const Obj* v, Json& out, Need need);

  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  const Obj* find(const char* key, const Obj* v, Need need);
  void fail(const char* key, const std::string& why);

  bool ok_ = true;
  Error error_;
};

// A free-form value as Json. check_object has passed on the whole body, so this cannot fail;
// depth 0 is conservative.
Json as_json(const Obj& o);

}  // namespace orion
