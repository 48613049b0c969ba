#include "services/scheduler/retention_mark.h"

#include "common/msg_writer.h"
#include "common/object_fields.h"

namespace orion::scheduler {

std::string encode_retention_mark(const RetentionMark& mark) {
  MsgWriter w;
  w.map(2);
  w.key("t"), w.integer(static_cast<std::int64_t>(mark.next_task));
  w.key("w"), w.integer(static_cast<std::int64_t>(mark.next_workflow));
  return w.take();
}

Result<RetentionMark> decode_retention_mark(std::string_view bytes) {
  auto corrupt = [](const std::string& why) {
    return make_error(ErrorCode::INTERNAL, "stored retention mark is corrupt: " + why);
  };
  auto handle = packed::unpack_map_body(bytes, /*borrow=*/true);
  if (!handle) return corrupt(handle.error().message);
  static const char* const kNames[] = {"t", "w"};
  packed::FieldSet<2> f(kNames, handle->get());
  RetentionMark m;
  for (int i = 0; i < 2; ++i) {
    if (!f.present[i] || f.value[i]->type != msgpack::type::POSITIVE_INTEGER || f.value[i]->via.u64 == 0 ||
        f.value[i]->via.u64 >= (std::uint64_t{1} << 56)) {
      return corrupt(std::string("field '") + kNames[i] + "' is not a seq");
    }
  }
  m.next_task = f.value[0]->via.u64;
  m.next_workflow = f.value[1]->via.u64;
  return m;
}

}  // namespace orion::scheduler
