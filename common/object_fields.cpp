#include "common/object_fields.h"

namespace orion::packed {

Result<msgpack::object_handle> unpack_map_body(std::string_view body, bool borrow) {
  const CodecLimits& limits = default_limits();
  auto handle = unpack_value(body.data(), body.size(), limits, borrow);
  if (!handle) return handle.error();
  const Obj& b = handle->get();
  if (auto s = check_object(b, 0, limits); !s) return s.error();
  if (b.type != msgpack::type::MAP) return make_error(ErrorCode::MALFORMED, "body is not a msgpack map");
  return handle;
}

// A free-form value as Json. check_object has passed on the whole body, so this cannot fail;
// depth 0 is conservative.
Json as_json(const Obj& o) {
  Json out;
  object_to_json(o, out, 0, default_limits());
  return out;
}

}  // namespace orion::packed
